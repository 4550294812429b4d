"""Bodies of the /v1/keys routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from service.access.skills import Skills
from service.enums import Role
from service.inputs import InputModel


class KeyIn(InputModel):
    role: Role
    name: str = Field(min_length=1, max_length=128)
    skills: Skills = Field(
        default_factory=Skills,
        description="What the holder knows; their review queue shows matching items first.",
    )


class KeyPatch(InputModel):
    """An admin's change to a key: its skills, replaced as a whole (a list left out is empty)."""

    skills: Skills


class KeyCreated(BaseModel):
    """A new key: `key` is shown in this answer only."""

    id: int
    name: str
    role: Role
    key: str = Field(description="The key itself; only its SHA-256 is stored.")
    skills: Skills


class KeyPublic(BaseModel):
    id: int
    name: str
    role: Role
    prefix: str = Field(description="The key's first characters, to tell keys apart.")
    created_at: datetime
    revoked_at: datetime | None
    skills: Skills


class KeyRevoked(BaseModel):
    id: int
    revoked_at: datetime
