"""GET /v1/metrics as CSV (issue 19) on the real app and database (SQLite and PostgreSQL), over
the known scenario of test_metrics.py: the CSV parses, holds every number of the JSON once
(one row per figure, each row's section, metric and group distinct), and its figures are the
JSON's; one section downloads alone; a bad format or section gets a clear 4xx."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import pytest

from service.metrics.report import GROUP_FIELDS
from tests.service.console.test_ui import sign_in
from tests.service.metrics.test_metrics import RANGE, _build_scenario

TEXT_ONLY = {"range", "generated_at"}
# The fields that name a row (its group), not a figure: a null one is no figure either.
IDS = GROUP_FIELDS


def _figures(node: Any) -> list[float | None]:
    """Every number, boolean (as 1/0) and null of the JSON, text and ids left out."""
    if isinstance(node, bool):
        return [float(node)]
    if isinstance(node, int | float) or node is None:
        return [None if node is None else float(node)]
    if isinstance(node, dict):
        kept = [v for k, v in node.items() if not isinstance(v, str) and k not in IDS]
        return [v for value in kept for v in _figures(value)]
    if isinstance(node, list):
        return [v for value in node for v in _figures(value)]
    return []


def _parse(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(response.text))
    assert reader.fieldnames == ["section", "metric", "group", "value"]
    return list(reader)


def _value(text: str) -> float | None:
    return None if text == "" else float(text)


def _sort_key(value: float | None) -> tuple[bool, float]:
    return (value is None, 0.0 if value is None else value)


def _find(rows: list[dict[str, str]], section: str, metric: str, group: str = "") -> float | None:
    (row,) = [
        r for r in rows if (r["section"], r["metric"], r["group"]) == (section, metric, group)
    ]
    return _value(row["value"])


def test_the_csv_holds_every_figure_of_the_json(api: Any) -> None:
    _ids, model_version = _build_scenario(api)
    body = api.get("/v1/metrics", "helpdesk", params=RANGE).json()
    response = api.get("/v1/metrics", "helpdesk", params={**RANGE, "format": "csv"})
    assert response.headers["content-disposition"] == 'attachment; filename="metrics-all.csv"'
    rows = _parse(response)

    keys = [(r["section"], r["metric"], r["group"]) for r in rows]
    assert len(keys) == len(set(keys)), "two figures share a section, metric and group"
    numbers = {k: v for k, v in body.items() if k not in TEXT_ONLY}
    expected = sorted(_figures(numbers), key=_sort_key)
    found = sorted((_value(r["value"]) for r in rows), key=_sort_key)
    assert found == expected  # every digit: floats are written as JSON has them
    sections = {r["section"] for r in rows}
    with_figures = {k for k, v in numbers.items() if isinstance(v, dict) and _figures(v)}
    assert sections == {"overview"} | with_figures  # repeat_by_theme: no themes, no rows

    # Named figures, as test_metrics.py worked them out by hand.
    assert _find(rows, "overview", "items") == 7
    assert _find(rows, "escalation_response_time", "overall.p90_seconds") == pytest.approx(2640)
    assert _find(
        rows, "escalation_response_time", "by_severity.p50_seconds", "severity=red"
    ) == pytest.approx(1800)
    assert _find(rows, "escalation_response_time", "by_severity.p50_seconds", "severity=green") is (
        None
    )
    assert _find(rows, "resolution_completion", "rate") == pytest.approx(0.4)
    pair = "category=complaint;source=email"
    assert _find(rows, "repeat_issues", "by_category_source.items", pair) == 2
    account = "account_id=A;category=complaint"
    assert _find(rows, "repeat_issues", "repeat_accounts.items", account) == 4
    assert _find(rows, "reputation_risk_trend", "buckets.red", "label=2024-01-01") == 2
    assert _find(rows, "reputation_risk_trend", "buckets.red_share", "label=2024-01-03") is None
    assert _find(rows, "reputation_risk_trend", "zero_filled") == 1
    agreement = f"model_version={model_version};head=severity;proposed=yellow"
    assert _find(rows, "model_agreement", "rows.by_proposed_class.rate", agreement) == 0.5
    assert _find(rows, "rule_precision", "families.precision", "family=legal") == 0.5
    assert _find(rows, "rule_precision", "any_family.items_flagged") == 3
    assert _find(rows, "incidents", "by_kind.burst") == body["incidents"]["by_kind"]["burst"]
    shares = [r for r in rows if r["metric"] == "by_category.share"]
    for row in shares:  # the JSON's float, digit for digit
        category = row["group"].removeprefix("category=")
        (entry,) = [c for c in body["repeat_issues"]["by_category"] if c["category"] == category]
        assert float(row["value"]) == entry["share"] and math.isfinite(entry["share"])


def test_one_section_downloads_alone(api: Any) -> None:
    _build_scenario(api)
    everything = _parse(api.get("/v1/metrics", params={**RANGE, "format": "csv"}))
    by_path = api.get("/v1/metrics/repeat_issues.csv", "reviewer", params=RANGE)
    assert by_path.headers["content-disposition"] == (
        'attachment; filename="metrics-repeat_issues.csv"'
    )
    alone = _parse(by_path)
    assert alone == [r for r in everything if r["section"] == "repeat_issues"]
    by_query = api.get("/v1/metrics", params={**RANGE, "format": "csv", "section": "repeat_issues"})
    assert _parse(by_query) == alone
    weekly = _parse(
        api.get("/v1/metrics/reputation_risk_trend.csv", params={**RANGE, "bucket": "week"})
    )
    assert [(r["group"], r["value"]) for r in weekly if r["metric"] == "buckets.red"] == [
        ("label=2024-W01", "2"),
        ("label=2024-W02", "0"),
    ]


@pytest.mark.parametrize(
    ("path", "params", "status", "error", "detail"),
    [
        ("/v1/metrics", {"format": "xml"}, 422, "ValidationError", "'json' or 'csv'"),
        (
            "/v1/metrics",
            {"format": "csv", "section": "nope"},
            404,
            "NotFoundError",
            "no metrics section 'nope'; the sections are: overview, escalation_response_time",
        ),
        ("/v1/metrics/nope.csv", {}, 404, "NotFoundError", "no metrics section 'nope'"),
        ("/v1/metrics", {"section": "audit"}, 422, "UnprocessableError", "use it with format=csv"),
        ("/v1/metrics/audit.csv", {"bucket": "year"}, 422, "ValidationError", "'day' or 'week'"),
    ],
)
def test_a_bad_format_or_section_is_a_clear_error(
    api: Any, path: str, params: dict[str, str], status: int, error: str, detail: str
) -> None:
    response = api.get(path, "reviewer", params=params)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert detail in response.json()["detail"]


def test_the_csv_needs_a_key(api: Any) -> None:
    assert api.client.get("/v1/metrics", params={"format": "csv"}).status_code == 401
    assert api.client.get("/v1/metrics/audit.csv").status_code == 401


def test_the_console_downloads_the_dashboard_range_as_csv(make_api: Any) -> None:
    api = make_api(ui_cookie_secure=False)  # TestClient speaks plain http to "testserver"
    _build_scenario(api)
    days = {"from": "2024-01-01", "to": "2024-01-14", "bucket": "week"}
    signed_out = api.client.get("/ui/dashboard/audit.csv", params=days, follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/ui/login?next=")
    assert sign_in(api).status_code == 303
    page = api.client.get("/ui/dashboard", params=days)
    assert 'href="/ui/dashboard/reputation_risk_trend.csv?from=2024-01-01&amp;to=2024-01-14' in (
        page.text
    )
    console = _parse(api.client.get("/ui/dashboard/all.csv", params=days))
    through_api = _parse(
        api.get("/v1/metrics", params={**RANGE, "format": "csv", "bucket": "week"})
    )
    assert console == through_api  # the same range: the chosen last day is included
    trend = _parse(api.client.get("/ui/dashboard/reputation_risk_trend.csv", params=days))
    assert trend == [r for r in through_api if r["section"] == "reputation_risk_trend"]
    missing = api.client.get("/ui/dashboard/nope.csv", params=days)
    assert missing.status_code == 404 and "no metrics section 'nope'" in missing.text
