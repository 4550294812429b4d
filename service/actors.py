"""Who does something to an item: a person or system behind an API key, or the service itself.
Every event records its actor."""

from __future__ import annotations

from dataclasses import dataclass

from service.enums import ActorType


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something: a person or system behind an API key, or the service itself."""

    type: ActorType
    name: str
    # The API key behind a person (None for the service itself): who holds a claim on an item.
    key_id: int | None = None
    # An admin's key: may step over another reviewer's claim (service/items/claims.py).
    admin: bool = False
    # The request acting (`X-Request-ID`), where a thread outside the request's context writes
    # its events: the classify batcher stores several requests' items at once.
    request_id: str | None = None


SYSTEM = Actor(ActorType.SYSTEM, "system")
