"""Request and response bodies of the API (pydantic v2), in the families ItemIn / ItemPublic."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from model.labels import Category, Severity
from service.enums import ItemStatus, Owner, ResponseRule


def _utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; everything the service stores is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


Timestamp = Annotated[datetime, AfterValidator(_utc)]


class ItemIn(BaseModel):
    """One piece of feedback. Only `text` is required; missing fields are recorded as missing."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The feedback text (1 to TRIAGE_MAX_TEXT_CHARS characters).")
    source: str | None = Field(default=None, max_length=64, description="Channel: g2, email...")
    external_id: str | None = Field(
        default=None, max_length=512, description="Id on the channel; re-posting it is idempotent."
    )
    rating: int | float | str | None = Field(default=None, description="Star rating 1-5.")
    account_id: str | None = Field(default=None, max_length=256)
    account_tier: str | None = Field(default=None, description="strategic, enterprise, smb...")
    author: str | None = Field(default=None, max_length=256)
    created_at: Timestamp | None = Field(
        default=None, description="When the author posted it (UTC if no offset is given)."
    )
    language: str | None = Field(default=None, max_length=16)


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, Any]] = Field(
        description="Items as in POST /v1/classify; each is validated on its own."
    )


class RedFlagPublic(BaseModel):
    family: str
    rule: str
    text: str
    start: int
    end: int


class PredictionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: Timestamp
    model_version: str | None
    rules_version: str
    category: str | None
    severity: str | None
    model_severity: str | None
    category_confidence: float | None
    severity_confidence: float | None
    probabilities: dict[str, dict[str, float]] | None
    red_flags: list[RedFlagPublic]
    decision: str
    reasons: list[str]


class ReviewPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: Timestamp
    actor_type: str
    actor: str
    action: str
    category: str
    severity: str
    model_category: str | None
    model_severity: str | None
    proposed_severity: str | None
    model_version: str | None
    note: str | None


class EventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: Timestamp
    kind: str
    actor_type: str
    actor: str
    from_status: str | None
    to_status: str | None
    data: dict[str, Any]


class ItemPublic(BaseModel):
    """A stored item: its fields, the current labels and decision, routing and versions."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int = Field(description="Send it back with a review: a stale one gets 409.")
    status: ItemStatus
    text: str
    source: str | None
    external_id: str | None
    rating: int | None
    account_id: str | None
    account_tier: str | None
    author: str | None
    language: str | None
    created_at: datetime | None
    received_at: datetime
    category: str | None
    severity: str | None
    category_confidence: float | None
    severity_confidence: float | None
    probabilities: dict[str, dict[str, float]] | None
    red_flags: list[RedFlagPublic]
    decision: str
    reasons: list[str]
    owner: Owner
    response_rule: ResponseRule
    routing_rule: str
    policy_version: str
    due_at: datetime
    overdue: bool
    escalation_level: int
    acknowledged_at: datetime | None
    closed_at: datetime | None
    model_version: str | None
    rules_version: str
    reviewed: bool = Field(description="Whether a human has confirmed or corrected the labels.")


class ItemDetail(ItemPublic):
    """An item with its full, append-only history."""

    predictions: list[PredictionPublic]
    reviews: list[ReviewPublic]
    events: list[EventPublic]


class ClassifyResult(ItemPublic):
    duplicate: bool = Field(
        description="True when (source, external_id) was already stored: this is that item."
    )


class BatchError(BaseModel):
    index: int
    error: str
    detail: str


class BatchResult(BaseModel):
    items: list[ClassifyResult | None] = Field(description="One entry per input; None if bad.")
    errors: list[BatchError]
    accepted: int
    rejected: int


class ItemPage(BaseModel):
    items: list[ItemPublic]
    total: int
    limit: int
    offset: int


class ReviewAction(StrEnum):
    CONFIRM = "confirm"
    CORRECT = "correct"


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="The item version the reviewer saw.")
    action: ReviewAction
    category: Category | None = Field(default=None, description="Required to correct.")
    severity: Severity | None = Field(default=None, description="Required to correct.")
    note: str | None = Field(default=None, max_length=5000)


class VersionedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, description="If given, a stale one gets 409.")
    note: str | None = Field(default=None, max_length=5000)


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = None
    action_taken: str = Field(min_length=1, max_length=5000, description="What was done.")
    internal_change: str = Field(
        min_length=1, max_length=5000, description="What changed internally because of it."
    )


class DismissReason(StrEnum):
    FALSE_POSITIVE = "false_positive"
    SPAM = "spam"
    DUPLICATE = "duplicate"
    OUT_OF_SCOPE = "out_of_scope"
    OTHER = "other"


class DismissIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = None
    reason: DismissReason
    note: str | None = Field(default=None, max_length=5000)
