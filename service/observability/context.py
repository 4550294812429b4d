"""The request being served: its id and its caller, for logs and for the events it writes.

A plain ASGI middleware (`service.observability.middleware`) sets `current` for each request.
FastAPI runs async code in the request's own context and copies it into the threads that run
sync code, so the value is readable anywhere the request's work runs. The classify batcher's
worker thread stores several requests at once: each job carries its own id on its actor.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

HEADER = "X-Request-ID"
# A caller's id is kept when it is short and plain (it goes into logs and events as is).
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


@dataclass(slots=True)
class RequestInfo:
    """Mutable on purpose: the authentication dependency fills in `key_name` and the
    middleware, which set the object, reads it after the route ran."""

    request_id: str
    key_name: str | None = None


current: ContextVar[RequestInfo | None] = ContextVar("triage_request", default=None)


def request_id_from(header: str | None) -> str:
    """The caller's `X-Request-ID` when it is 1-128 characters of letters, digits and
    `._:-`; otherwise (missing, too long, anything else) a new random one."""
    if header is not None and _ACCEPTED_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    info = current.get()
    return info.request_id if info is not None else None


def note_key(name: str) -> None:
    """Record which API key the current request authenticated with (for its log line)."""
    info = current.get()
    if info is not None:
        info.key_name = name


def stamped(data: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
    """An event's data with the id of the request that writes it (`request_id`, else the
    current request's), when there is one; unchanged outside requests."""
    request_id = request_id or current_request_id()
    if request_id is None:
        return data
    return {**data, "request_id": request_id}
