"""Reading items: one item with its history, the public shapes the API and the console show,
filtered listings and the review queue (in `QUEUE_ORDER`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from service.access.skills import Skills
from service.clock import utcnow
from service.enums import (
    UNACKNOWLEDGED_STATUSES,
    ItemStatus,
)
from service.errors import NotFoundError
from service.items.claims import live_claim
from service.items.queue_order import queue_order
from service.items.schemas import (
    EventPublic,
    ItemDetail,
    ItemPublic,
    PredictionPublic,
    ReviewPublic,
)
from service.tables import Item, Prediction

# ---- reading --------------------------------------------------------------------------------


def get_item(
    *, session: Session, item_id: int, history: bool = False, for_update: bool = False
) -> Item:
    """One item (with its history if asked); `for_update` locks its row until the transaction
    ends on PostgreSQL, so a state change reads the version it will compare-and-set."""
    query = select(Item).where(Item.id == item_id)
    if for_update:  # and read the row as it is now, not as this session saw it before
        query = query.with_for_update().execution_options(populate_existing=True)
    if history:
        query = query.options(
            selectinload(Item.predictions), selectinload(Item.reviews), selectinload(Item.events)
        )
    else:
        query = query.options(selectinload(Item.predictions))
    item = session.scalars(query).one_or_none()
    if item is None:
        raise NotFoundError(f"no item with id {item_id}")
    return item


def latest_prediction(item: Item) -> Prediction | None:
    return item.predictions[-1] if item.predictions else None


def item_public(item: Item, *, now: datetime | None = None) -> dict[str, Any]:
    """The public fields of an item, with its latest prediction's probabilities and flags."""
    prediction = latest_prediction(item)
    theme = item.theme
    return public_fields(
        lambda name: getattr(item, name),
        probabilities=prediction.probabilities if prediction else None,
        red_flags=prediction.red_flags if prediction else [],
        theme=None if theme is None else {"id": theme.id, "label": theme.label},
        now=now,
        claimed=True,
    )


def public_fields(
    field: Callable[[str], Any],
    *,
    probabilities: dict[str, Any] | None,
    red_flags: list[dict[str, Any]],
    theme: dict[str, Any] | None,
    now: datetime | None,
    claimed: bool = False,
) -> dict[str, Any]:
    """The public fields from `field(column name)`: an ORM item's or a just-inserted row's
    (`claimed` False: a new row, which no one can have claimed yet)."""
    now = now or utcnow()
    due = field("due_at")
    claim = (
        live_claim(
            field("id"),
            field("claim_key_id"),
            field("claimed_by"),
            field("claimed_at"),
            field("claim_expires_at"),
            now=now,
        )
        if claimed
        else None
    )
    return {
        "id": field("id"),
        "version": field("version"),
        "status": field("status"),
        "text": field("text"),
        "source": field("source"),
        "external_id": field("external_id"),
        "rating": field("rating"),
        "account_id": field("account_id"),
        "account_tier": field("account_tier"),
        "author": field("author"),
        "language": field("language"),
        "created_at": field("created_at"),
        "received_at": field("received_at"),
        "category": field("category"),
        "severity": field("severity"),
        "category_confidence": field("category_confidence"),
        "severity_confidence": field("severity_confidence"),
        "probabilities": probabilities,
        "red_flags": red_flags,
        "reviewer_flags": field("reviewer_flags"),
        "decision": field("decision"),
        "reasons": field("reasons"),
        "owner": field("owner"),
        "response_rule": field("response_rule"),
        "routing_rule": field("routing_rule"),
        "policy_version": field("policy_version"),
        "due_at": due,
        "overdue": field("status") in UNACKNOWLEDGED_STATUSES and due < now,
        "escalation_level": field("escalation_level"),
        "acknowledged_at": field("acknowledged_at"),
        "closed_at": field("closed_at"),
        "model_version": field("model_version"),
        "rules_version": field("rules_version"),
        "reviewed": field("reviewed"),
        "audit": field("audit"),
        "theme": theme,
        "incident_id": field("incident_id"),
        "claim": claim,
        "resolution": _resolution(field) if field("status") == ItemStatus.RESOLVED else None,
    }


def _resolution(field: Callable[[str], Any]) -> dict[str, Any]:
    """How a resolved item was closed (only a resolved item has these columns filled)."""
    return {
        "root_cause": field("root_cause"),
        "action_taken": field("action_taken"),
        "internal_change": field("internal_change"),
        "review": field("resolution_review"),
    }


def to_public(item: Item) -> ItemPublic:
    return ItemPublic.model_validate(item_public(item))


def to_detail(item: Item) -> ItemDetail:
    return ItemDetail.model_validate(
        item_public(item)
        | {
            "predictions": [PredictionPublic.model_validate(p) for p in item.predictions],
            "reviews": [ReviewPublic.model_validate(r) for r in item.reviews],
            "events": [EventPublic.model_validate(e) for e in item.events],
        }
    )


@dataclass(frozen=True, slots=True)
class ItemFilters:
    status: Sequence[str] = ()
    severity: Sequence[str] = ()
    category: Sequence[str] = ()
    owner: Sequence[str] = ()
    source: Sequence[str] = ()
    received_from: datetime | None = None
    received_to: datetime | None = None
    theme_id: Sequence[int] = ()
    incident_id: Sequence[int] = ()


def _filtered(query: Any, filters: ItemFilters) -> Any:
    for column, values in (
        (Item.status, filters.status),
        (Item.severity, filters.severity),
        (Item.category, filters.category),
        (Item.owner, filters.owner),
        (Item.source, filters.source),
        (Item.theme_id, filters.theme_id),
        (Item.incident_id, filters.incident_id),
    ):
        if values:
            query = query.where(column.in_(list(values)))
    if filters.received_from is not None:
        query = query.where(Item.received_at >= filters.received_from)
    if filters.received_to is not None:
        query = query.where(Item.received_at < filters.received_to)
    return query


def list_items(
    *, session: Session, filters: ItemFilters, limit: int, offset: int
) -> tuple[list[Item], int]:
    """Items matching the filters, newest first, one page; and how many match in all."""
    total = session.scalar(_filtered(select(func.count(Item.id)), filters)) or 0
    query = _filtered(select(Item), filters).options(selectinload(Item.predictions))
    rows = session.scalars(
        query.order_by(Item.received_at.desc(), Item.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total)


def queue(
    *,
    session: Session,
    filters: ItemFilters,
    limit: int,
    offset: int,
    now: datetime | None = None,
    skills: Skills | None = None,
) -> tuple[list[Item], int]:
    """Items waiting for a human, one page, those matching `skills` first, then in
    `QUEUE_ORDER` (service/items/queue_order.py); and how many wait in all."""
    now = now or utcnow()
    waiting = ItemFilters(
        status=[ItemStatus.NEEDS_REVIEW.value],
        severity=filters.severity,
        category=filters.category,
        owner=filters.owner,
        source=filters.source,
        received_from=filters.received_from,
        received_to=filters.received_to,
    )
    total = session.scalar(_filtered(select(func.count(Item.id)), waiting)) or 0
    query = _filtered(select(Item), waiting).options(selectinload(Item.predictions))
    rows = session.scalars(
        query.order_by(*queue_order(now, skills)).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total)
