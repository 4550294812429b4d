"""Reading incidents: one with its timeline and items, filtered listings, the accounts that
reported one, and the public shapes the API and the console show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from service.clock import utcnow
from service.errors import NotFoundError
from service.incidents.records import item_ids_of, item_time
from service.incidents.schemas import (
    AffectedAccount,
    AffectedAccounts,
    Evidence,
    IncidentDetail,
    IncidentEventPublic,
    IncidentItem,
    IncidentPublic,
)
from service.tables import Incident, Item


@dataclass(frozen=True, slots=True)
class IncidentFilters:
    status: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    owner: list[str] = field(default_factory=list)


def get_incident(
    *, session: Session, incident_id: int, for_update: bool = False, history: bool = False
) -> Incident:
    """One incident; `for_update` locks its row (PostgreSQL) and reads it as it is now."""
    query = select(Incident).where(Incident.id == incident_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    if history:
        query = query.options(selectinload(Incident.events))
    incident = session.scalars(query).one_or_none()
    if incident is None:
        raise NotFoundError(f"no incident with id {incident_id}")
    return incident


def list_incidents(
    *, session: Session, filters: IncidentFilters, limit: int, offset: int
) -> tuple[list[Incident], int]:
    """Incidents, newest opened first (ties: higher id first), and how many match in all."""
    conditions = []
    if filters.status:
        conditions.append(Incident.status.in_(filters.status))
    if filters.kind:
        conditions.append(Incident.kind.in_(filters.kind))
    if filters.owner:
        conditions.append(Incident.owner.in_(filters.owner))
    total = session.scalar(select(func.count()).select_from(Incident).where(*conditions))
    rows = session.scalars(
        select(Incident)
        .where(*conditions)
        .order_by(Incident.opened_at.desc(), Incident.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)


def to_public(
    incident: Incident, item_ids: Sequence[int], *, now: datetime | None = None
) -> IncidentPublic:
    now = now or utcnow()
    return IncidentPublic(
        id=incident.id,
        version=incident.version,
        kind=incident.kind,  # type: ignore[arg-type]
        status=incident.status,  # type: ignore[arg-type]
        title=incident.title,
        reason=incident.reason,
        owner=incident.owner,  # type: ignore[arg-type]
        response_rule=incident.response_rule,  # type: ignore[arg-type]
        routing_rule=incident.routing_rule,
        policy_version=incident.policy_version,
        theme_id=incident.theme_id,
        item_ids=list(item_ids),
        detector_open=incident.detector_open,
        evidence=Evidence.model_validate(incident.evidence or {}),
        first_item_at=incident.first_item_at,
        opened_at=incident.opened_at,
        due_at=incident.due_at,
        overdue=incident.status == "open" and incident.due_at < now,
        resolved_at=incident.resolved_at,
        status_text=incident.status_text,
        published_text=incident.published_text,
        published_at=incident.published_at,
        created_at=incident.created_at,
        updated_at=incident.updated_at,
    )


def public_many(session: Session, incidents: Sequence[Incident]) -> list[IncidentPublic]:
    """Public shapes of several incidents, their items read in one query."""
    linked = item_ids_of(session, [i.id for i in incidents])
    now = utcnow()
    return [to_public(i, linked[i.id], now=now) for i in incidents]


def public_one(session: Session, incident: Incident) -> IncidentPublic:
    return public_many(session, [incident])[0]


def to_detail(session: Session, incident: Incident) -> IncidentDetail:
    """An incident with its timeline and a short view of each linked item."""
    items = session.scalars(
        select(Item).where(Item.incident_id == incident.id).order_by(Item.id)
    ).all()
    public = to_public(incident, [item.id for item in items])
    return IncidentDetail(
        **public.model_dump(),
        events=[IncidentEventPublic.model_validate(e) for e in incident.events],
        items=[IncidentItem.model_validate(item) for item in items],
    )


def affected_accounts(*, session: Session, incident_id: int) -> AffectedAccounts:
    """The accounts whose items are linked to the incident, most items first: each with its
    tier, item count, first and last report (items' clock) and the sources they came from."""
    get_incident(session=session, incident_id=incident_id)
    items = session.scalars(
        select(Item).where(Item.incident_id == incident_id).order_by(Item.id)
    ).all()
    by_account: dict[str, list[Item]] = {}
    without = 0
    for item in items:
        if item.account_id:
            by_account.setdefault(item.account_id, []).append(item)
        else:
            without += 1
    accounts = [
        AffectedAccount(
            account_id=account,
            # The latest item's tier: a tier can change, and the newest report knows best.
            account_tier=next((i.account_tier for i in reversed(rows) if i.account_tier), None),  # type: ignore[arg-type]
            items=len(rows),
            first_seen=min(item_time(i) for i in rows),
            last_seen=max(item_time(i) for i in rows),
            sources=sorted({i.source for i in rows if i.source}),
        )
        for account, rows in by_account.items()
    ]
    accounts.sort(key=lambda a: (-a.items, a.account_id))
    return AffectedAccounts(
        incident_id=incident_id, accounts=accounts, items_without_account=without
    )
