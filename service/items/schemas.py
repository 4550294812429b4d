"""Request and response bodies of the API (pydantic v2), in the families ItemIn / ItemPublic.

Input bodies are checked here for everything both databases must agree on, so a bad field is a
422 naming it, never a database error: text with no NUL and no lone surrogate, lengths after
normalisation, instants in a sane range, a rating that is a number or text (never true/false).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
)

from model.labels import (
    AccountTier,
    Category,
    Decision,
    FlagFamily,
    Severity,
)
from service.enums import ActorType, EventKind, ItemStatus, Owner, ResponseRule
from service.inputs import (
    MAX_ID,
    SOURCE_MAX_CHARS,
    InputModel,
    Instant,
    storable,
)


def _source(value: str) -> str:
    """A channel name in lower case, the form it is stored and matched in; its length counts
    after lowering, which can lengthen text ("İ" becomes two characters)."""
    lowered = value.strip().lower()
    if len(lowered) > SOURCE_MAX_CHARS:
        raise ValueError(f"must be at most {SOURCE_MAX_CHARS} characters once lower-cased")
    return lowered


def _tier(value: Any) -> Any:
    """A tier as files give it too: any case, spaces around it, empty for not given."""
    if isinstance(value, str):
        return value.strip().lower() or None
    return value


Source = Annotated[
    str, Field(max_length=SOURCE_MAX_CHARS), AfterValidator(storable), AfterValidator(_source)
]
# The schema lists the four tiers; a tier in another case or with spaces is taken as that tier.
Tier = Annotated[AccountTier | None, BeforeValidator(_tier)]


class ItemIn(InputModel):
    """One piece of feedback. Only `text` is required; missing fields are recorded as missing."""

    text: str = Field(
        min_length=1, description="The feedback text (1 to TRIAGE_MAX_TEXT_CHARS characters)."
    )
    source: Source | None = Field(
        default=None, description="Channel: g2, email... (stored in lower case, at most 64)."
    )
    external_id: str | None = Field(
        default=None, max_length=512, description="Id on the channel; re-posting it is idempotent."
    )
    # Strict: JSON true/false is not a rating. A number or numeric text from 1 to 5.
    rating: StrictInt | StrictFloat | StrictStr | None = Field(
        default=None, description='Star rating 1-5 (4, 4.0 and "4" are accepted).'
    )
    account_id: str | None = Field(default=None, max_length=256)
    account_tier: Tier = Field(
        default=None,
        description="The account's tier (any case; empty means not given); routing reads it.",
    )
    author: str | None = Field(default=None, max_length=256)
    created_at: Instant | None = Field(
        default=None,
        description="When the author posted it (UTC if no offset is given), 1970 to 100 years "
        "ahead.",
    )
    language: str | None = Field(default=None, max_length=16)


class BatchIn(InputModel):
    items: list[dict[str, Any]] = Field(
        description="Items as in POST /v1/classify; each is validated on its own."
    )


class ReviewAction(StrEnum):
    CONFIRM = "confirm"
    CORRECT = "correct"


class RedFlagPublic(BaseModel):
    family: FlagFamily
    rule: str
    text: str
    start: int
    end: int
    language: str = Field(
        default="en", description="ISO 639-1 code of the phrase that fired (before rules v2: en)"
    )


class PredictionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    model_version: str | None
    rules_version: str
    category: Category | None
    severity: Severity | None
    model_severity: Severity | None
    category_confidence: float | None
    severity_confidence: float | None
    probabilities: dict[str, dict[str, float]] | None
    red_flags: list[RedFlagPublic]
    decision: Decision
    reasons: list[str]


class ReviewerFlagPublic(BaseModel):
    """A red-flag family a reviewer set on an item, beside the rules' hits."""

    family: FlagFamily
    note: str | None = Field(description="The phrase or reason the reviewer gave, if any.")
    set_by: str = Field(description="Who set this flag (with this note).")
    set_at: datetime = Field(description="When it was set.")


class ReviewPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    actor_type: ActorType
    actor: str
    action: ReviewAction
    category: Category
    severity: Severity
    model_category: Category | None
    model_severity: Severity | None
    proposed_severity: Severity | None
    model_version: str | None
    note: str | None
    reviewer_flags: list[ReviewerFlagPublic] = Field(
        description="The reviewer's red flags in force after this review (service/items/review.py)."
    )


class EventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    kind: EventKind
    actor_type: ActorType
    actor: str
    from_status: ItemStatus | None
    to_status: ItemStatus | None
    data: dict[str, Any]


class ThemeRef(BaseModel):
    """The theme an item belongs to (GET /v1/themes/{id} tells more)."""

    id: int
    label: str


class ClaimPublic(BaseModel):
    """A reviewer's lease on an item (service/items/claims.py): others may not work the item
    until `expires_at` unless it is released first."""

    item_id: int
    key_id: int = Field(description="The API key that holds the claim.")
    reviewer: str = Field(description="The name of that key.")
    claimed_at: datetime = Field(description="When the claim began (renewals keep it).")
    expires_at: datetime = Field(description="When it ends unless renewed.")


