"""Acting on the burst detector's decisions (model/incidents/): open an incident, link an item
to one, stop linking (the detector closed it), turn a burst into a campaign. The pattern worker
(service/patterns/) calls `apply_decisions` in its own transaction; nothing here commits."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from model.incidents import BurstConfig, Close, Decision, Link, Open, Reclassify
from service.actors import Actor
from service.enums import ActorType, IncidentKind, NotificationKind
from service.incidents.records import (
    add_event,
    create_incident,
    item_time,
    link_items,
    notify,
    route_incident,
    short_title,
)
from service.incidents.schemas import IncidentEventKind
from service.incidents.views import public_many
from service.notifications.webhooks import Notifier
from service.routing.policy import RoutingPolicy
from service.tables import Incident, Item, Theme

log = logging.getLogger(__name__)

DETECTOR = Actor(ActorType.MODEL, "burst-detector")
_INCIDENTS = cast(Table, Incident.__table__)


def burst_config(policy: RoutingPolicy) -> BurstConfig:
    """The detector's thresholds from the policy's `incidents.detector` section; a threshold
    the policy leaves out keeps the library's default."""
    given = policy.incidents.detector
    default = BurstConfig()

    def hours(value: float | None, fallback: timedelta) -> timedelta:
        return fallback if value is None else timedelta(hours=value)

    def keep(value: Any, fallback: Any) -> Any:
        return fallback if value is None else value

    return BurstConfig(
        window=hours(
            None if given.window_minutes is None else given.window_minutes / 60, default.window
        ),
        alpha=keep(given.alpha, default.alpha),
        min_count=keep(given.min_count, default.min_count),
        min_ratio=keep(given.min_ratio, default.min_ratio),
        baseline_half_life=hours(given.baseline_half_life_hours, default.baseline_half_life),
        prior_rate_per_hour=keep(given.prior_rate_per_hour, default.prior_rate_per_hour),
        prior_hours=keep(given.prior_hours, default.prior_hours),
        peak_factor=keep(given.peak_factor, default.peak_factor),
        warmup=hours(given.warmup_hours, default.warmup),
        group_threshold=keep(given.group_threshold, default.group_threshold),
        link_threshold=keep(given.link_threshold, default.link_threshold),
        link_floor=keep(given.link_floor, default.link_floor),
        link_odds=keep(given.link_odds, default.link_odds),
        history_size=keep(given.history_size, default.history_size),
        history_stride=keep(given.history_stride, default.history_stride),
        max_recent=keep(given.max_recent, default.max_recent),
        mean_items=keep(given.mean_items, default.mean_items),
        idle_close=hours(given.idle_close_hours, default.idle_close),
        campaign_min_authors=keep(given.campaign_min_authors, default.campaign_min_authors),
        campaign_threshold=keep(given.campaign_threshold, default.campaign_threshold),
        campaign_categories=default.campaign_categories
        if given.campaign_categories is None
        else frozenset(c.value for c in given.campaign_categories),
        campaign_category_share=keep(
            given.campaign_category_share, default.campaign_category_share
        ),
        max_evidence=keep(given.max_evidence, default.max_evidence),
    )


