"""The dashboard's SVG charts rendered from given figures: every figure is written as text,
a single point and a zero are visible marks, missing data reads "n/a", axes are named."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

from service.console.charts import Bar, bar_chart, grouped_bar_chart, trend_chart
from service.console.dashboard import dashboard_charts

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    """The visible text of a chart (its <text> elements), in drawing order."""
    root = ElementTree.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def description(svg: str) -> str:
    root = ElementTree.fromstring(svg)
    desc = root.find(f"{SVG}desc")
    assert desc is not None, svg[:300]
    return desc.text or ""


def test_one_day_of_data_draws_a_red_share_marker_with_its_figure() -> None:
    svg = trend_chart("Reputation risk trend", ["2026-12-05"], [24], [11], [11 / 24])
    root = ElementTree.fromstring(svg)
    markers = list(root.iter(f"{SVG}circle"))
    assert len(markers) == 2  # the day's point, and the legend's sample of it
    shown = texts(svg)
    assert "46 % (11 of 24)" in shown
    assert "Whole range: 24 items, 11 red; red share 46 % (11 of 24)" in shown
    assert "11 of 24 red" in shown  # the day's counts under its label
    assert "46 % (11 of 24)" in description(svg)
    assert root.get("aria-label") == "Reputation risk trend"


def test_the_right_axis_is_named_red_share_with_ticks_not_a_figure() -> None:
    svg = trend_chart("t", ["2026-12-04", "2026-12-05"], [10, 14], [1, 10], [0.1, 10 / 14])
    shown = texts(svg)
    assert "100% red" not in svg and "100 % red" not in svg
    assert {"0 %", "50 %", "100 %"} <= set(shown)
    assert "red share" in shown and "items" in shown  # the two axes' titles
    assert "10 % (1 of 10)" in shown and "71 % (10 of 14)" in shown
    assert svg.count("<polyline") == 1


def test_many_buckets_label_the_last_and_highest_share_and_sum_up_the_range() -> None:
    labels = [f"2026-11-{d:02d}" for d in range(1, 29)]
    counts = [4] * 28
    reds = [1] * 28
    reds[10] = 3
    svg = trend_chart("t", labels, counts, reds, [r / 4 for r in reds])
    shown = texts(svg)
    assert "75 %" in shown and "25 %" in shown
    assert "Whole range: 112 items, 30 red; red share 27 % (30 of 112)" in shown
    assert "2026-11-11: 4 items, 3 red, red share 75 % (3 of 4)" in description(svg)


def test_a_zero_agreement_bar_is_a_visible_mark_labelled_0_percent() -> None:
    svg = grouped_bar_chart(
        "Agreement",
        ["complaint", "review"],
        [("v1", [0.0, 0.5])],
        unit="%",
        maximum=1.0,
        axis="agreement",
        notes=[["0 of 3", "1 of 2"]],
    )
    root = ElementTree.fromstring(svg)
    zero = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "chart-zero"]
    assert len(zero) == 1 and float(zero[0].get("height") or 0) > 0
    assert float(zero[0].get("width") or 0) > 0
    shown = texts(svg)
    assert "0 %" in shown and "50 %" in shown and "agreement" in shown
    assert "complaint, v1: 0 % (0 of 3)" in description(svg)
    assert "100 %" in shown  # the axis' top tick, with 0 % and 50 % below it


def test_response_time_reads_n_a_for_severities_without_data() -> None:
    svg = grouped_bar_chart(
        "Escalation response time by severity",
        ["green", "yellow", "red"],
        [("p50", [None, 3600.0, 120.0]), ("p90", [None, 7200.0, 600.0])],
        unit="duration",
    )
    shown = texts(svg)
    assert shown.count("n/a") == 2  # green, p50 and p90
    assert {"1h 00m", "2h 00m", "2m", "10m"} <= set(shown)
    assert "green, p50: n/a" in description(svg)
    nothing = grouped_bar_chart("t", ["green", "red"], [("p50", [None, None])], unit="duration")
    assert texts(nothing).count("n/a") == 2 and "No data" not in nothing
    # Half a second is a sliver on a scale of at least a minute, not a full bar.
    quick = ElementTree.fromstring(
        grouped_bar_chart("t", ["red"], [("p50", [0.5])], unit="duration")
    )
    (bar,) = [r for r in quick.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert float(bar.get("height") or 0) < 5


def test_bar_chart_writes_every_figure_zero_and_missing_included() -> None:
    svg = bar_chart(
        "Severity agreement",
        [Bar("v1", 0.0, "0 of 3"), Bar("v2", 0.5, "1 of 2"), Bar("v3", None)],
        unit="%",
        maximum=1.0,
    )
    assert texts(svg)[1::2] == ["0 % (0 of 3)", "50 % (1 of 2)", "n/a"]
    assert "chart-zero" in svg
    assert description(svg) == "v1: 0 % (0 of 3); v2: 50 % (1 of 2); v3: n/a"


def test_labels_are_escaped_and_no_data_says_so() -> None:
    svg = bar_chart("t", [Bar("<b>x</b>", 0.5)], unit="%")
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "50 %" in svg
    assert "No data" in bar_chart("t", [])
    assert "No data" in grouped_bar_chart("t", [], [("s", [])])
    assert "No data" in trend_chart("t", ["d1"], [0], [0], [None])


def _metrics() -> dict[str, Any]:
    """The figures `compute_metrics` returns, for one day with 24 items of which 11 red."""
    times = {"items": 0, "acknowledged": 0, "p50_seconds": None, "p90_seconds": None}
    return {
        "escalation_response_time": {
            "by_severity": [
                {"severity": "green"} | times,
                {"severity": "yellow"} | times,
                {"severity": "red", "items": 11, "acknowledged": 2}
                | {"p50_seconds": 600.0, "p90_seconds": 900.0},
            ]
        },
        "reputation_risk_trend": {
            "buckets": [{"label": "2026-12-05", "items": 24, "red": 11, "red_share": 11 / 24}]
        },
        "resolution_completion": {"rate": 0.0, "resolved": 0, "denominator": 11},
        "repeat_issues": {"by_category": [], "by_source": []},
        "model_agreement": {
            "rows": [
                {
                    "model_version": "3",
                    "head": "category",
                    "by_proposed_class": [
                        {"proposed": "complaint", "reviews": 3, "agreed": 0, "rate": 0.0},
                        {"proposed": "review", "reviews": 2, "agreed": 2, "rate": 1.0},
                    ],
                },
                {"model_version": "3", "head": "severity", "rate": 0.6, "agreed": 3, "reviews": 5},
            ]
        },
        "rule_precision": {"families": []},
    }


def test_dashboard_charts_carry_the_figures_of_one_day() -> None:
    charts = dashboard_charts(_metrics())
    assert "46 % (11 of 24)" in texts(charts["risk_trend"])
    agreement = texts(charts["agreement_category"])
    assert "0 %" in agreement and "100 %" in agreement
    assert "complaint, 3: 0 % (0 of 3)" in description(charts["agreement_category"])
    response = texts(charts["response_time"])
    assert response.count("n/a") == 4 and "10m" in response and "15m" in response
    assert "red, p50: 10m (2 of 11 acknowledged)" in description(charts["response_time"])
    assert texts(charts["completion"])[-1] == "0 % (0 of 11)"
    assert re.search(r"60 % \(3 of 5\)", charts["agreement_severity"])
