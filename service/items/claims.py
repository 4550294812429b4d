"""Claims: a reviewer's lease on an open item, so two reviewers do not work the same item.

- `POST /v1/items/{id}/claim` takes the item for TRIAGE_CLAIM_MINUTES (default 15). The same
  key claiming again renews the lease (a later `expires_at`, the first `claimed_at`); another
  key's live claim answers 409 with who holds it and until when; an expired claim is free.
- The claim is one conditional UPDATE (`... WHERE claim is null, expired, or mine`), so of two
  reviewers claiming at the same instant exactly one wins: on PostgreSQL the second UPDATE
  waits for the first's row lock, then re-checks its WHERE on the committed row and matches
  nothing. It leaves `items.version` alone: a claim changes nothing a review's version names.
- While a claim is live, only its holder may review, acknowledge, resolve or dismiss the item
  (409 with the claim for anyone else); an admin may step over it, and the step's release
  event says whose claim it was. Each of those steps releases the claim; so does
  `DELETE /v1/items/{id}/claim` (the holder or an admin) and the lease's end.
- Events on the item: `claimed` for a new claim (renewals record nothing) and `claim_released`
  (why: released, reviewed, acknowledged, resolved, dismissed). A lease that runs out writes
  no event: nothing happens at that moment; `claimed`'s `expires_at` says when it ended.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, case, literal, or_, select, update
from sqlalchemy.orm import Session

from service.actors import Actor
from service.clock import utcnow
from service.enums import OPEN_STATUSES, EventKind
from service.errors import ConflictError, ForbiddenError, NotFoundError
from service.items.schemas import ClaimPublic
from service.observability.context import stamped
from service.tables import Event, Item

_ITEMS = cast(Table, Item.__table__)
_OPEN = [s.value for s in OPEN_STATUSES]
# A claim that a release between our failed UPDATE and our look at the row set free is
# tried again, this many times in all.
CLAIM_TRIES = 3


class ClaimHeldError(ConflictError):
    """Another reviewer holds a live claim on the item (409, with the claim)."""


def live_claim(
    item_id: int,
    key_id: int | None,
    holder: str | None,
    claimed_at: datetime | None,
    expires_at: datetime | None,
    *,
    now: datetime,
) -> ClaimPublic | None:
    """The lease these claim columns describe, or None when there is none or it has expired."""
    if key_id is None or holder is None or claimed_at is None or expires_at is None:
        return None
    if expires_at <= now:
        return None
    return ClaimPublic(
        item_id=item_id,
        key_id=key_id,
        reviewer=holder,
        claimed_at=claimed_at,
        expires_at=expires_at,
    )


def claim_of(item: Item, *, now: datetime | None = None) -> ClaimPublic | None:
    return live_claim(
        item.id,
        item.claim_key_id,
        item.claimed_by,
        item.claimed_at,
        item.claim_expires_at,
        now=now or utcnow(),
    )


def held_error(claim: ClaimPublic, what: str) -> ClaimHeldError:
    return ClaimHeldError(
        f"item {claim.item_id} is claimed by {claim.reviewer} until "
        f"{claim.expires_at:%Y-%m-%d %H:%M:%S} UTC; {what}",
        claim=claim.model_dump(mode="json"),
    )


def _event(
    item_id: int, kind: EventKind, actor: Actor, status: str, now: datetime, **data: Any
) -> Event:
    return Event(
        item_id=item_id,
        created_at=now,
        kind=kind.value,
        actor_type=actor.type.value,
        actor=actor.name,
        from_status=status,
        to_status=status,
        data=stamped(data),
    )


def claim_item(
    *, session: Session, item_id: int, actor: Actor, minutes: int, now: datetime | None = None
) -> ClaimPublic:
    """Claim an open item for `minutes`, or renew this key's claim (see the module's text)."""
    if actor.key_id is None:
        raise ForbiddenError("only a person's API key can claim an item")
    now = now or utcnow()
    expires = now + timedelta(minutes=minutes)
    c = _ITEMS.c
    mine_live = and_(c.claim_key_id == actor.key_id, c.claim_expires_at > now)
    statement = (
        update(_ITEMS)
        .where(
            c.id == item_id,
            c.status.in_(_OPEN),
            or_(
                c.claim_key_id.is_(None), c.claim_expires_at <= now, c.claim_key_id == actor.key_id
            ),
        )
        .values(
            claim_key_id=actor.key_id,
            claimed_by=actor.name,
            # A renewal keeps when the claim began; a new claim begins now.
            claimed_at=case((mine_live, c.claimed_at), else_=literal(now, c.claimed_at.type)),
            claim_expires_at=expires,
        )
        .returning(c.claimed_at, c.status)
    )
    for _ in range(CLAIM_TRIES):
        row = session.execute(statement).one_or_none()
        if row is not None:
            claimed_at, status = row
            if claimed_at == now:  # a new claim, not a renewal
                session.add(
                    _event(
                        item_id,
                        EventKind.CLAIMED,
                        actor,
                        status,
                        now,
                        expires_at=expires.isoformat(),
                    )
                )
            return ClaimPublic(
                item_id=item_id,
                key_id=actor.key_id,
                reviewer=actor.name,
                claimed_at=claimed_at,
                expires_at=expires,
            )
        found = _claim_row(session, item_id, lock=False)
        if found.status not in _OPEN:
            raise ConflictError(
                f"item {item_id} is {found.status}; only open items "
                f"({', '.join(_OPEN)}) can be claimed"
            )
        held = _live(found, now)
        if held is not None:
            raise held_error(held, "claim it after it is released or expires")
    raise ConflictError(f"item {item_id} changed hands while it was claimed; try again")


def release_claim(
    *, session: Session, item_id: int, actor: Actor, now: datetime | None = None
) -> ClaimPublic | None:
    """Release the live claim on an item (its holder, or an admin); the released lease, or
    None when there was no live claim."""
    now = now or utcnow()
    found = _claim_row(session, item_id, lock=True)
    held = _live(found, now)
    if held is None:
        return None
    if held.key_id != actor.key_id and not actor.admin:
        raise held_error(held, "only its holder or an admin may release it")
    session.execute(update(_ITEMS).where(_ITEMS.c.id == item_id).values(**_NO_CLAIM))
    session.add(_released(item_id, held, actor, found.status, now, reason="released"))
    return held


def check_claim(item: Item, actor: Actor, *, step: str, now: datetime) -> None:
    """Refuse `step` (409) when another reviewer holds a live claim; admins may go ahead."""
    held = claim_of(item, now=now)
    if held is not None and held.key_id != actor.key_id and not actor.admin:
        raise held_error(held, f"only they or an admin may do this ({step}) before then")


def release_on_step(item: Item, actor: Actor, *, reason: str, now: datetime) -> None:
    """Clear the item's claim as a step (review, acknowledge, resolve, dismiss) ends it, with a
    `claim_released` event when it was still live. The caller's flush writes it."""
    held = claim_of(item, now=now)
    if item.claim_key_id is not None:
        for name, value in _NO_CLAIM.items():
            setattr(item, name, value)
    if held is not None:
        item.events.append(_released(item.id, held, actor, item.status, now, reason=reason))


_NO_CLAIM: dict[str, Any] = {
    "claim_key_id": None,
    "claimed_by": None,
    "claimed_at": None,
    "claim_expires_at": None,
}


def _released(
    item_id: int, held: ClaimPublic, actor: Actor, status: str, now: datetime, *, reason: str
) -> Event:
    data: dict[str, Any] = {"reason": reason, "holder": held.reviewer}
    if held.key_id != actor.key_id:
        data["overridden"] = True  # an admin stepped over someone else's claim
    return _event(item_id, EventKind.CLAIM_RELEASED, actor, status, now, **data)


def _claim_row(session: Session, item_id: int, *, lock: bool) -> Any:
    c = _ITEMS.c
    query = select(
        c.id, c.status, c.claim_key_id, c.claimed_by, c.claimed_at, c.claim_expires_at
    ).where(c.id == item_id)
    row = session.execute(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise NotFoundError(f"no item with id {item_id}")
    return row


def _live(row: Any, now: datetime) -> ClaimPublic | None:
    return live_claim(
        row.id, row.claim_key_id, row.claimed_by, row.claimed_at, row.claim_expires_at, now=now
    )
