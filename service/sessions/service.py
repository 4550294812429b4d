"""Calibration sessions: open one on a sample of stored items, serve each named reviewer the
items they still have to label (blind), record labels, settle agreed items when the session
completes, and record an admin's adjudication."""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.access.keys import Principal
from service.actors import SYSTEM, Actor
from service.enums import EventKind, Role
from service.errors import ConflictError, ForbiddenError, NotFoundError, UnprocessableError
from service.inputs import MAX_ID
from service.observability.context import stamped
from service.sessions import sampling
from service.sessions.schemas import (
    AdjudicationIn,
    LabelIn,
    ReviewerProgress,
    Sampling,
    SessionIn,
    SessionItem,
    SessionItems,
    SessionPublic,
)
from service.tables import (
    ApiKey,
    CalibrationLabel,
    CalibrationSession,
    CalibrationSessionItem,
    CalibrationSessionReviewer,
    Event,
    Item,
    Prediction,
)

LABELLING_ROLES = frozenset({Role.REVIEWER.value, Role.ADMIN.value})
AGREEMENT = "agreement"  # `adjudicated_by` of an item settled by the reviewers' agreement


def _reviewers(session: Session, key_ids: list[int]) -> list[ApiKey]:
    """The named keys, each existing, not revoked and allowed to label; every problem named."""
    keys = {k.id: k for k in session.scalars(select(ApiKey).where(ApiKey.id.in_(key_ids)))}
    problems = []
    for key_id in key_ids:
        key = keys.get(key_id)
        if key is None:
            problems.append(f"no API key with id {key_id}")
        elif key.revoked_at is not None:
            problems.append(f"key {key_id} ({key.name}) is revoked")
        elif key.role not in LABELLING_ROLES:
            problems.append(
                f"key {key_id} ({key.name}) has role {key.role!r}, not reviewer or admin"
            )
    if problems:
        raise UnprocessableError("reviewer_key_ids: " + "; ".join(problems))
    return [keys[key_id] for key_id in key_ids]


def _latest_predictions(session: Session) -> dict[int, Prediction]:
    latest = select(func.max(Prediction.id)).group_by(Prediction.item_id).scalar_subquery()
    rows = session.scalars(select(Prediction).where(Prediction.id.in_(latest)))
    return {p.item_id: p for p in rows}


def _confidence(prediction: Prediction | None) -> float | None:
    if prediction is None:
        return None
    values = [
        v for v in (prediction.category_confidence, prediction.severity_confidence) if v is not None
    ]
    return min(values) if values else None


def create_session(*, session: Session, body: SessionIn, actor: Actor, now: datetime) -> int:
    """Sample `body.size` stored items and open the session; returns its id."""
    keys = _reviewers(session, body.reviewer_key_ids)
    predictions = _latest_predictions(session)
    item_ids = list(session.scalars(select(Item.id)))
    if body.size > len(item_ids):
        raise UnprocessableError(
            f"size {body.size} is more than the {len(item_ids)} stored items",
            available=len(item_ids),
        )
    candidates = [
        sampling.Candidate(
            item_id,
            predictions[item_id].category if item_id in predictions else None,
            _confidence(predictions.get(item_id)),
        )
        for item_id in item_ids
    ]
    seed = body.seed if body.seed is not None else secrets.randbelow(MAX_ID)
    draw = (
        sampling.draw_stratified if body.sampling is Sampling.STRATIFIED else sampling.draw_random
    )
    chosen = draw(candidates, body.size, seed)
    record = CalibrationSession(
        name=body.name,
        sampling=body.sampling.value,
        size=body.size,
        seed=seed,
        created_at=now,
        created_by=actor.name,
        completed_at=None,
    )
    session.add(record)
    session.flush()
    for key in keys:
        session.add(CalibrationSessionReviewer(session_id=record.id, key_id=key.id, name=key.name))
    for position, candidate in enumerate(chosen):
        prediction = predictions.get(candidate.item_id)
        session.add(
            CalibrationSessionItem(
                session_id=record.id,
                item_id=candidate.item_id,
                position=position,
                stratum=(
                    sampling.stratum(candidate) if body.sampling is Sampling.STRATIFIED else "all"
                ),
                proposed_category=prediction.category if prediction else None,
                proposed_severity=prediction.severity if prediction else None,
                proposed_confidence=candidate.confidence,
                proposed_flags=sorted({h["family"] for h in prediction.red_flags})
                if prediction
                else [],
            )
        )
    session.flush()
    return record.id


