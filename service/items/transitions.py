"""The state changes of a stored item: the human steps (acknowledge, resolve, dismiss) and the
escalation of overdue items. Every human step has one shape, written once in `open_for` and
`apply`: lock the item, check the version the caller saw and the statuses the step allows,
change the status and write the event. Reviews (service/items/review.py) open items the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, selectinload

from service.actors import SYSTEM, Actor
from service.clock import utcnow
from service.enums import (
    ACTIVE_INCIDENT_STATUSES,
    UNACKNOWLEDGED_STATUSES,
    EventKind,
    ItemStatus,
    Owner,
)
from service.errors import ConflictError, UnprocessableError
from service.items.claims import check_claim, release_on_step
from service.items.intake import record_event
from service.items.schemas import DismissIn, ResolveIn, ReviewPublic
from service.items.views import get_item, to_public
from service.routing.policy import RoutingPolicy
from service.routing.resolution import ResolutionPolicy
from service.tables import Incident, Item


@dataclass(frozen=True, slots=True)
class Transition:
    """One human step: the statuses it starts from, the status it leads to, its event."""

    step: str  # for the 409's message: "acknowledging needs it to be routed"
    allowed: tuple[ItemStatus, ...]
    to: ItemStatus
    event: EventKind
    closes: bool  # sets closed_at
    acknowledges: bool  # sets acknowledged_at unless it is set already


ACKNOWLEDGE = Transition(
    "acknowledging",
    (ItemStatus.ROUTED,),
    ItemStatus.ACKNOWLEDGED,
    EventKind.ACKNOWLEDGED,
    closes=False,
    acknowledges=True,
)
# Resolving a routed item acknowledges it too.
RESOLVE = Transition(
    "resolving",
    (ItemStatus.ROUTED, ItemStatus.ACKNOWLEDGED),
    ItemStatus.RESOLVED,
    EventKind.RESOLVED,
    closes=True,
    acknowledges=True,
)
DISMISS = Transition(
    "dismissing",
    (ItemStatus.NEEDS_REVIEW, ItemStatus.ROUTED, ItemStatus.ACKNOWLEDGED),
    ItemStatus.DISMISSED,
    EventKind.DISMISSED,
    closes=True,
    acknowledges=False,
)


def stale_version(item: Item, expected: int | None) -> ConflictError:
    """The 409 for a writer that saw version `expected` of an item that has moved on: it
    carries the current item and the latest review, so the client can decide again."""
    last = item.reviews[-1] if item.reviews else None
    seen = f"since version {expected}" if expected is not None else "while this change was made"
    return ConflictError(
        f"item {item.id} changed {seen} (now version {item.version}); reload it and decide again",
        current=to_public(item).model_dump(mode="json"),
        latest_review=ReviewPublic.model_validate(last).model_dump(mode="json") if last else None,
    )


def open_for(
    session: Session,
    item_id: int,
    *,
    version: int | None,
    allowed: Sequence[ItemStatus],
    step: str,
    actor: Actor,
    now: datetime,
) -> Item:
    """The item, locked for this transaction, after checking that it is still at the version
    the caller saw (409 with the current item if not), in a status `step` allows, and not
    claimed by another reviewer (409 with the claim; service/items/claims.py)."""
    item = get_item(session=session, item_id=item_id, history=True, for_update=True)
    check_claim(item, actor, step=step, now=now)
    if version is not None and version != item.version:
        raise stale_version(item, version)
    if item.status not in {s.value for s in allowed}:
        names = ", ".join(s.value for s in allowed)
        raise ConflictError(
            f"item {item.id} is {item.status}; {step} needs it to be {names}",
            current=to_public(item).model_dump(mode="json"),
        )
    return item


def apply(
    session: Session,
    transition: Transition,
    *,
    item_id: int,
    version: int | None,
    actor: Actor,
    data: dict[str, Any],
    now: datetime | None = None,
    prepare: Callable[[Item], None] | None = None,
) -> Item:
    """Take `transition` on an item and record it as an event with `data`; `prepare` checks
    and sets the step's own fields on the opened item first (one update, one version)."""
    now = now or utcnow()
    item = open_for(
        session,
        item_id,
        version=version,
        allowed=transition.allowed,
        step=transition.step,
        actor=actor,
        now=now,
    )
    if prepare is not None:
        prepare(item)
    before = item.status
    if transition.acknowledges and item.acknowledged_at is None:
        item.acknowledged_at = now
    if transition.closes:
        item.closed_at = now
    item.status = transition.to.value
    record_event(
        item, transition.event, actor, now=now, from_status=before, to_status=item.status, data=data
    )
    release_on_step(item, actor, reason=transition.event.value, now=now)
    session.flush()  # the compare-and-set on `version` (tables.Item)
    return item


