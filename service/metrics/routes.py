"""GET /v1/metrics: the managers' figures."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from service.clock import as_utc
from service.contract import KEYED, JsonRoute, ReceivedFrom, ReceivedTo
from service.db import transaction
from service.deps import Reader, RuntimeDep
from service.incidents.figures import incident_figures
from service.metrics.resolution import resolution_figures
from service.metrics.schemas import MetricsOut
from service.metrics.service import compute_metrics
from service.serving.audit import audit_section

router = APIRouter(prefix="/v1", tags=["metrics"], route_class=JsonRoute, responses=KEYED)


@router.get("/metrics")
def metrics(
    runtime: RuntimeDep,
    _: Reader,
    received_from: ReceivedFrom = None,
    received_to: ReceivedTo = None,
    bucket: Annotated[Literal["day", "week"], Query(description="Trend bucket.")] = "day",
) -> MetricsOut:
    """Response time, completion rate, repeat issues, risk trend, agreement, rule precision,
    the live precision of auto-applied labels from audit samples (`audit`), incidents
    opened in the range, open now, time to detect and to resolve (`incidents`), and time to
    resolution next to time to acknowledge, by severity and owner, with the root causes by
    category and theme (`resolution`)."""
    with transaction(runtime.factory) as session:
        figures = compute_metrics(
            session=session, received_from=received_from, received_to=received_to, bucket=bucket
        )
        audit = audit_section(session, triager=runtime.holder.triager, settings=runtime.settings)
        incidents = incident_figures(
            session=session,
            opened_from=as_utc(received_from) if received_from else None,
            opened_to=as_utc(received_to) if received_to else None,
        )
        resolution = resolution_figures(
            session=session,
            received_from=received_from,
            received_to=received_to,
            taxonomy=runtime.policy.resolution.root_causes,
        )
    # The sections are validated models already; MetricsOut adds `audit`, `incidents` and
    # `resolution`.
    return MetricsOut(**dict(figures), audit=audit, incidents=incidents, resolution=resolution)
