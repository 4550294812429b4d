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


SYSTEM = Actor(ActorType.SYSTEM, "system")