def get_session(session: Session, session_id: int, *, lock: bool = False) -> CalibrationSession:
    query = select(CalibrationSession).where(CalibrationSession.id == session_id)
    record = session.scalar(query.with_for_update() if lock else query)
    if record is None:
        raise NotFoundError(f"no calibration session with id {session_id}")
    return record


def is_reviewer(record: CalibrationSession, principal: Principal) -> bool:
    return any(r.key_id == principal.key_id for r in record.reviewers)


def require_reviewer(record: CalibrationSession, principal: Principal) -> None:
    if not is_reviewer(record, principal):
        raise ForbiddenError(f"key {principal.name!r} is not a reviewer of session {record.id}")


def label_counts(session: Session, session_id: int) -> Counter[int]:
    """Labels given per reviewer key."""
    rows = session.execute(
        select(CalibrationLabel.key_id, func.count())
        .where(CalibrationLabel.session_id == session_id)
        .group_by(CalibrationLabel.key_id)
    )
    return Counter({key_id: count for key_id, count in rows})


def _item_count(session: Session, session_id: int) -> int:
    return (
        session.scalar(select(func.count()).where(CalibrationSessionItem.session_id == session_id))
        or 0
    )


def public_session(session: Session, record: CalibrationSession) -> SessionPublic:
    counts = label_counts(session, record.id)
    total = _item_count(session, record.id)
    adjudicated = (
        session.scalar(
            select(func.count()).where(
                CalibrationSessionItem.session_id == record.id,
                CalibrationSessionItem.adjudicated_at.is_not(None),
            )
        )
        or 0
    )
    return SessionPublic(
        id=record.id,
        name=record.name,
        sampling=Sampling(record.sampling),
        size=record.size,
        seed=record.seed,
        created_at=record.created_at,
        created_by=record.created_by,
        completed_at=record.completed_at,
        complete=record.completed_at is not None,
        adjudicated=adjudicated,
        reviewers=[
            ReviewerProgress(
                key_id=r.key_id,
                name=r.name,
                labelled=counts[r.key_id],
                finished=counts[r.key_id] >= total,
            )
            for r in record.reviewers
        ],
    )


def list_sessions(session: Session) -> list[CalibrationSession]:
    return list(session.scalars(select(CalibrationSession).order_by(CalibrationSession.id.desc())))


def remaining_items(
    session: Session, record: CalibrationSession, principal: Principal
) -> SessionItems:
    """The items the caller still has to label, in the session's order, without any label."""
    require_reviewer(record, principal)
    done = select(CalibrationLabel.item_id).where(
        CalibrationLabel.session_id == record.id, CalibrationLabel.key_id == principal.key_id
    )
    rows = session.scalars(
        select(CalibrationSessionItem)
        .where(
            CalibrationSessionItem.session_id == record.id,
            CalibrationSessionItem.item_id.not_in(done),
        )
        .order_by(CalibrationSessionItem.position)
    ).all()
    return SessionItems(
        session_id=record.id,
        remaining=len(rows),
        items=[
            SessionItem(
                item_id=row.item_id,
                position=row.position,
                text=row.item.text,
                source=row.item.source,
                rating=row.item.rating,
                account_tier=row.item.account_tier,
                language=row.item.language,
                created_at=row.item.created_at,
            )
            for row in rows
        ],
    )


def session_item(session: Session, session_id: int, item_id: int) -> CalibrationSessionItem:
    row = session.get(CalibrationSessionItem, (session_id, item_id))
    if row is None:
        raise NotFoundError(f"item {item_id} is not in calibration session {session_id}")
    return row


