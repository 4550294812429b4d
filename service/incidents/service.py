"""The humans' side of incidents: open one, link and unlink items, change its status, add notes,
edit and publish the customer-facing status text. Keyword-only functions on a session; the
caller (one request) owns the transaction. Each change is a timeline step and one
`incident_updated` notification (`incident_opened` for a new one) in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.actors import Actor
from service.enums import IncidentKind, IncidentStatus, NotificationKind, Owner
from service.errors import ConflictError, NotFoundError, UnprocessableError
from service.incidents.records import (
    add_event,
    create_incident,
    item_time,
    link_items,
    notify,
    route_incident,
    unlink_item,
)
from service.incidents.schemas import IncidentEventKind
from service.incidents.views import get_incident, public_one
from service.notifications.webhooks import Notifier
from service.routing.policy import RoutingPolicy
from service.tables import Incident, Item


def _items(session: Session, item_ids: Sequence[int]) -> list[Item]:
    """The items named, in the order given (repeats dropped); 404 naming every unknown id, so
    nothing is linked when one is wrong."""
    wanted = list(dict.fromkeys(item_ids))
    if not wanted:
        return []
    found = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(wanted)))}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFoundError(f"no item with id {', '.join(map(str, missing))}", item_ids=missing)
    return [found[i] for i in wanted]


def _locked(session: Session, incident_id: int, version: int | None) -> Incident:
    """The incident, row-locked; 409 with the current incident when `version` is stale."""
    incident = get_incident(session=session, incident_id=incident_id, for_update=True)
    if version is not None and incident.version != version:
        raise ConflictError(
            f"incident {incident_id} changed since version {version} (now version "
            f"{incident.version}); reload it and decide again",
            current=public_one(session, incident).model_dump(mode="json"),
        )
    return incident


def _updated(
    session: Session, notifier: Notifier | None, incident: Incident, data: dict[str, Any]
) -> None:
    """One `incident_updated` notification about this change."""
    session.flush()  # the new version, in the notification
    if notifier is not None and notifier.enabled:
        public = {incident.id: public_one(session, incident).model_dump(mode="json")}
        notify(notifier, session, NotificationKind.INCIDENT_UPDATED, [(incident, data)], public)


def open_incident(
    *,
    session: Session,
    policy: RoutingPolicy,
    title: str,
    owner: Owner | None,
    item_ids: Sequence[int],
    note: str | None,
    actor: Actor,
    now: datetime,
    notifier: Notifier | None = None,
) -> Incident:
    """A human opens an incident (kind manual) now, with these items linked; without an
    owner it is routed by the policy from its items, like a burst."""
    rows = _items(session, item_ids)
    first_item_at = min([now, *(item_time(r) for r in rows)])
    routing = route_incident(policy, IncidentKind.MANUAL, rows, opened_at=now)
    incident = create_incident(
        session,
        policy,
        kind=IncidentKind.MANUAL,
        title=title.strip(),
        reason=note or "opened by a person",
        routing=routing,
        routing_rule="set-by-human" if owner is not None else routing.rule,
        first_item_at=first_item_at,
        opened_at=now,
        item_count=len(rows),
        now=now,
        owner=owner.value if owner is not None else None,
    )
    add_event(
        session,
        incident.id,
        IncidentEventKind.OPENED,
        actor,
        now=now,
        data={"kind": incident.kind, "owner": incident.owner, "note": note, "items": len(rows)},
    )
    ids = link_items(session, incident, rows, actor, now=now, reason="human")
    session.flush()
    if notifier is not None and notifier.enabled:
        public = {incident.id: public_one(session, incident).model_dump(mode="json")}
        notify(
            notifier,
            session,
            NotificationKind.INCIDENT_OPENED,
            [(incident, {"kind": "opened", "item_ids": ids})],
            public,
        )
    return incident


def link(
    *,
    session: Session,
    incident_id: int,
    item_ids: Sequence[int],
    note: str | None,
    actor: Actor,
    now: datetime,
    notifier: Notifier | None = None,
) -> Incident:
    """Link items (an item in another incident moves; its events say from where)."""
    incident = _locked(session, incident_id, None)
    rows = _items(session, item_ids)
    ids = link_items(session, incident, rows, actor, now=now, reason="human")
    if ids:
        if note:
            add_event(
                session, incident.id, IncidentEventKind.NOTE, actor, now=now, data={"text": note}
            )
        _updated(session, notifier, incident, {"kind": "items_linked", "item_ids": ids})
    return incident


def unlink(
    *,
    session: Session,
    incident_id: int,
    item_id: int,
    actor: Actor,
    now: datetime,
    notifier: Notifier | None = None,
) -> Incident:
    """Take an item out of the incident; 404 when it is not linked to it."""
    incident = _locked(session, incident_id, None)
    item = session.get(Item, item_id)
    if item is None:
        raise NotFoundError(f"no item with id {item_id}")
    if item.incident_id != incident.id:
        raise NotFoundError(f"item {item_id} is not linked to incident {incident_id}")
    unlink_item(session, incident, item, actor, now=now, note=None)
    _updated(session, notifier, incident, {"kind": "item_unlinked", "item_id": item_id})
    return incident


def set_status(
    *,
    session: Session,
    incident_id: int,
    status: IncidentStatus,
    version: int,
    note: str | None,
    actor: Actor,
    now: datetime,
    notifier: Notifier | None = None,
) -> Incident:
    """open, monitoring or resolved. Resolving records when and stops the detector linking to
    it; reopening clears `resolved_at`. The same status again changes nothing."""
    incident = _locked(session, incident_id, version)
    if incident.status == status.value:
        return incident
    was = incident.status
    incident.status = status.value
    if status is IncidentStatus.RESOLVED:
        incident.resolved_at = now
        incident.detector_open = False
    else:
        incident.resolved_at = None
    incident.updated_at = now
    change = {"from_status": was, "to_status": status.value, "note": note}
    add_event(session, incident.id, IncidentEventKind.STATUS_CHANGED, actor, now=now, data=change)
    _updated(session, notifier, incident, {"kind": "status_changed"} | change)
    return incident


def add_note(
    *,
    session: Session,
    incident_id: int,
    text: str,
    actor: Actor,
    now: datetime,
    notifier: Notifier | None = None,
) -> Incident:
    """A note on the timeline (the incident's fields and version stay as they are)."""
    incident = _locked(session, incident_id, None)
    add_event(session, incident.id, IncidentEventKind.NOTE, actor, now=now, data={"text": text})
    _updated(session, notifier, incident, {"kind": "note", "text": text})
    return incident


def set_status_text(
    *,
    session: Session,
    incident_id: int,
    text: str,
    version: int,
    actor: Actor,
    now: datetime,
    notifier: Notifier | None = None,
) -> Incident:
    """Edit the customer-facing status text (the draft; publishing makes it public)."""
    incident = _locked(session, incident_id, version)
    was = incident.status_text
    incident.status_text = text
    incident.updated_at = now
    change = {"from_text": was, "text": text}
    add_event(
        session, incident.id, IncidentEventKind.STATUS_TEXT_EDITED, actor, now=now, data=change
    )
    _updated(session, notifier, incident, {"kind": "status_text_edited", "text": text})
    return incident


def publish(
    *,
    session: Session,
    incident_id: int,
    version: int,
    actor: Actor,
    now: datetime,
    notifier: Notifier | None = None,
) -> Incident:
    """Publish the current status text as it is (`published_text`, `published_at`)."""
    incident = _locked(session, incident_id, version)
    if not incident.status_text.strip():
        raise UnprocessableError(f"incident {incident_id} has no status text to publish")
    incident.published_text = incident.status_text
    incident.published_at = now
    incident.updated_at = now
    data = {"text": incident.status_text}
    add_event(session, incident.id, IncidentEventKind.PUBLISHED, actor, now=now, data=data)
    _updated(session, notifier, incident, {"kind": "published"} | data)
    return incident
