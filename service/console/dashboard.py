"""The console's dashboard: the managers' figures for a range of days, as SVG charts, a banner
for each open threshold alert, and each section as CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from sqlalchemy.orm import Session

from service.console import charts
from service.console.routes import render, runtime_of, signed_in, to_login
from service.db import transaction
from service.errors import NotFoundError
from service.inputs import instant
from service.metrics.report import check_section, collect_metrics, csv_filename, to_csv
from service.metrics.schemas import MetricsOut
from service.metrics.thresholds import list_alerts
from service.runtime import Runtime

router = APIRouter(prefix="/ui", include_in_schema=False)


def _parse_day(value: str | None) -> datetime | None:
    """A day (midnight UTC) from 1970 to 100 years ahead; anything else means not given."""
    if not value:
        return None
    try:
        return instant(datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC))
    except ValueError:
        return None


def _range(request: Request) -> tuple[datetime, datetime, datetime, str, str | None]:
    """(start, last day, end, bucket, error) of the dashboard's query: the last 28 days by
    default; the chosen last day is included."""
    today = datetime.now(UTC).date()
    start = _parse_day(request.query_params.get("from")) or datetime.combine(
        today - timedelta(days=27), datetime.min.time(), UTC
    )
    end_day = _parse_day(request.query_params.get("to")) or datetime.combine(
        today, datetime.min.time(), UTC
    )
    end = end_day + timedelta(days=1)  # the chosen last day is included
    bucket = "week" if request.query_params.get("bucket") == "week" else "day"
    error = None
    if end <= start:
        error = "The end date must not be before the start date."
        start, end = end - timedelta(days=1), end
    return start, end_day, end, bucket, error


def _figures(
    runtime: Runtime, db: Session, start: datetime, end: datetime, bucket: str
) -> MetricsOut:
    """Every section of GET /v1/metrics over the dashboard's range (service/metrics/report.py)."""
    return collect_metrics(
        db,
        runtime,
        received_from=start,
        received_to=end,
        bucket=bucket,
    )


@router.get("/dashboard")
def dashboard(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    runtime = runtime_of(request)
    start, end_day, end, bucket, error = _range(request)
    with transaction(runtime.factory) as db:
        metrics = _figures(runtime, db, start, end, bucket).model_dump(mode="json")
        alerts = list_alerts(db, limit=1).open
    query = urlencode(
        {"from": start.date().isoformat(), "to": end_day.date().isoformat(), "bucket": bucket}
    )
    return render(
        request,
        "dashboard.html",
        {
            "user": user[0],
            "csrf_token": user[1].csrf,
            "metrics": metrics,
            "charts": dashboard_charts(metrics),
            "start": start.date().isoformat(),
            "end": end_day.date().isoformat(),
            "bucket": bucket,
            "error": error,
            "alerts": alerts,
            "csv_query": query,
        },
    )


@router.get("/dashboard/{section}.csv")
def dashboard_csv(request: Request, section: Annotated[str, PathParam(max_length=64)]) -> Response:
    """One section of the figures over the dashboard's range, as CSV (the same as
    GET /v1/metrics/{section}.csv); `all` for every section."""
    user = signed_in(request)
    if user is None:
        return to_login(request)
    chosen = None if section == "all" else section
    try:
        if chosen is not None:
            check_section(chosen)
    except NotFoundError as exc:
        return Response(exc.detail, status_code=404, media_type="text/plain; charset=utf-8")
    runtime = runtime_of(request)
    start, _, end, bucket, _ = _range(request)
    with transaction(runtime.factory) as db:
        figures = _figures(runtime, db, start, end, bucket)
    return Response(
        to_csv(figures, chosen),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{csv_filename(chosen)}"'},
    )


def dashboard_charts(metrics: dict[str, Any]) -> dict[str, str]:
    response = metrics["escalation_response_time"]
    by_severity = response["by_severity"]
    trend = metrics["reputation_risk_trend"]["buckets"]
    completion = metrics["resolution_completion"]
    repeats = metrics["repeat_issues"]
    agreement = [r for r in metrics["model_agreement"]["rows"] if r["head"] == "category"]
    classes = sorted({c["proposed"] for r in agreement for c in r["by_proposed_class"]})
    severity_agreement = [r for r in metrics["model_agreement"]["rows"] if r["head"] == "severity"]
    acknowledged = [f"{row['acknowledged']} of {row['items']} acknowledged" for row in by_severity]
    return {
        "response_time": charts.grouped_bar_chart(
            "Escalation response time by severity",
            [row["severity"] or "none" for row in by_severity],
            [
                ("p50", [row["p50_seconds"] for row in by_severity]),
                ("p90", [row["p90_seconds"] for row in by_severity]),
            ],
            unit="duration",
            axis="time to acknowledge",
            notes=[acknowledged, acknowledged],
        ),
        "completion": charts.bar_chart(
            "Resolution completion rate",
            [
                charts.Bar(
                    "resolved",
                    completion["rate"],
                    f"{completion['resolved']} of {completion['denominator']}",
                )
            ],
            unit="%",
            maximum=1.0,
            colour="#16a34a",
        ),
        "risk_trend": charts.trend_chart(
            "Reputation risk trend",
            [b["label"] for b in trend],
            [b["items"] for b in trend],
            [b["red"] for b in trend],
            [b["red_share"] for b in trend],
        ),
        "repeat_category": charts.bar_chart(
            "Items by category",
            [charts.Bar(r["category"] or "none", r["items"]) for r in repeats["by_category"]],
        ),
        "repeat_source": charts.bar_chart(
            "Items by source",
            [charts.Bar(r["source"] or "not given", r["items"]) for r in repeats["by_source"]],
            colour="#7c3aed",
        ),
        "agreement_category": charts.grouped_bar_chart(
            "Model-reviewer agreement by proposed category and model version",
            classes,
            [
                (
                    r["model_version"] or "no model",
                    [_by_class(r).get(k, {}).get("rate") for k in classes],
                )
                for r in agreement
            ],
            unit="%",
            maximum=1.0,
            axis="agreement",
            notes=[
                [
                    f"{c['agreed']} of {c['reviews']}" if c else "no reviews"
                    for c in (_by_class(r).get(k) for k in classes)
                ]
                for r in agreement
            ],
        ),
        "agreement_severity": charts.bar_chart(
            "Model-reviewer agreement on severity by model version",
            [
                charts.Bar(
                    r["model_version"] or "no model", r["rate"], f"{r['agreed']} of {r['reviews']}"
                )
                for r in severity_agreement
            ],
            unit="%",
            maximum=1.0,
        ),
        "rule_precision": charts.bar_chart(
            "Red-flag rule precision against reviewers",
            [
                charts.Bar(f["family"], f["precision"], f"{f['confirmed_red']} of {f['reviewed']}")
                for f in metrics["rule_precision"]["families"]
            ],
            unit="%",
            maximum=1.0,
            colour="#dc2626",
        ),
    }


def _by_class(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One agreement row's figures per proposed class."""
    return {c["proposed"]: c for c in row["by_proposed_class"]}
