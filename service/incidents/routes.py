"""Incidents (known issues): list, read, open by hand, link and unlink items, status, notes,
the customer-facing status text, and the accounts that reported one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy.orm import Session

from service.clock import utcnow
from service.contract import (
    KEYED,
    NOT_FOUND,
    WITH_BODY,
    ItemId,
    JsonRoute,
    Limit,
    Offset,
)
from service.db import transaction
from service.deps import Admin, Reader, Reviewer, RuntimeDep
from service.enums import IncidentKind, IncidentStatus, Owner
from service.incidents import service
from service.incidents.schemas import (
    AffectedAccounts,
    IncidentConflictBody,
    IncidentDetail,
    IncidentIn,
    IncidentPage,
    IncidentPublic,
    LinkIn,
    NoteIn,
    PublishIn,
    StatusIn,
    StatusTextIn,
)
from service.incidents.views import (
    IncidentFilters,
    affected_accounts,
    get_incident,
    list_incidents,
    public_many,
    public_one,
    to_detail,
)
from service.inputs import MAX_ID
from service.runtime import Runtime
from service.tables import Incident

router = APIRouter(prefix="/v1", tags=["incidents"], route_class=JsonRoute, responses=KEYED)

IncidentId = Annotated[int, Path(ge=1, le=MAX_ID, description="The incident's id.")]
CONFLICT = {
    409: {
        "model": IncidentConflictBody,
        "description": "A stale `version`; with the current incident.",
    }
}
STEP = WITH_BODY | NOT_FOUND
VERSIONED = STEP | CONFLICT


def _change(runtime: Runtime, change: Callable[[Session], Incident]) -> IncidentPublic:
    """One change in its own committed transaction; then the notifier sends what it stored."""
    with transaction(runtime.factory) as session:
        answer = public_one(session, change(session))
    runtime.notifier.wake()
    return answer


@router.get("/incidents", response_model=IncidentPage)
def incidents(
    runtime: RuntimeDep,
    _: Reader,
    status: Annotated[list[IncidentStatus] | None, Query()] = None,
    kind: Annotated[list[IncidentKind] | None, Query()] = None,
    owner: Annotated[list[Owner] | None, Query()] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> IncidentPage:
    """Incidents, newest opened first, filtered by status, kind and owner (`total` counts
    every match)."""
    limit = min(limit, runtime.settings.page_limit)
    filters = IncidentFilters(
        status=[s.value for s in status or []],
        kind=[k.value for k in kind or []],
        owner=[o.value for o in owner or []],
    )
    with transaction(runtime.factory) as session:
        rows, total = list_incidents(session=session, filters=filters, limit=limit, offset=offset)
        return IncidentPage(
            items=public_many(session, rows), total=total, limit=limit, offset=offset
        )


@router.post("/incidents", response_model=IncidentPublic, status_code=201, responses=STEP)
def open_incident(body: IncidentIn, runtime: RuntimeDep, principal: Reviewer) -> IncidentPublic:
    """Open an incident by hand (kind `manual`) with these items linked; without an `owner`
    it is routed by the policy from its items. An unknown item id is a 404 and opens nothing."""
    return _change(
        runtime,
        lambda session: service.open_incident(
            session=session,
            policy=runtime.policy,
            title=body.title,
            owner=body.owner,
            item_ids=body.item_ids,
            note=body.note,
            actor=principal.actor,
            now=utcnow(),
            notifier=runtime.notifier,
        ),
    )


@router.get("/incidents/{incident_id}", response_model=IncidentDetail, responses=NOT_FOUND)
def incident(incident_id: IncidentId, runtime: RuntimeDep, _: Reader) -> IncidentDetail:
    """One incident with its timeline and a short view of each linked item."""
    with transaction(runtime.factory) as session:
        found = get_incident(session=session, incident_id=incident_id, history=True)
        return to_detail(session, found)


@router.post("/incidents/{incident_id}/items", response_model=IncidentPublic, responses=STEP)
def link_items(
    incident_id: IncidentId, body: LinkIn, runtime: RuntimeDep, principal: Reviewer
) -> IncidentPublic:
    """Link items; an unknown item id is a 404 and links none."""
    return _change(
        runtime,
        lambda session: service.link(
            session=session,
            incident_id=incident_id,
            item_ids=body.item_ids,
            note=body.note,
            actor=principal.actor,
            now=utcnow(),
            notifier=runtime.notifier,
        ),
    )


@router.delete(
    "/incidents/{incident_id}/items/{item_id}", response_model=IncidentPublic, responses=NOT_FOUND
)
def unlink_item(
    incident_id: IncidentId, item_id: ItemId, runtime: RuntimeDep, principal: Reviewer
) -> IncidentPublic:
    """Take an item out of the incident (the item keeps its history: an `incident_unlinked`
    event)."""
    return _change(
        runtime,
        lambda session: service.unlink(
            session=session,
            incident_id=incident_id,
            item_id=item_id,
            actor=principal.actor,
            now=utcnow(),
            notifier=runtime.notifier,
        ),
    )


@router.post("/incidents/{incident_id}/status", response_model=IncidentPublic, responses=VERSIONED)
def set_status(
    incident_id: IncidentId, body: StatusIn, runtime: RuntimeDep, principal: Reviewer
) -> IncidentPublic:
    """`open`, `monitoring` or `resolved`; a stale `version` gets 409 with the incident."""
    return _change(
        runtime,
        lambda session: service.set_status(
            session=session,
            incident_id=incident_id,
            status=body.status,
            version=body.version,
            note=body.note,
            actor=principal.actor,
            now=utcnow(),
            notifier=runtime.notifier,
        ),
    )


@router.post("/incidents/{incident_id}/notes", response_model=IncidentPublic, responses=STEP)
def add_note(
    incident_id: IncidentId, body: NoteIn, runtime: RuntimeDep, principal: Reviewer
) -> IncidentPublic:
    """A note on the timeline."""
    return _change(
        runtime,
        lambda session: service.add_note(
            session=session,
            incident_id=incident_id,
            text=body.text,
            actor=principal.actor,
            now=utcnow(),
            notifier=runtime.notifier,
        ),
    )


@router.put(
    "/incidents/{incident_id}/status-text", response_model=IncidentPublic, responses=VERSIONED
)
def set_status_text(
    incident_id: IncidentId, body: StatusTextIn, runtime: RuntimeDep, principal: Reviewer
) -> IncidentPublic:
    """Edit the customer-facing status text (a draft until published)."""
    return _change(
        runtime,
        lambda session: service.set_status_text(
            session=session,
            incident_id=incident_id,
            text=body.text,
            version=body.version,
            actor=principal.actor,
            now=utcnow(),
            notifier=runtime.notifier,
        ),
    )


@router.post("/incidents/{incident_id}/publish", response_model=IncidentPublic, responses=VERSIONED)
def publish(
    incident_id: IncidentId, body: PublishIn, runtime: RuntimeDep, principal: Admin
) -> IncidentPublic:
    """Publish the status text to customers (admins: it is a public statement)."""
    return _change(
        runtime,
        lambda session: service.publish(
            session=session,
            incident_id=incident_id,
            version=body.version,
            actor=principal.actor,
            now=utcnow(),
            notifier=runtime.notifier,
        ),
    )


@router.get(
    "/incidents/{incident_id}/affected-accounts",
    response_model=AffectedAccounts,
    responses=NOT_FOUND,
)
def accounts(incident_id: IncidentId, runtime: RuntimeDep, _: Reader) -> AffectedAccounts:
    """The accounts that reported it, most items first, so account owners can warn others."""
    with transaction(runtime.factory) as session:
        return affected_accounts(session=session, incident_id=incident_id)