class _Round:
    """One call's bookkeeping: incidents by detector key, which were opened, which got new
    items or a new kind (one `incident_updated` each, however many links)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_key: dict[str, Incident | None] = {}
        self.changed: dict[int, Incident] = {}
        self.opened: dict[int, list[int]] = {}  # incident id -> items linked in this call
        self.updated: dict[int, dict[str, Any]] = {}  # incident id -> what changed

    def find(self, key: str) -> Incident | None:
        if key not in self.by_key:
            self.by_key[key] = self.session.scalars(
                select(Incident).where(Incident.detector_key == key)
            ).one_or_none()
        return self.by_key[key]

    def linked(self, incident: Incident, ids: list[int]) -> None:
        if not ids and incident.id not in self.opened:
            return
        self.changed[incident.id] = incident
        if incident.id in self.opened:
            self.opened[incident.id].extend(ids)
        else:
            change = self.updated.setdefault(incident.id, {"linked_item_ids": []})
            change["linked_item_ids"].extend(ids)


def _open(
    session: Session,
    policy: RoutingPolicy,
    decision: Open,
    rows: list[Item],
    now: datetime,
) -> Incident:
    kind = IncidentKind(decision.kind)
    first_item_at = min(item_time(r) for r in rows)
    # The decision's time is its last item's (the detector's clock is the items'), so time to
    # detect reads the same in a replay of history as live.
    opened_at = max(item_time(rows[-1]), first_item_at)
    theme = session.get(Theme, decision.theme_id) if decision.theme_id is not None else None
    routing = route_incident(policy, kind, rows, opened_at=opened_at)
    evidence = decision.evidence
    incident = create_incident(
        session,
        policy,
        kind=kind,
        title=theme.label if theme is not None else short_title(rows[0].text),
        reason=decision.reason,
        routing=routing,
        routing_rule=routing.rule,
        first_item_at=first_item_at,
        opened_at=opened_at,
        item_count=len(rows),
        now=now,
        detector_key=decision.incident_key,
        theme_id=theme.id if theme is not None else None,
        evidence={
            "count": evidence.count,
            "expected": evidence.expected,
            "p_value": evidence.p_value,
            "authors": list(evidence.authors),
            "sources": list(evidence.sources),
        },
    )
    add_event(
        session,
        incident.id,
        IncidentEventKind.OPENED,
        DETECTOR,
        now=now,
        data={
            "kind": kind.value,
            "reason": decision.reason,
            "owner": routing.owner.value,
            "routing_rule": routing.rule,
            "items": len(rows),
        },
    )
    return incident


def _reclassify(
    session: Session, policy: RoutingPolicy, incident: Incident, decision: Reclassify, now: datetime
) -> dict[str, Any] | None:
    """A burst that turned out to be many authors' near-identical claims: a campaign, owned
    by the campaign owner. None when it is that kind already."""
    if incident.kind == decision.kind:
        return None
    change: dict[str, Any] = {
        "from_kind": incident.kind,
        "to_kind": decision.kind,
        "reason": decision.reason,
        "authors": list(decision.authors),
        "sources": list(decision.sources),
    }
    incident.kind = decision.kind
    incident.evidence = dict(incident.evidence or {}) | {
        "authors": list(decision.authors),
        "sources": list(decision.sources),
    }
    if decision.kind == IncidentKind.CAMPAIGN.value:
        settings = policy.incidents
        change |= {"from_owner": incident.owner, "to_owner": settings.campaign_owner.value}
        incident.owner = settings.campaign_owner.value
        incident.response_rule = settings.campaign_response_rule.value
        incident.routing_rule = "incident-campaign"
    incident.updated_at = now
    add_event(session, incident.id, IncidentEventKind.RECLASSIFIED, DETECTOR, now=now, data=change)
    return change


def _close(session: Session, incident: Incident, decision: Close, now: datetime) -> bool:
    """The detector stops linking items to it; the incident stays as it is for its owner.
    Core UPDATE: this bookkeeping must not make a human's next change stale."""
    if not incident.detector_open:
        return False
    session.execute(
        update(_INCIDENTS).where(_INCIDENTS.c.id == incident.id).values(detector_open=False)
    )
    set_committed_value(incident, "detector_open", False)
    add_event(
        session,
        incident.id,
        IncidentEventKind.DETECTOR_CLOSED,
        DETECTOR,
        now=now,
        data={"reason": decision.reason},
    )
    return True


