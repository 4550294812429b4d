"""What the API promises beyond its bodies, in one place: bounded path and query parameters,
the error responses each route can give (so `/openapi.json` tells clients the truth), and the
JSON body reader (strict UTF-8, clear messages for what cannot be read)."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from service.inputs import MAX_ID, MAX_INT, Instant
from service.items.schemas import ItemPublic, ReviewPublic

# ---- parameters -----------------------------------------------------------------------------

ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="The item's id.")]
KeyId = Annotated[int, Path(ge=1, le=MAX_ID, description="The API key's id.")]
Limit = Annotated[
    int, Query(ge=1, le=MAX_INT, description="Most items to return (capped at TRIAGE_PAGE_LIMIT).")
]
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="Matches to skip.")]
ReceivedFrom = Annotated[
    Instant | None, Query(description="Received at or after (1970 to 100 years ahead; UTC).")
]
ReceivedTo = Annotated[Instant | None, Query(description="Received before (UTC if no offset).")]


# ---- error bodies ---------------------------------------------------------------------------


class ErrorBody(BaseModel):
    """Every error: `{"error": "<Name>", "detail": "..."}`, some with more fields."""

    model_config = ConfigDict(extra="allow")

    error: str = Field(description="The error's name, e.g. NotFoundError.")
    detail: str = Field(description="What went wrong, for a person.")


class FieldProblem(BaseModel):
    loc: list[str | int] = Field(description="Where: e.g. ['body', 'rating'].")
    msg: str
    type: str | None


class ValidationErrorBody(ErrorBody):
    errors: list[FieldProblem] = Field(
        description="One entry per bad field; empty when the problem is not one field's."
    )


class ConflictBody(ErrorBody):
    current: ItemPublic | None = Field(default=None, description="The item as it is now.")
    latest_review: ReviewPublic | None = None


def _error(description: str, model: type[BaseModel] = ErrorBody) -> dict[str, Any]:
    return {"model": model, "description": description}


UNAVAILABLE = _error("The database is unavailable; retry after `Retry-After` seconds.")
# Every route with a key: bad or missing key, wrong role, a bad parameter, the database down.
KEYED: dict[int | str, dict[str, Any]] = {
    401: _error("No valid API key."),
    403: _error("The key's role may not use this route."),
    422: _error("A parameter or field is invalid.", ValidationErrorBody),
    503: UNAVAILABLE,
}
WITH_BODY: dict[int | str, dict[str, Any]] = {
    400: _error("The body is not JSON, not UTF-8, or nested too deeply."),
    413: _error("The body is larger than TRIAGE_MAX_BODY_BYTES (or the batch than its limit)."),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: _error("No such item or key.")}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: _error(
        "A stale `version`, or a step the item's status does not allow; with the current item.",
        ConflictBody,
    )
}


# ---- the JSON body reader -------------------------------------------------------------------


class Utf8JsonRequest(Request):
    """A request whose JSON body must be UTF-8. (`json.loads` on bytes would guess UTF-16 or
    UTF-32 and accept them, against the documented contract.)"""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise HTTPException(
                    400, "the request body is not UTF-8: send UTF-8 encoded JSON"
                ) from None
            try:
                self._json = json.loads(text)
            except json.JSONDecodeError:
                raise  # FastAPI reports it as malformed JSON
            except RecursionError:
                raise HTTPException(400, "the JSON is nested too deeply to read") from None
            except ValueError as exc:  # e.g. an integer of more than 4,300 digits
                raise HTTPException(400, f"the JSON could not be read: {exc}") from None
        return self._json


class JsonRoute(APIRoute):
    """Routes that read their body with `Utf8JsonRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(Utf8JsonRequest(request.scope, request.receive))

        return strict_handler
