"""The escalation workflow: classify and store, route, acknowledge, resolve, dismiss and
escalate overdue items (reviews: service/items/review.py; reading items and the queue:
service/items/views.py; the corrections export: service/items/exports.py). Keyword-only functions
on a session; the caller (one request, one CLI command) owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from core.errors import InvalidInputError
from model.engine import Triager, TriageResult
from model.labels import Decision
from model.records import FeedbackItem, item_from_row
from service.actors import SYSTEM, Actor
from service.clock import utcnow
from service.enums import (
    ActorType,
    EventKind,
    ItemStatus,
)
from service.items.repeats import RepeatCounts
from service.items.schemas import ItemIn
from service.items.views import item_public, public_fields
from service.observability.context import stamped
from service.routing.policy import Route, RoutingFacts, RoutingPolicy, route
from service.serving.audit import NO_HOLD, AutoApplyGate, Hold
from service.tables import Event, Item, Prediction

# ---- classify and store ---------------------------------------------------------------------


def parse_item(raw: ItemIn, *, max_chars: int) -> FeedbackItem:
    """Validate the fields the model reads (text, rating, source, tier); raise InvalidInputError."""
    return item_from_row(
        {
            "text": raw.text,
            "rating": raw.rating,
            "source": raw.source,
            "account_tier": raw.account_tier,
        },
        max_chars=max_chars,
    )


def _dedupe_key(raw: ItemIn) -> str | None:
    if raw.external_id is None or not raw.external_id.strip():
        return None
    return f"{(raw.source or '').strip().lower()}\x1f{raw.external_id.strip()}"


def route_for(
    session: Session,
    *,
    policy: RoutingPolicy,
    category: str | None,
    severity: str | None,
    account_id: str | None,
    account_tier: str | None,
    flags: Sequence[str],
    now: datetime,
    repeats: RepeatCounts | None = None,
) -> Route:
    facts = RoutingFacts(
        category=category,
        severity=severity,
        account_tier=account_tier,
        flags=frozenset(flags),
        repeat_count=(repeats or RepeatCounts(session, policy=policy, now=now)).count(
            account_id, category
        ),
    )
    return route(policy, facts, now=now)


def record_event(
    item: Item,
    kind: EventKind,
    actor: Actor,
    *,
    now: datetime,
    from_status: str | None,
    to_status: str | None,
    data: dict[str, Any] | None = None,
) -> Event:
    row = _event_row(
        kind, actor, now=now, from_status=from_status, to_status=to_status, data=data or {}
    )
    event = Event(**row)
    item.events.append(event)
    return event


@dataclass(slots=True)
class _NewRows:
    """The rows one new item inserts: the item, its prediction, its two events."""

    item: dict[str, Any]
    prediction: dict[str, Any]
    events: list[dict[str, Any]]  # classified, routed


def _new_rows(
    session: Session,
    *,
    raw: ItemIn,
    parsed: FeedbackItem,
    result: TriageResult,
    policy: RoutingPolicy,
    actor: Actor,
    now: datetime,
    repeats: RepeatCounts,
    hold: Hold = NO_HOLD,
) -> _NewRows:
    category = result.category.value if result.category else None
    severity = result.severity.value if result.severity else None
    flags = sorted({hit.family.value for hit in result.red_flags})
    account_tier = parsed.account_tier.value if parsed.account_tier else None
    routing = route_for(
        session,
        policy=policy,
        category=category,
        severity=severity,
        account_id=raw.account_id,
        account_tier=account_tier,
        flags=flags,
        now=now,
        repeats=repeats,
    )
    # The decision stays the policy's; an audit sample or a switched-off class waits anyway.
    waits = result.decision is not Decision.AUTO_APPLIED or hold.held
    reasons = [*result.reasons, *hold.reasons]
    status = ItemStatus.NEEDS_REVIEW if waits else ItemStatus.ROUTED
    confidences = [c for c in (result.category_confidence, result.severity_confidence) if c]
    item = {
        "dedupe_key": _dedupe_key(raw),
        "source": parsed.source,
        "external_id": raw.external_id.strip() if raw.external_id else None,
        "text": parsed.text,
        "rating": parsed.rating,
        "account_id": raw.account_id,
        "account_tier": account_tier,
        "author": raw.author,
        "language": raw.language,
        "created_at": raw.created_at,
        "received_at": now,
        "status": status.value,
        "category": category,
        "severity": severity,
        "flags": flags,
        "reviewer_flags": [],
        "decision": result.decision.value,
        "reasons": reasons,
        "category_confidence": result.category_confidence,
        "severity_confidence": result.severity_confidence,
        "confidence": min(confidences) if confidences else 0.0,
        "reviewed": False,
        "audit": hold.audit,
        "owner": routing.owner.value,
        "response_rule": routing.response_rule.value,
        "routing_rule": routing.rule,
        "policy_version": routing.policy_version,
        "due_at": routing.due_at,
        "escalation_level": 0,
        "acknowledged_at": None,
        "closed_at": None,
        "model_version": result.model_version,
        "rules_version": result.rules_version,
        "version": 1,
    }
    prediction = {
        "created_at": now,
        "model_version": result.model_version,
        "rules_version": result.rules_version,
        "category": category,
        "severity": severity,
        "model_severity": result.model_severity.value if result.model_severity else None,
        "category_confidence": result.category_confidence,
        "severity_confidence": result.severity_confidence,
        "probabilities": result.probabilities,
        "red_flags": [hit.to_dict() for hit in result.red_flags],
        "decision": result.decision.value,
        "reasons": list(result.reasons),
    }
    model_actor = Actor(ActorType.MODEL, result.model_version or "rules-only")
    events = [
        _event_row(
            EventKind.CLASSIFIED,
            model_actor,
            now=now,
            from_status=ItemStatus.NEW.value,
            to_status=status.value,
            data={
                "decision": result.decision.value,
                "reasons": reasons,
                "audit": hold.audit,
                "submitted_by": actor.name,
            },
            request_id=actor.request_id,
        ),
        _event_row(
            EventKind.ROUTED,
            SYSTEM,
            now=now,
            from_status=status.value,
            to_status=status.value,
            data=routing.event_data(),
            request_id=actor.request_id,
        ),
    ]
    return _NewRows(item, prediction, events)


def _event_row(
    kind: EventKind,
    actor: Actor,
    *,
    now: datetime,
    from_status: str | None,
    to_status: str | None,
    data: dict[str, Any],
    request_id: str | None = None,
) -> dict[str, Any]:
    """An event's columns (without its item): inserted as is, or made into an `Event`. The
    data carries the id of the request writing it (`request_id`, else the current one)."""
    return {
        "created_at": now,
        "kind": kind.value,
        "actor_type": actor.type.value,
        "actor": actor.name,
        "from_status": from_status,
        "to_status": to_status,
        "data": stamped(data, request_id),
    }


# Core statements on the tables, built once: the ORM's unit of work cost about 1 ms of CPU per
# item, and even an ORM-enabled bulk insert spent 1-4 ms per statement on a single item.
_ITEMS = cast(Table, Item.__table__)
_INSERT_ITEMS = insert(_ITEMS).returning(_ITEMS.c.id, sort_by_parameter_order=True)
# On SQLite, SQLAlchemy can keep RETURNING in parameter order only by inserting one row per
# statement (SQLite promises no RETURNING order): 97 statements for a batch of 32 items.
# Unordered, a batch is one statement, and the order comes from the ids (`_item_ids`).
_INSERT_ITEMS_UNORDERED = insert(_ITEMS).returning(_ITEMS.c.id)
_INSERT_PREDICTIONS = insert(cast(Table, Prediction.__table__))
_EVENTS = cast(Table, Event.__table__)
# Each new item gets one event of each kind, so (item, kind) names an event: no order needed.
_INSERT_EVENTS = insert(_EVENTS).returning(_EVENTS.c.id, _EVENTS.c.item_id, _EVENTS.c.kind)


def _item_ids(connection: Connection, items: list[dict[str, Any]]) -> list[int]:
    """Insert the items; their new ids, in the order given."""
    if connection.dialect.name != "sqlite":
        return list(connection.execute(_INSERT_ITEMS, items).scalars())
    # SQLite gives each inserted row the largest rowid so far + 1, row after row in the order
    # sent, and our transaction holds the only write lock: the ids are consecutive and
    # ascending in that order, whatever order RETURNING lists them in.
    ids = sorted(connection.execute(_INSERT_ITEMS_UNORDERED, items).scalars())
    if len(ids) != len(items) or (ids and ids[-1] - ids[0] != len(ids) - 1):
        raise RuntimeError(f"SQLite gave {len(items)} new items non-consecutive ids {ids}")
    return ids


def _insert_new(session: Session, rows: Sequence[_NewRows], *, now: datetime) -> list[Stored]:
    """Insert new items with one Core statement per table for the whole batch; returns each
    item's public fields."""
    if not rows:
        return []
    connection = session.connection()
    item_ids = _item_ids(connection, [r.item for r in rows])
    pairs = list(zip(rows, item_ids, strict=True))
    connection.execute(_INSERT_PREDICTIONS, [r.prediction | {"item_id": i} for r, i in pairs])
    events = connection.execute(
        _INSERT_EVENTS, [e | {"item_id": i} for r, i in pairs for e in r.events]
    )
    event_ids = {(item_id, kind): event_id for event_id, item_id, kind in events}
    classified = EventKind.CLASSIFIED.value
    stored: list[Stored] = []
    for r, item_id in pairs:
        # A new item has no theme or incident yet: the pattern worker assigns them.
        values = r.item | {"id": item_id, "incident_id": None}
        public = public_fields(
            values.__getitem__,
            probabilities=r.prediction["probabilities"],
            red_flags=r.prediction["red_flags"],
            theme=None,
            now=now,
        )
        stored.append(Stored(public, duplicate=False, event_id=event_ids[item_id, classified]))
    return stored


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored item's public fields (`item_public`); `event_id` is its classification event
    when this call created it."""

    public: dict[str, Any]
    duplicate: bool
    event_id: int | None = None


@dataclass(frozen=True, slots=True)
class Rejected:
    index: int
    error: str
    detail: str


# Built once, like the inserts: building and hashing a fresh IN query cost more than running it.
_IDS_BY_KEYS = select(_ITEMS.c.id).where(_ITEMS.c.dedupe_key.in_(bindparam("keys", expanding=True)))


def _stored_with_keys(session: Session, keys: list[str]) -> dict[str | None, Item]:
    """Stored items by dedupe key. A plain Core query first: most posts are new, and loading
    nothing through the ORM still cost about a millisecond."""
    if not keys:
        return {}
    found = session.connection().execute(_IDS_BY_KEYS, {"keys": keys})
    ids = list(found.scalars())
    if not ids:
        return {}
    query = select(Item).where(Item.id.in_(ids)).options(selectinload(Item.predictions))
    return {item.dedupe_key: item for item in session.scalars(query)}


def classify_and_store(
    *,
    session: Session,
    triager: Triager,
    policy: RoutingPolicy,
    items: Sequence[ItemIn],
    actors: Sequence[Actor],
    max_chars: int,
    now: datetime | None = None,
    gate: AutoApplyGate | None = None,
) -> list[Stored | Rejected]:
    """Classify, route and store each item, submitted by the actor at the same index; a
    re-posted (source, external_id) returns the stored item. Bad items are returned as
    `Rejected` by index; the rest go on. The caller commits; on a concurrent insert of the
    same external id it retries once. `gate` draws audit samples and holds back switched-off
    classes (service/serving/audit.py)."""
    if len(actors) != len(items):
        raise ValueError(f"{len(items)} items but {len(actors)} actors")
    now = now or utcnow()
    outcomes: list[Stored | Rejected | None] = [None] * len(items)
    fresh: list[tuple[int, ItemIn, FeedbackItem]] = []
    keys = {i: _dedupe_key(raw) for i, raw in enumerate(items)}
    wanted = [k for k in keys.values() if k]
    existing = _stored_with_keys(session, wanted)
    seen_in_batch: dict[str, int] = {}
    for index, raw in enumerate(items):
        key = keys[index]
        if key and key in existing:
            outcomes[index] = Stored(item_public(existing[key], now=now), duplicate=True)
            continue
        try:
            parsed = parse_item(raw, max_chars=max_chars)
        except InvalidInputError as exc:
            outcomes[index] = Rejected(index, "InvalidInputError", str(exc))
            continue
        if key and key in seen_in_batch:
            continue  # the same external id twice in one batch: both get the first one's item
        if key:
            seen_in_batch[key] = index
        fresh.append((index, raw, parsed))
    results = triager.classify_many([parsed for _, _, parsed in fresh])
    holds = gate.holds(session, results) if gate else [NO_HOLD] * len(results)
    repeats = RepeatCounts(session, policy=policy, now=now)
    repeats.prefetch(raw.account_id for _, raw, _ in fresh)  # one query for the batch
    rows = [
        _new_rows(
            session,
            raw=raw,
            parsed=parsed,
            result=result,
            policy=policy,
            actor=actors[index],
            now=now,
            repeats=repeats,
            hold=hold,
        )
        for (index, raw, parsed), result, hold in zip(fresh, results, holds, strict=True)
    ]
    for (index, _, _), stored in zip(fresh, _insert_new(session, rows, now=now), strict=True):
        outcomes[index] = stored
    for index, _raw in enumerate(items):
        if outcomes[index] is None:  # a repeat inside the batch
            first = outcomes[seen_in_batch[keys[index] or ""]]
            assert isinstance(first, Stored)
            outcomes[index] = Stored(first.public, duplicate=True)
    return [o for o in outcomes if o is not None]


def is_duplicate_race(error: IntegrityError) -> bool:
    return "dedupe_key" in str(error.orig) or "items_dedupe_key" in str(error.orig)