def _apply_open(
    work: _Round, policy: RoutingPolicy, decision: Open, items: Mapping[str, Item], now: datetime
) -> None:
    session = work.session
    rows = [items[i] for i in decision.item_ids if i in items]
    if not rows:
        log.warning("incident %s opened with no known item; skipped", decision.incident_key)
        return
    existing = work.find(decision.incident_key)
    if existing is not None:  # applied before (a worker that retries a round)
        linked = link_items(session, existing, rows, DETECTOR, now=now, reason="opened")
        work.linked(existing, linked)
        return
    incident = _open(session, policy, decision, rows, now)
    work.by_key[decision.incident_key] = incident
    work.opened[incident.id] = []
    work.linked(incident, link_items(session, incident, rows, DETECTOR, now=now, reason="opened"))


def _apply_link(work: _Round, decision: Link, items: Mapping[str, Item], now: datetime) -> None:
    incident = work.find(decision.incident_key)
    item = items.get(decision.item_id)
    if incident is None or item is None:
        log.warning(
            "link of item %s to incident %s skipped: unknown",
            decision.item_id,
            decision.incident_key,
        )
        return
    linked = link_items(work.session, incident, [item], DETECTOR, now=now, reason=decision.reason)
    work.linked(incident, linked)


def _apply_reclassify(
    work: _Round, policy: RoutingPolicy, decision: Reclassify, now: datetime
) -> None:
    incident = work.find(decision.incident_key)
    if incident is None:
        return
    change = _reclassify(work.session, policy, incident, decision, now)
    if change is None:
        return
    work.changed[incident.id] = incident
    if incident.id not in work.opened:
        work.updated.setdefault(incident.id, {"linked_item_ids": []})["reclassified"] = change


def apply_decisions(
    session: Session,
    *,
    policy: RoutingPolicy,
    decisions: Sequence[Decision],
    items: Mapping[str, Item],
    now: datetime,
    notifier: Notifier | None = None,
) -> list[int]:
    """Act on the detector's decisions, in order, in the caller's transaction.

    `items` maps each decision's item id (`str(Item.id)`) to its loaded row. Open creates an
    incident (routed like an item, a campaign to the campaign owner) and links its items;
    Link links one item; Close stops the detector linking (the incident stays open for
    humans); Reclassify changes the kind. Items are linked by Core UPDATE: their `version`
    is not bumped and their own severity, review and routing are untouched. Notifications,
    stored in the outbox with `notifier`: one `incident_opened` per new incident and at most
    one `incident_updated` per other incident that got items or a new kind (the caller wakes
    the notifier after committing). A decision naming an unknown incident key or item is
    skipped and logged. Returns the ids of the incidents opened or changed, in order."""
    work = _Round(session)
    for decision in decisions:
        if isinstance(decision, Open):
            _apply_open(work, policy, decision, items, now)
        elif isinstance(decision, Link):
            _apply_link(work, decision, items, now)
        elif isinstance(decision, Close):
            closing = work.find(decision.incident_key)
            if closing is not None and _close(session, closing, decision, now):
                work.changed[closing.id] = closing
        else:
            _apply_reclassify(work, policy, decision, now)
    session.flush()
    _notify(session, notifier, work)
    return list(work.changed)


def _notify(session: Session, notifier: Notifier | None, work: _Round) -> None:
    if notifier is None or not notifier.enabled:
        return
    incidents = [work.changed[i] for i in [*work.opened, *work.updated] if i in work.changed]
    public = {p.id: p.model_dump(mode="json") for p in public_many(session, incidents)}
    notify(
        notifier,
        session,
        NotificationKind.INCIDENT_OPENED,
        [(work.changed[i], {"kind": "opened", "item_ids": ids}) for i, ids in work.opened.items()],
        public,
    )
    notify(
        notifier,
        session,
        NotificationKind.INCIDENT_UPDATED,
        [
            (work.changed[i], {"kind": "detector_update"} | change)
            for i, change in work.updated.items()
            if i in work.changed and (change["linked_item_ids"] or "reclassified" in change)
        ],
        public,
    )
