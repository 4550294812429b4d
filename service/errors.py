"""The service's error kinds. All derive from the project's one root, `TriageError`; one
handler (service/app.py) turns each into a status code and the one error body shape
`{"error": "<Name>", "detail": "...", ...}`.
"""

from __future__ import annotations

from typing import Any

from core.errors import TriageError


class AddressInUseError(TriageError):
    """`triage serve` cannot listen: another process holds the address and port."""


class ServiceError(TriageError):
    status_code = 400

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFoundError(ServiceError):
    status_code = 404


class ConflictError(ServiceError):
    """A stale version or a step the item's status does not allow (409)."""

    status_code = 409


class NotAuthenticatedError(ServiceError):
    status_code = 401


class ForbiddenError(ServiceError):
    status_code = 403


class BadRequestError(ServiceError):
    status_code = 400


class UnprocessableError(ServiceError):
    status_code = 422


class PayloadTooLargeError(ServiceError):
    status_code = 413


class UnavailableError(ServiceError):
    """Something the request needs is missing here (e.g. the themes' encoder weights) (503)."""

    status_code = 503


class BadGatewayError(ServiceError):
    """A dependency (model store, model file) failed; what was working keeps working."""

    status_code = 502