def add_label(
    *, session: Session, session_id: int, body: LabelIn, principal: Principal, now: datetime
) -> CalibrationLabel:
    """Record the caller's one label of an item (a second is 409: labels are final, so the
    agreement measures first judgements). The last label of the session completes it."""
    record = get_session(session, session_id, lock=True)  # serialises completion
    require_reviewer(record, principal)
    session_item(session, session_id, body.item_id)
    label = CalibrationLabel(
        session_id=session_id,
        item_id=body.item_id,
        key_id=principal.key_id,
        category=body.category.value,
        severity=body.severity.value,
        flags=sorted(f.value for f in body.flags),
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(label)
    except IntegrityError:
        raise ConflictError(
            f"you already labelled item {body.item_id} in session {session_id}; labels are final"
        ) from None
    expected = _item_count(session, session_id) * len(record.reviewers)
    if record.completed_at is None and sum(label_counts(session, session_id).values()) >= expected:
        record.completed_at = now
        settle_agreed(session, record, now)
    return label


def labels_by_item(session: Session, session_id: int) -> dict[int, list[CalibrationLabel]]:
    labels: dict[int, list[CalibrationLabel]] = {}
    for label in session.scalars(
        select(CalibrationLabel)
        .where(CalibrationLabel.session_id == session_id)
        .order_by(CalibrationLabel.key_id)
    ):
        labels.setdefault(label.item_id, []).append(label)
    return labels


def _same(labels: list[CalibrationLabel]) -> bool:
    first = labels[0]
    return all(
        (x.category, x.severity, sorted(x.flags))
        == (first.category, first.severity, sorted(first.flags))
        for x in labels
    )


def _settle(
    session: Session,
    row: CalibrationSessionItem,
    *,
    category: str,
    severity: str,
    flags: list[str],
    note: str | None,
    actor: Actor,
    now: datetime,
) -> None:
    row.adjudicated_category = category
    row.adjudicated_severity = severity
    row.adjudicated_flags = sorted(flags)
    row.adjudication_note = note
    row.adjudicated_by = actor.name
    row.adjudicated_at = now
    session.add(
        Event(
            item_id=row.item_id,
            created_at=now,
            kind=EventKind.CALIBRATION_ADJUDICATED.value,
            actor_type=actor.type.value,
            actor=actor.name,
            from_status=None,
            to_status=None,
            data=stamped(
                {
                    "session_id": row.session_id,
                    "category": category,
                    "severity": severity,
                    "flags": sorted(flags),
                    "note": note,
                }
            ),
        )
    )


def settle_agreed(session: Session, record: CalibrationSession, now: datetime) -> int:
    """Settle every not yet adjudicated item on which all reviewers gave the same label."""
    labels = labels_by_item(session, record.id)
    settled = 0
    reviewers = len(record.reviewers)
    for row in session.scalars(
        select(CalibrationSessionItem).where(
            CalibrationSessionItem.session_id == record.id,
            CalibrationSessionItem.adjudicated_at.is_(None),
        )
    ):
        given = labels.get(row.item_id, [])
        if len(given) == reviewers and _same(given):
            agreed = given[0]
            _settle(
                session,
                row,
                category=agreed.category,
                severity=agreed.severity,
                flags=list(agreed.flags),
                note=None,
                actor=Actor(SYSTEM.type, AGREEMENT),
                now=now,
            )
            settled += 1
    return settled


def adjudicate(
    *, session: Session, session_id: int, body: AdjudicationIn, actor: Actor, now: datetime
) -> CalibrationSessionItem:
    """Record the settled label of an item every reviewer has labelled (until then the
    reviewers' labels are still blind to each other); a later adjudication replaces it."""
    record = get_session(session, session_id, lock=True)
    row = session_item(session, session_id, body.item_id)
    given = labels_by_item(session, session_id).get(body.item_id, [])
    if len(given) < len(record.reviewers):
        raise ConflictError(
            f"item {body.item_id} has {len(given)} of {len(record.reviewers)} labels; "
            "adjudicate once every reviewer has labelled it"
        )
    _settle(
        session,
        row,
        category=body.category.value,
        severity=body.severity.value,
        flags=[f.value for f in body.flags],
        note=body.note,
        actor=actor,
        now=now,
    )
    return row
