"""The webhook outbox: a notification is a row written in the same transaction as the event it
announces, so it exists exactly when the event does, and survives restarts until it is sent.

Senders in any service process claim due rows (`claim_due`), post them, and settle each with
`record_attempt`: delivered, pending again at its next backoff time, or failed after the last
attempt. Delivery is at least once: a row becomes `delivered` only after its receiver answered
2xx, so a sender that dies between the POST and that write leaves the row to be sent again once
its claim expires. Every attempt carries the row's `delivery_id`, so receivers drop repeats.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, func, insert, or_, select, update
from sqlalchemy.orm import Session

from service.errors import ConflictError, NotFoundError
from service.tables import WebhookDelivery, WebhookOutbox

if TYPE_CHECKING:
    from service.notifications.webhooks import Notification

_OUTBOX = cast(Table, WebhookOutbox.__table__)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Claimed:
    """An outbox row a sender claimed; `attempts` counts this attempt (and is its claim)."""

    id: int
    delivery_id: str
    kind: str
    item_id: int | None
    event_id: int | None
    payload: dict[str, Any]
    attempts: int


def enqueue(*, session: Session, notifications: Sequence[Notification]) -> None:
    """Store one pending row per notification in the caller's transaction, in one statement."""
    if not notifications:
        return
    session.flush()  # the items and events the rows refer to must exist first
    now = datetime.now(UTC)
    session.connection().execute(
        insert(_OUTBOX),
        [
            {
                "delivery_id": str(uuid.uuid4()),
                "kind": n.kind,
                "item_id": n.item_id,
                "incident_id": n.incident_id,
                "event_id": n.event_id,
                "payload": {"item": n.item, "event": n.event}
                | ({"incident": n.incident} if n.incident is not None else {}),
                "status": DeliveryStatus.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "claimed_until": None,
                "created_at": now,
            }
            for n in notifications
        ],
    )


def _claimable(now: datetime) -> Any:
    """Pending rows nobody holds: never claimed, or claimed by a sender whose lease ran out."""
    return (_OUTBOX.c.status == DeliveryStatus.PENDING.value) & or_(
        _OUTBOX.c.claimed_until.is_(None), _OUTBOX.c.claimed_until < now
    )


def claim_due(
    *, session: Session, now: datetime, lease_until: datetime, limit: int
) -> list[Claimed]:
    """Claim up to `limit` due rows in one statement: each gets `claimed_until = lease_until`
    and one more attempt. On PostgreSQL rows another sender is claiming are skipped (`SKIP
    LOCKED`), so no two senders on any host claim one row; SQLite serialises writes."""
    due = (
        select(_OUTBOX.c.id)
        .where(_claimable(now), _OUTBOX.c.next_attempt_at <= now)
        .order_by(_OUTBOX.c.next_attempt_at, _OUTBOX.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = session.connection().execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.id.in_(due))
        .values(claimed_until=lease_until, attempts=_OUTBOX.c.attempts + 1)
        .returning(
            _OUTBOX.c.id,
            _OUTBOX.c.delivery_id,
            _OUTBOX.c.kind,
            _OUTBOX.c.item_id,
            _OUTBOX.c.event_id,
            _OUTBOX.c.payload,
            _OUTBOX.c.attempts,
        )
    )
    return sorted((Claimed(*row) for row in claimed), key=lambda c: c.id)


def record_attempt(
    *,
    session: Session,
    claimed: Claimed,
    url: str,
    status_code: int | None,
    error: str | None,
    max_attempts: int,
    backoff_seconds: float,
) -> DeliveryStatus | None:
    """Log the attempt and settle its row: delivered, failed after `max_attempts`, or pending
    again after `backoff_seconds * 2 ** (attempts - 1)`. None when the row was no longer ours
    (our lease ran out and another sender claimed it): only the attempt is logged then."""
    now = datetime.now(UTC)
    session.add(
        WebhookDelivery(
            delivery_id=claimed.delivery_id,
            event_id=claimed.event_id,
            item_id=claimed.item_id,
            created_at=now,
            url=url,
            kind=claimed.kind,
            attempt=claimed.attempts,
            status_code=status_code,
            error=error,
            delivered=error is None,
        )
    )
    values: dict[str, Any] = {
        "claimed_until": None,
        "last_status_code": status_code,
        "last_error": error,
    }
    if error is None:
        status = DeliveryStatus.DELIVERED
        values["delivered_at"] = now
    elif claimed.attempts >= max_attempts:
        status = DeliveryStatus.FAILED
    else:
        status = DeliveryStatus.PENDING
        delay = backoff_seconds * 2 ** (claimed.attempts - 1)
        values["next_attempt_at"] = now + timedelta(seconds=delay)
    settled = session.connection().execute(
        update(_OUTBOX)
        .where(
            _OUTBOX.c.id == claimed.id,
            _OUTBOX.c.status == DeliveryStatus.PENDING.value,
            _OUTBOX.c.attempts == claimed.attempts,  # still our claim
        )
        .values(status=status.value, **values)
    )
    return status if settled.rowcount == 1 else None


def seconds_until_due(*, session: Session, now: datetime) -> float | None:
    """Seconds until the next claimable row is due (0 when one is due now); None when no row
    waits."""
    earliest = session.scalar(select(func.min(_OUTBOX.c.next_attempt_at)).where(_claimable(now)))
    return None if earliest is None else max(0.0, (earliest - now).total_seconds())


def pending_count(*, session: Session) -> int:
    """Rows not yet delivered or failed (waiting, retrying, or being sent)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(_OUTBOX)
            .where(_OUTBOX.c.status == DeliveryStatus.PENDING.value)
        )
        or 0
    )


def list_deliveries(
    *,
    session: Session,
    status: DeliveryStatus | None,
    item_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[WebhookOutbox], int]:
    """Outbox rows, newest first, filtered by status and item; and how many match in all."""
    conditions = []
    if status is not None:
        conditions.append(WebhookOutbox.status == status.value)
    if item_id is not None:
        conditions.append(WebhookOutbox.item_id == item_id)
    total = session.scalar(select(func.count()).select_from(WebhookOutbox).where(*conditions))
    rows = session.scalars(
        select(WebhookOutbox)
        .where(*conditions)
        .order_by(WebhookOutbox.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)


def redeliver(*, session: Session, outbox_id: int) -> WebhookOutbox:
    """Put a delivered or failed row back to pending, due now, with its attempts counted from
    zero again and the same `delivery_id`."""
    row = session.get(WebhookOutbox, outbox_id, with_for_update=True)
    if row is None:
        raise NotFoundError(f"webhook delivery {outbox_id} not found")
    if row.status == DeliveryStatus.PENDING.value:
        raise ConflictError(
            f"webhook delivery {outbox_id} is pending: it is sent (or retried) already",
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at.isoformat(),
        )
    row.status = DeliveryStatus.PENDING.value
    row.attempts = 0
    row.next_attempt_at = datetime.now(UTC)
    row.claimed_until = None
    row.delivered_at = None
    return row
