"""GET /v1/metrics: the managers' figures (JSON or CSV); GET /v1/alerts: the thresholds'
alerts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from service.contract import KEYED, JsonRoute, ReceivedFrom, ReceivedTo
from service.db import transaction
from service.deps import Reader, RuntimeDep
from service.errors import UnprocessableError
from service.metrics.report import (
    SECTIONS,
    check_section,
    collect_metrics,
    csv_filename,
    to_csv,
)
from service.metrics.schemas import AlertsOut, MetricsOut
from service.metrics.thresholds import list_alerts
from service.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["metrics"], route_class=JsonRoute, responses=KEYED)

Bucket = Annotated[Literal["day", "week"], Query(description="Trend bucket.")]
Section = Annotated[
    str | None,
    Query(max_length=64, description=f"With format=csv, one section: {', '.join(SECTIONS)}."),
]
CSV_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {
        "content": {"text/csv": {}},
        "description": "The figures (JSON, or CSV with format=csv).",
    },
    404: {"description": "No such section."},
}


def _metrics(
    runtime: Runtime, received_from: ReceivedFrom, received_to: ReceivedTo, bucket: str
) -> MetricsOut:
    with transaction(runtime.factory) as session:
        return collect_metrics(
            session,
            runtime,
            received_from=received_from,
            received_to=received_to,
            bucket=bucket,
        )


def _csv(metrics: MetricsOut, section: str | None) -> Response:
    text = to_csv(metrics, section)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{csv_filename(section)}"'},
    )


@router.get("/metrics", response_model=MetricsOut, responses=CSV_RESPONSE)
def metrics(
    runtime: RuntimeDep,
    _: Reader,
    received_from: ReceivedFrom = None,
    received_to: ReceivedTo = None,
    bucket: Bucket = "day",
    format: Annotated[
        Literal["json", "csv"],
        Query(
            description="json (default), or csv: one figure a row (section, metric, group, value)."
        ),
    ] = "json",
    section: Section = None,
) -> MetricsOut | Response:
    """Response time, completion rate, repeat issues, risk trend, agreement, rule precision,
    the live precision of auto-applied labels from audit samples (`audit`), incidents
    opened in the range, open now, time to detect and to resolve (`incidents`), and time to
    resolution next to time to acknowledge, by severity and owner, with the root causes by
    category and theme (`resolution`). `format=csv` gives every figure as tidy CSV; `section`
    picks one section of it."""
    if section is not None and format != "csv":
        raise UnprocessableError(
            "section picks one section of the CSV: use it with format=csv (the JSON has them all)"
        )
    if section is not None:
        check_section(section)
    figures = _metrics(runtime, received_from, received_to, bucket)
    return _csv(figures, section) if format == "csv" else figures


@router.get("/metrics/{section}.csv", response_class=Response, responses=CSV_RESPONSE)
def metrics_section_csv(
    runtime: RuntimeDep,
    _: Reader,
    section: Annotated[str, Path(max_length=64, description=f"One of {', '.join(SECTIONS)}.")],
    received_from: ReceivedFrom = None,
    received_to: ReceivedTo = None,
    bucket: Bucket = "day",
) -> Response:
    """One section of the figures as CSV (section, metric, group, value)."""
    check_section(section)  # before the figures are computed
    return _csv(_metrics(runtime, received_from, received_to, bucket), section)


@router.get("/alerts")
def alerts(
    runtime: RuntimeDep,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=500, description="Most recent alerts to list.")] = 50,
) -> AlertsOut:
    """The alerts the routing policy's thresholds raised: every open one, and the most recent
    ones, open or cleared (newest first)."""
    with transaction(runtime.factory) as session:
        return list_alerts(session, limit=limit)