class ClaimReleased(BaseModel):
    item_id: int
    released: bool = Field(description="False when there was no live claim to release.")
    claim: ClaimPublic | None = Field(description="The lease that was released, if any.")


def _not_blank(value: str) -> str:
    """Text that says something: surrounding spaces dropped, nothing left is refused."""
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be blank")
    return stripped


Said = Annotated[str, Field(min_length=1, max_length=5000), AfterValidator(_not_blank)]


class PostEscalationReview(InputModel):
    """The short review a red item gets when it is resolved (seed 002: "post-escalation
    reviews should identify root causes, communication gaps, and process inefficiencies
    without assigning blame"; seed 000: "what changed, what was learned, where the system
    failed and what action should happen next")."""

    what_happened: Said = Field(description="What happened, in a few sentences.")
    what_failed: Said = Field(
        description="Where the process or communication failed (gaps, slow hand-offs), "
        "without naming anyone to blame."
    )
    prevent_recurrence: Said | None = Field(
        default=None, description="What will keep it from happening again, if decided."
    )


class ResolutionPublic(BaseModel):
    """How a resolved item was closed: what was done, what changed, why it happened."""

    root_cause: str | None
    action_taken: str | None
    internal_change: str | None
    review: PostEscalationReview | None


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
    account_tier: AccountTier | None
    author: str | None
    language: str | None
    created_at: datetime | None
    received_at: datetime
    category: Category | None
    severity: Severity | None
    category_confidence: float | None
    severity_confidence: float | None
    probabilities: dict[str, dict[str, float]] | None
    red_flags: list[RedFlagPublic]
    reviewer_flags: list[ReviewerFlagPublic] = Field(
        description="Red-flag families a reviewer set (the rules' hits are in red_flags); "
        "routing uses both."
    )
    decision: Decision
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
    audit: bool = Field(
        description="An audit sample: the policy would have auto-applied it (decision "
        "auto_applied), a random draw sent it to reviewers instead (reason audit_sample).",
    )
    theme: ThemeRef | None = Field(
        description="The recurring theme the item belongs to; null until the pattern worker "
        "has seen it (within a few seconds of storing), or when it is near no theme."
    )
    incident_id: int | None = Field(
        description="The incident (known issue) the item is linked to, if any."
    )
    claim: ClaimPublic | None = Field(
        default=None,
        description="The reviewer working the item now (a live claim), or null: claim it with "
        "POST /v1/items/{id}/claim.",
    )
    resolution: ResolutionPublic | None = Field(
        default=None, description="How the item was resolved; null unless it is resolved."
    )


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


FLAG_NOTE_MAX_CHARS = 500


class ReviewerFlagIn(InputModel):
    family: FlagFamily = Field(description="A red-flag family: legal, security, fraud or safety.")
    note: str | None = Field(
        default=None,
        max_length=FLAG_NOTE_MAX_CHARS,
        description="The phrase that makes it a red flag (optional).",
    )

    @field_validator("note")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class ReviewIn(InputModel):
    version: int = Field(ge=1, le=MAX_ID, description="The item version the reviewer saw.")
    action: ReviewAction
    category: Category | None = Field(default=None, description="Required to correct.")
    severity: Severity | None = Field(default=None, description="Required to correct.")
    note: str | None = Field(default=None, max_length=5000)
    flags: list[ReviewerFlagIn] | None = Field(
        default=None,
        description="The reviewer's red-flag families, each at most once. Left out: the ones "
        "set before are kept; []: the reviewer's flags are removed (the rules' hits stay on "
        "record). Flags need severity red.",
    )

    @field_validator("flags")
    @classmethod
    def _each_family_once(cls, value: list[ReviewerFlagIn] | None) -> list[ReviewerFlagIn] | None:
        families = [flag.family.value for flag in value or []]
        repeated = sorted({f for f in families if families.count(f) > 1})
        if repeated:
            raise ValueError(f"each family at most once; repeated: {', '.join(repeated)}")
        return value


class VersionedIn(InputModel):
    version: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="If given, a stale one gets 409."
    )
    note: str | None = Field(default=None, max_length=5000)


class ResolveIn(InputModel):
    version: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="If given, a stale one gets 409."
    )
    action_taken: Said = Field(description="What was done.")
    internal_change: Said = Field(description="What changed internally because of it.")
    root_cause: str | None = Field(
        default=None,
        max_length=64,
        description="One of the routing policy's `resolution.root_causes`; required for the "
        "severities in `resolution.root_cause_required` (default yellow and red).",
    )
    review: PostEscalationReview | None = Field(
        default=None,
        description="The post-escalation review; required for the severities in "
        "`resolution.review_required` (default red).",
    )


class DismissReason(StrEnum):
    FALSE_POSITIVE = "false_positive"
    SPAM = "spam"
    DUPLICATE = "duplicate"
    OUT_OF_SCOPE = "out_of_scope"
    OTHER = "other"


class DismissIn(InputModel):
    version: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="If given, a stale one gets 409."
    )
    reason: DismissReason
    note: str | None = Field(default=None, max_length=5000)