def acknowledge_item(
    *,
    session: Session,
    item_id: int,
    version: int | None,
    actor: Actor,
    note: str | None,
    now: datetime | None = None,
) -> Item:
    data = {"note": note} if note else {}
    return apply(
        session, ACKNOWLEDGE, item_id=item_id, version=version, actor=actor, data=data, now=now
    )


def resolve_item(
    *,
    session: Session,
    item_id: int,
    body: ResolveIn,
    actor: Actor,
    policy: RoutingPolicy,
    now: datetime | None = None,
) -> Item:
    """Close an item with what was done, what changed internally and, as the policy's
    `resolution` asks for the item's severity, its root cause and post-escalation review
    (on the item and in the `resolved` event). A missing or unknown one is a 422 that changes
    nothing."""
    review = body.review.model_dump() if body.review is not None else None

    def record_resolution(item: Item) -> None:
        check_resolution(body, policy.resolution, severity=item.severity)
        item.root_cause = body.root_cause
        item.action_taken = body.action_taken
        item.internal_change = body.internal_change
        item.resolution_review = review

    data = {
        "action_taken": body.action_taken,
        "internal_change": body.internal_change,
        "root_cause": body.root_cause,
        "review": review,
    }
    return apply(
        session,
        RESOLVE,
        item_id=item_id,
        version=body.version,
        actor=actor,
        data=data,
        now=now,
        prepare=record_resolution,
    )


def check_resolution(body: ResolveIn, rules: ResolutionPolicy, *, severity: str | None) -> None:
    """422 naming the field when the resolution lacks what the item's severity needs, or names
    a root cause outside the taxonomy."""
    allowed = ", ".join(rules.root_causes)
    if body.root_cause is None and rules.needs_root_cause(severity):
        raise _unprocessable(
            "root_cause", f"resolving a {severity} item needs a root_cause, one of: {allowed}"
        )
    if body.root_cause is not None and body.root_cause not in rules.root_causes:
        raise _unprocessable(
            "root_cause", f"root_cause {body.root_cause!r} is not one of: {allowed}"
        )
    if body.review is None and rules.needs_review(severity):
        raise _unprocessable(
            "review",
            f"resolving a {severity} item needs a post-escalation review: "
            '{"what_happened", "what_failed", "prevent_recurrence"?}',
        )


def _unprocessable(field: str, message: str) -> UnprocessableError:
    """The app's 422 shape, with the field named under `errors` as validation errors do."""
    return UnprocessableError(
        f"{field}: {message}",
        errors=[{"loc": ["body", field], "msg": message, "type": "resolution"}],
    )


def dismiss_item(
    *, session: Session, item_id: int, body: DismissIn, actor: Actor, now: datetime | None = None
) -> Item:
    data = {"reason": body.reason.value, "note": body.note}
    return apply(
        session, DISMISS, item_id=item_id, version=body.version, actor=actor, data=data, now=now
    )


# ---- escalation -----------------------------------------------------------------------------


def escalate_overdue(
    *, session: Session, policy: RoutingPolicy, now: datetime | None = None, limit: int = 500
) -> list[Item]:
    """Move each unacknowledged item past its due time one level up (leadership is the top),
    with a new due time; each move is an event on the item."""
    now = now or utcnow()
    overdue = session.scalars(
        select(Item)
        .where(
            and_(
                Item.status.in_([s.value for s in UNACKNOWLEDGED_STATUSES]),
                Item.due_at < now,
                Item.owner != Owner.LEADERSHIP.value,
                # An item in an open or monitoring incident does not page its own owner: the
                # incident's owner has it (issue 18). Its own review still happens.
                ~exists().where(
                    Incident.id == Item.incident_id,
                    Incident.status.in_([s.value for s in ACTIVE_INCIDENT_STATUSES]),
                ),
            )
        )
        .options(selectinload(Item.events), selectinload(Item.predictions))
        .order_by(Item.due_at, Item.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    moved = []
    for item in overdue:
        above = policy.next_level(Owner(item.owner))
        if above is None:
            continue
        was, was_due = item.owner, item.due_at
        item.owner = above.value
        item.escalation_level += 1
        item.due_at = now + timedelta(minutes=policy.escalated_acknowledge_within_minutes)
        record_event(
            item,
            EventKind.ESCALATED,
            SYSTEM,
            now=now,
            from_status=item.status,
            to_status=item.status,
            data={
                "from_owner": was,
                "to_owner": above.value,
                "level": item.escalation_level,
                "was_due_at": was_due.isoformat(),
                "due_at": item.due_at.isoformat(),
            },
        )
        moved.append(item)
    session.flush()
    return moved
