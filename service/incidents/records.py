"""What the detector's decisions and the humans' changes share: linking items (a Core UPDATE,
so an item's `version` is not bumped: reviewers send it back), timeline events, routing an
incident like an item, the status-text draft, and the webhook notifications."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from model.labels import AccountTier, Category, Severity
from service.actors import Actor
from service.enums import EventKind, IncidentKind, IncidentStatus, NotificationKind
from service.incidents.schemas import IncidentEventKind
from service.notifications.webhooks import Notification, Notifier
from service.observability.context import stamped
from service.routing.policy import Route, RoutingFacts, RoutingPolicy, route
from service.tables import Event, Incident, IncidentEvent, Item

_ITEMS = cast(Table, Item.__table__)
_EVENTS = cast(Table, Event.__table__)
_SEVERITY_RANK = {Severity.GREEN.value: 0, Severity.YELLOW.value: 1, Severity.RED.value: 2}
_TIER_RANK = {
    AccountTier.UNKNOWN.value: 0,
    AccountTier.SMB.value: 1,
    AccountTier.ENTERPRISE.value: 2,
    AccountTier.STRATEGIC.value: 3,
}
TITLE_CHARS = 120


def item_time(item: Item) -> datetime:
    """An item's time on the items' clock: when it was posted if known, else received."""
    return item.created_at or item.received_at


def add_event(
    session: Session,
    incident_id: int,
    kind: IncidentEventKind,
    actor: Actor,
    *,
    now: datetime,
    item_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> IncidentEvent:
    """One step of the timeline. Added by id, not through `incident.events`, so that the
    incident row (and its `version`) is left alone."""
    event = IncidentEvent(
        incident_id=incident_id,
        created_at=now,
        kind=kind.value,
        actor_type=actor.type.value,
        actor=actor.name,
        item_id=item_id,
        data=data or {},
    )
    session.add(event)
    return event


def link_items(
    session: Session,
    incident: Incident,
    items: Sequence[Item],
    actor: Actor,
    *,
    now: datetime,
    reason: str,
) -> list[int]:
    """Link `items` to `incident`: items.incident_id by Core UPDATE (version unchanged), an
    `incident_linked` event on each item and an `item_linked` step on the timeline. Items
    already linked to it are left out; one linked elsewhere moves, and both events say from
    where. Returns the ids linked."""
    moving = [item for item in items if item.incident_id != incident.id]
    if not moving:
        return []
    ids = [item.id for item in moving]
    session.execute(
        update(_ITEMS).where(_ITEMS.c.id.in_(ids)).values(incident_id=incident.id),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        insert(_EVENTS),
        [
            {
                "item_id": item.id,
                "created_at": now,
                "kind": EventKind.INCIDENT_LINKED.value,
                "actor_type": actor.type.value,
                "actor": actor.name,
                "from_status": item.status,
                "to_status": item.status,
                "data": stamped(
                    {
                        "incident_id": incident.id,
                        "incident_kind": incident.kind,
                        "reason": reason,
                        "previous_incident_id": item.incident_id,
                    }
                ),
            }
            for item in moving
        ],
    )
    for item in moving:
        if item.incident_id is not None:  # the incident it leaves says so on its timeline
            add_event(
                session,
                item.incident_id,
                IncidentEventKind.ITEM_UNLINKED,
                actor,
                now=now,
                item_id=item.id,
                data={"moved_to_incident_id": incident.id},
            )
        add_event(
            session,
            incident.id,
            IncidentEventKind.ITEM_LINKED,
            actor,
            now=now,
            item_id=item.id,
            data={"reason": reason, "previous_incident_id": item.incident_id},
        )
        # The loaded row says what the database says now, without marking it changed.
        set_committed_value(item, "incident_id", incident.id)
    return ids


def unlink_item(
    session: Session,
    incident: Incident,
    item: Item,
    actor: Actor,
    *,
    now: datetime,
    note: str | None,
) -> None:
    """Take `item` out of `incident` (Core UPDATE, version unchanged), with an
    `incident_unlinked` event on the item and an `item_unlinked` step on the timeline."""
    session.execute(
        update(_ITEMS).where(_ITEMS.c.id == item.id).values(incident_id=None),
        execution_options={"synchronize_session": False},
    )
    data = {"incident_id": incident.id, "note": note}
    session.execute(
        insert(_EVENTS),
        [
            {
                "item_id": item.id,
                "created_at": now,
                "kind": EventKind.INCIDENT_UNLINKED.value,
                "actor_type": actor.type.value,
                "actor": actor.name,
                "from_status": item.status,
                "to_status": item.status,
                "data": stamped(data),
            }
        ],
    )
    add_event(
        session,
        incident.id,
        IncidentEventKind.ITEM_UNLINKED,
        actor,
        now=now,
        item_id=item.id,
        data={"note": note},
    )
    set_committed_value(item, "incident_id", None)


def _largest_repeat(items: Iterable[Item]) -> int:
    """Service issues of one account among the items, the most of any account."""
    counts = Counter(
        item.account_id
        for item in items
        if item.account_id and item.category == Category.SERVICE_ISSUE.value
    )
    return max(counts.values(), default=0)


def route_incident(
    policy: RoutingPolicy, kind: IncidentKind, items: Sequence[Item], *, opened_at: datetime
) -> Route:
    """Owner, response rule and due time of a new incident. A burst is routed like one item
    made of its items (their most common category, worst severity, highest account tier, every
    flag); a campaign goes to the policy's campaign owner (marketing, per DOMAIN.md). The due
    time is the policy's `due_hours` for the kind, from when it opened."""
    settings = policy.incidents
    due_at = opened_at + timedelta(hours=settings.due_hours[kind])
    if kind is IncidentKind.CAMPAIGN:
        return Route(
            owner=settings.campaign_owner,
            response_rule=settings.campaign_response_rule,
            rule="incident-campaign",
            policy_version=policy.version,
            due_at=due_at,
        )
    categories = Counter(item.category for item in items if item.category)
    facts = RoutingFacts(
        category=categories.most_common(1)[0][0] if categories else None,
        severity=max(
            (item.severity for item in items if item.severity),
            key=lambda s: _SEVERITY_RANK.get(s, 0),
            default=None,
        ),
        account_tier=max(
            (item.account_tier for item in items if item.account_tier),
            key=lambda t: _TIER_RANK.get(t, 0),
            default=None,
        ),
        flags=frozenset(flag for item in items for flag in item.flags or []),
        repeat_count=_largest_repeat(items),
    )
    decided = route(policy, facts, now=opened_at)
    return Route(decided.owner, decided.response_rule, decided.rule, policy.version, due_at)


