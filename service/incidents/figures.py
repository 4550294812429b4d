"""The `incidents` section of the managers' figures (GET /v1/metrics): how many incidents were
opened and of which kind, how many are open now, and how fast they were detected and resolved."""

from __future__ import annotations

import statistics
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.enums import IncidentKind, IncidentStatus
from service.incidents.schemas import Durations, IncidentFigures
from service.tables import Incident

DEFINITION = (
    "Incidents opened in [received_from, received_to) by opened_at (the items' clock). Time to "
    "detect: opened_at - first_item_at, from the first linked item's time (created_at, else "
    "received_at) to the opening. Time to resolve: resolved_at - created_at, both the service's "
    "clock, of the incidents opened in range that are resolved. open_now and monitoring_now "
    "count every incident, whenever opened."
)


def _durations(seconds: list[float]) -> Durations:
    return Durations(
        count=len(seconds), p50_seconds=float(statistics.median(seconds)) if seconds else None
    )


def incident_figures(
    *, session: Session, opened_from: datetime | None, opened_to: datetime | None
) -> IncidentFigures:
    conditions = []
    if opened_from is not None:
        conditions.append(Incident.opened_at >= opened_from)
    if opened_to is not None:
        conditions.append(Incident.opened_at < opened_to)
    rows = session.execute(
        select(
            Incident.kind,
            Incident.first_item_at,
            Incident.opened_at,
            Incident.created_at,
            Incident.resolved_at,
        ).where(*conditions)
    ).all()
    now_counts = dict(
        session.execute(
            select(Incident.status, func.count())
            .where(Incident.status != IncidentStatus.RESOLVED.value)
            .group_by(Incident.status)
        ).all()
    )
    by_kind = {kind: sum(1 for r in rows if r.kind == kind.value) for kind in IncidentKind}
    return IncidentFigures(
        definition=DEFINITION,
        opened=len(rows),
        by_kind=by_kind,
        open_now=int(now_counts.get(IncidentStatus.OPEN.value, 0)),
        monitoring_now=int(now_counts.get(IncidentStatus.MONITORING.value, 0)),
        time_to_detect=_durations(
            [max(0.0, (r.opened_at - r.first_item_at).total_seconds()) for r in rows]
        ),
        time_to_resolve=_durations(
            [
                (r.resolved_at - r.created_at).total_seconds()
                for r in rows
                if r.resolved_at is not None
            ]
        ),
    )
