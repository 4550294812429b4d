"""Request and response bodies of the reply routes (pydantic v2)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from service.enums import ActorType, ReplyKind
from service.inputs import InputModel

BODY_MAX_CHARS = 20_000


def _lines(text: str) -> str:
    """One line-ending style: browsers send a textarea's lines with CRLF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class DraftOut(BaseModel):
    """A draft rendered from the templates in force, for a person to edit and send."""

    template: str = Field(description="The template's name (send it back with the reply).")
    template_version: str = Field(description="The templates file's `version`.")
    kind: ReplyKind
    subject: str | None = Field(description="None for kinds without one (public replies).")
    body: str


class ReplyIn(InputModel):
    """What was sent (or written up, for an escalation note)."""

    kind: ReplyKind
    subject: str | None = Field(default=None, max_length=1000)
    body: str = Field(max_length=BODY_MAX_CHARS, description="The text as sent; not empty.")
    template: str | None = Field(
        default=None,
        max_length=128,
        description="The draft's template, if it started from one; null: written from scratch.",
    )
    channel: str | None = Field(
        default=None, max_length=64, description="Where it was sent: g2, email, phone..."
    )

    @field_validator("body")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        value = _lines(value).strip()
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("subject", "channel")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return (_lines(value).strip() or None) if value is not None else None


class ReplyOut(BaseModel):
    """A recorded reply: the `reply_sent` event on the item."""

    event_id: int
    item_id: int
    created_at: datetime
    actor: str
    actor_type: ActorType
    kind: ReplyKind
    subject: str | None
    body: str
    template: str | None
    template_version: str | None = Field(description="The templates' version, with a template.")
    edited: bool = Field(
        description="Whether the text differs from the template's draft for this item (always "
        "true without a template)."
    )
    channel: str | None