def create_incident(
    session: Session,
    policy: RoutingPolicy,
    *,
    kind: IncidentKind,
    title: str,
    reason: str,
    routing: Route,
    routing_rule: str,
    first_item_at: datetime,
    opened_at: datetime,
    item_count: int,
    now: datetime,
    detector_key: str | None = None,
    theme_id: int | None = None,
    owner: str | None = None,
    evidence: dict[str, Any] | None = None,
) -> Incident:
    """A new open incident (the detector's when `detector_key` is given, else a person's),
    routed by `routing` unless `owner` is named, its status text drafted; stored and flushed,
    so it has its id."""
    incident = Incident(
        detector_key=detector_key,
        detector_open=detector_key is not None,
        kind=kind.value,
        status=IncidentStatus.OPEN.value,
        title=title,
        reason=reason,
        theme_id=theme_id,
        owner=owner or routing.owner.value,
        response_rule=routing.response_rule.value,
        routing_rule=routing_rule,
        policy_version=routing.policy_version,
        evidence=evidence or {},
        first_item_at=first_item_at,
        opened_at=opened_at,
        due_at=routing.due_at,
        resolved_at=None,
        published_text=None,
        published_at=None,
        created_at=now,
        updated_at=now,
    )
    incident.status_text = draft_status_text(policy, incident, item_count)
    session.add(incident)
    session.flush()
    return incident


def short_title(text: str) -> str:
    """A title from an item's text: its first line, at most TITLE_CHARS characters."""
    line = " ".join(text.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"


def draft_status_text(policy: RoutingPolicy, incident: Incident, count: int) -> str:
    """The customer-facing status text from the policy's template (placeholders checked when
    the policy loaded)."""
    return policy.incidents.template.format(
        title=incident.title,
        opened_at=incident.opened_at.strftime("%Y-%m-%d %H:%M UTC"),
        kind=incident.kind,
        owner=incident.owner,
        count=count,
    )


def item_ids_of(session: Session, incident_ids: Sequence[int]) -> dict[int, list[int]]:
    """The linked items of each incident, by item id."""
    linked: dict[int, list[int]] = {i: [] for i in incident_ids}
    if not incident_ids:
        return linked
    rows = session.execute(
        select(Item.incident_id, Item.id)
        .where(Item.incident_id.in_(incident_ids))
        .order_by(Item.id)
    )
    for incident_id, item_id in rows:
        if incident_id is not None:
            linked[incident_id].append(item_id)
    return linked


def notify(
    notifier: Notifier | None,
    session: Session,
    kind: NotificationKind,
    incidents: Sequence[tuple[Incident, dict[str, Any]]],
    public: dict[int, dict[str, Any]],
) -> None:
    """Store one notification per (incident, event data) in this transaction (the outbox);
    `public` holds each incident's public fields. Nothing without a notifier or webhook URL."""
    if notifier is None or not incidents:
        return
    notifier.enqueue(
        session,
        [
            Notification(
                kind=kind.value,
                item_id=None,
                event_id=None,
                item=None,
                event=data,
                incident_id=incident.id,
                incident=public[incident.id],
            )
            for incident, data in incidents
        ],
    )
