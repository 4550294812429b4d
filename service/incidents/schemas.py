"""Bodies of the /v1/incidents routes: incidents as clients see them, and what they send."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from model.labels import AccountTier, Category, Severity
from service.contract import ErrorBody
from service.enums import ActorType, IncidentKind, IncidentStatus, ItemStatus, Owner, ResponseRule
from service.inputs import MAX_ID, InputModel

ItemIdValue = Annotated[int, Field(ge=1, le=MAX_ID)]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


# A title or text a person writes: something to read, not only spaces.
Written = Annotated[str, AfterValidator(_not_blank)]


class IncidentEventKind(StrEnum):
    """The steps of an incident's timeline (`incident_events.kind`)."""

    OPENED = "opened"
    ITEM_LINKED = "item_linked"
    ITEM_UNLINKED = "item_unlinked"
    STATUS_CHANGED = "status_changed"
    NOTE = "note"
    STATUS_TEXT_EDITED = "status_text_edited"
    PUBLISHED = "published"
    RECLASSIFIED = "reclassified"
    DETECTOR_CLOSED = "detector_closed"


class Evidence(BaseModel):
    """What the detector saw when it opened the incident (empty for a human's incident)."""

    count: int | None = Field(default=None, description="Items in the window.")
    expected: float | None = Field(default=None, description="The baseline's expected count.")
    p_value: float | None = None
    authors: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)


class IncidentPublic(BaseModel):
    """An incident (known issue): its owner, items, status, times and customer status text."""

    id: int
    version: int = Field(description="Send it back with a change: a stale one gets 409.")
    kind: IncidentKind
    status: IncidentStatus
    title: str
    reason: str
    owner: Owner
    response_rule: ResponseRule
    routing_rule: str
    policy_version: str
    theme_id: int | None
    item_ids: list[int] = Field(description="The linked items, oldest link first.")
    detector_open: bool = Field(
        description="Whether the burst detector still links new items to it."
    )
    evidence: Evidence
    first_item_at: datetime = Field(
        description="The earliest item's time (created_at, else received_at)."
    )
    opened_at: datetime = Field(description="When it was opened, on the items' clock.")
    due_at: datetime
    overdue: bool
    resolved_at: datetime | None
    status_text: str = Field(description="The customer-facing status text (draft).")
    published_text: str | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class IncidentPage(BaseModel):
    items: list[IncidentPublic]
    total: int
    limit: int
    offset: int


class IncidentEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    kind: IncidentEventKind
    actor_type: ActorType
    actor: str
    item_id: int | None
    data: dict[str, Any]


class IncidentItem(BaseModel):
    """A linked item, in short (GET /v1/items/{id} has all of it)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    text: str
    status: ItemStatus
    category: Category | None
    severity: Severity | None
    owner: Owner
    source: str | None
    account_id: str | None
    created_at: datetime | None
    received_at: datetime


class IncidentDetail(IncidentPublic):
    events: list[IncidentEventPublic]
    items: list[IncidentItem]


class AffectedAccount(BaseModel):
    account_id: str
    account_tier: AccountTier | None
    items: int
    first_seen: datetime
    last_seen: datetime
    sources: list[str]


class AffectedAccounts(BaseModel):
    incident_id: int
    accounts: list[AffectedAccount] = Field(description="Most items first.")
    items_without_account: int


class IncidentIn(InputModel):
    """A human opens an incident (kind manual)."""

    title: Written = Field(min_length=1, max_length=300)
    owner: Owner | None = Field(
        default=None, description="Left out: routed by the policy from its items."
    )
    item_ids: list[ItemIdValue] = Field(default_factory=list, max_length=1000)
    note: str | None = Field(default=None, max_length=5000)


class LinkIn(InputModel):
    item_ids: list[ItemIdValue] = Field(min_length=1, max_length=1000)
    note: str | None = Field(default=None, max_length=5000)


class StatusIn(InputModel):
    version: int = Field(ge=1, le=MAX_ID, description="A stale one gets 409.")
    status: IncidentStatus
    note: str | None = Field(default=None, max_length=5000)


class NoteIn(InputModel):
    text: Written = Field(min_length=1, max_length=5000)


class StatusTextIn(InputModel):
    version: int = Field(ge=1, le=MAX_ID, description="A stale one gets 409.")
    text: Written = Field(min_length=1, max_length=5000)


class PublishIn(InputModel):
    version: int = Field(ge=1, le=MAX_ID, description="A stale one gets 409.")


class IncidentConflictBody(ErrorBody):
    current: IncidentPublic | None = Field(default=None, description="The incident as it is now.")


class Durations(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(description="Incidents measured.")
    p50_seconds: float | None = Field(description="Median; null when none was measured.")


class IncidentFigures(BaseModel):
    """The `incidents` section of GET /v1/metrics (service/incidents/figures.py)."""

    model_config = ConfigDict(extra="forbid")

    definition: str
    opened: int = Field(description="Incidents opened in the range (by opened_at).")
    by_kind: dict[IncidentKind, int]
    open_now: int = Field(description="Incidents open now, whenever opened.")
    monitoring_now: int
    time_to_detect: Durations = Field(
        description="opened_at - first_item_at, on the items' clock, of those opened in range."
    )
    time_to_resolve: Durations = Field(
        description="resolved_at - created_at (wall clock), of those opened in range and resolved."
    )
