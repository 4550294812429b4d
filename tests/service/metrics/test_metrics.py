"""GET /v1/metrics on the real app and database (SQLite and PostgreSQL): a known scenario built
through the API, with figures worked out by hand.

The model's proposals and the times are test setup: after classifying, each item's latest
prediction and current labels are set to known values (the rules' red flags stay real), and
after the human steps, received/acknowledged/due times are written on the rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from service.db import transaction
from service.items import flows
from service.tables import Item, Prediction

BASE = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday
OLD = "m-old"
RANGE = {"received_from": "2024-01-01T00:00:00Z", "received_to": "2024-01-15T00:00:00Z"}

# key: (text, source, account, received_at, model category, shown severity, model severity,
#       model version or None for the real one)
SCENARIO: dict[int, tuple[str, str, str | None, datetime, str, str, str, str | None]] = {
    1: (
        "We will sue you over the lost pallet",
        "g2",
        "A",
        BASE,
        "complaint",
        "red",
        "yellow",
        None,
    ),
    2: (
        "Our lawyer will be in touch about the invoice",
        "trustpilot",
        "A",
        BASE + timedelta(hours=2),
        "complaint",
        "red",
        "yellow",
        None,
    ),
    3: (
        "Your portal leaked our customer data to another tenant",
        "g2",
        "B",
        BASE + timedelta(hours=5),
        "service_issue",
        "red",
        "red",
        None,
    ),
    4: (
        "Great product, smooth onboarding",
        "g2",
        "B",
        BASE + timedelta(days=1, hours=3),
        "review",
        "green",
        "green",
        OLD,
    ),
    5: (
        "Delivery was late again this week",
        "email",
        "A",
        BASE + timedelta(days=1, hours=9),
        "service_issue",
        "yellow",
        "yellow",
        OLD,
    ),
    6: (
        "Delivery late and the driver was rude",
        "email",
        "A",
        BASE + timedelta(days=7, hours=1),
        "complaint",
        "yellow",
        "yellow",
        None,
    ),
    7: (
        "Thanks for the quick answer",
        "linkedin",
        "B",
        BASE + timedelta(days=7, hours=23, minutes=59),
        "review",
        "green",
        "green",
        None,
    ),
    8: (
        "We will sue you, this is the last straw",
        "g2",
        "A",
        datetime(2024, 2, 15, 12, tzinfo=UTC),
        "complaint",
        "red",
        "yellow",
        None,
    ),
}
# seconds from received_at to acknowledged_at
ACKNOWLEDGED_AFTER = {1: 600, 2: 1200, 3: 3000, 5: 1800}


def _write(api: Any, item_id: int, **fields: Any) -> None:
    with transaction(api.runtime.factory) as session:
        item = session.get(Item, item_id)
        assert item is not None
        for name, value in fields.items():
            setattr(item, name, value)


def _version(api: Any, item_id: int) -> int:
    response = api.get(f"/v1/items/{item_id}")
    assert response.status_code == 200, response.text
    version: int = response.json()["version"]
    return version


def _step(api: Any, item_id: int, step: str, **body: Any) -> dict[str, Any]:
    body = {"version": _version(api, item_id)} | body
    response = api.post(f"/v1/items/{item_id}/{step}", "reviewer", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _build_scenario(api: Any) -> tuple[dict[int, int], str]:
    """Classify, set the model's proposals, review, acknowledge, resolve, dismiss, escalate,
    then set the times. Returns scenario key -> item id, and the real model version."""
    ids: dict[int, int] = {}
    model_version = ""
    for key, (text, source, account, *_rest) in SCENARIO.items():
        response = api.post(
            "/v1/classify",
            "helpdesk",
            json={"text": text, "source": source, "account_id": account, "external_id": f"m{key}"},
        )
        assert response.status_code == 200, response.text
        ids[key] = response.json()["id"]
        model_version = response.json()["model_version"]
        assert model_version
    with transaction(api.runtime.factory) as session:
        for key, (*_, category, shown, model_severity, version) in SCENARIO.items():
            item = session.get(Item, ids[key])
            assert item is not None
            item.category, item.severity = category, shown
            item.owner = "support"  # not leadership, so item 7 can be escalated
            prediction = session.scalars(
                select(Prediction).where(Prediction.item_id == ids[key])
            ).one()
            prediction.category, prediction.severity = category, shown
            prediction.model_severity = model_severity
            prediction.model_version = version or model_version

    _step(api, ids[1], "review", action="confirm")
    _step(api, ids[2], "review", action="confirm")  # superseded by the correction below
    _step(api, ids[2], "review", action="correct", category="complaint", severity="yellow")
    _step(api, ids[3], "review", action="confirm")
    _step(api, ids[4], "review", action="confirm")
    _step(api, ids[5], "review", action="correct", category="complaint", severity="yellow")
    _step(api, ids[1], "acknowledge")
    review = {"what_happened": "a legal threat", "what_failed": "a slow reply"}
    _step(
        api,
        ids[1],
        "resolve",
        action_taken="called them",
        internal_change="new check",
        root_cause="process",
        review=review,
    )
    _step(api, ids[2], "acknowledge")
    _step(
        api,
        ids[3],
        "resolve",
        action_taken="rotated keys",
        internal_change="audit",
        root_cause="product_defect",
        review=review,
    )
    _step(api, ids[5], "acknowledge", note="on it")
    _step(api, ids[6], "dismiss", reason="duplicate")

    _write(api, ids[7], due_at=datetime.now(UTC) - timedelta(minutes=1))
    assert flows.escalate(api.runtime) == [ids[7]]

    later = datetime.now(UTC) + timedelta(days=1)
    for key, (_, _, _, received, *_rest) in SCENARIO.items():
        fields: dict[str, Any] = {"received_at": received, "due_at": later}
        if key in ACKNOWLEDGED_AFTER:
            fields["acknowledged_at"] = received + timedelta(seconds=ACKNOWLEDGED_AFTER[key])
        if key == 7:
            fields["due_at"] = BASE  # waiting and overdue now
        _write(api, ids[key], **fields)
    return ids, model_version


def _metrics(api: Any, role: str = "admin", **params: str) -> dict[str, Any]:
    response = api.get("/v1/metrics", role, params=params)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _row(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    (found,) = [r for r in rows if all(r[k] == v for k, v in match.items())]
    return found


def _counts(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("items_flagged", "reviewed", "confirmed_red", "precision")}


def test_metrics_on_a_known_scenario(api: Any) -> None:
    _ids, model_version = _build_scenario(api)

    body = _metrics(api, "helpdesk", **RANGE)
    assert body["items"] == 7
    assert body["range"]["received_from"] == "2024-01-01T00:00:00+00:00"
    assert body["range"]["received_to"] == "2024-01-15T00:00:00+00:00"

    # Response time: acknowledged after [600, 1200, 1800, 3000] s.
    response_time = body["escalation_response_time"]
    assert response_time["unit"] == "seconds"
    assert response_time["overall"] == {
        "items": 7,
        "acknowledged": 4,
        "waiting": 2,  # items 4 and 7
        "closed_unacknowledged": 1,  # item 6, dismissed
        "overdue_now": 1,  # item 7
        "p50_seconds": pytest.approx(1500.0),
        "p90_seconds": pytest.approx(2640.0),  # 1800 + 0.7 * 1200
    }
    by_severity = response_time["by_severity"]
    assert [r["severity"] for r in by_severity] == ["green", "yellow", "red"]
    assert _row(by_severity, severity="red") == {
        "severity": "red",
        "items": 2,
        "acknowledged": 2,
        "waiting": 0,
        "closed_unacknowledged": 0,
        "overdue_now": 0,
        "p50_seconds": pytest.approx(1800.0),
        "p90_seconds": pytest.approx(2760.0),  # 600 + 0.9 * 2400
    }
    yellow = _row(by_severity, severity="yellow")
    assert (yellow["items"], yellow["acknowledged"], yellow["closed_unacknowledged"]) == (3, 2, 1)
    assert yellow["p50_seconds"] == pytest.approx(1500.0)
    assert yellow["p90_seconds"] == pytest.approx(1740.0)
    green = _row(by_severity, severity="green")
    assert (green["items"], green["acknowledged"], green["waiting"], green["overdue_now"]) == (
        2,
        0,
        2,
        1,
    )
    assert green["p50_seconds"] is None and green["p90_seconds"] is None

    # Completion: needing action = yellow/red 1,2,3,5,6 + escalated 7.
    completion = body["resolution_completion"]
    assert {k: v for k, v in completion.items() if k != "definition"} == {
        "unit": "fraction",
        "needing_action": 6,
        "escalated": 1,
        "resolved": 2,
        "dismissed": 1,
        "open": 3,
        "denominator": 5,
        "rate": pytest.approx(0.4),
    }

    repeat = body["repeat_issues"]
    assert repeat["items"] == 7
    assert [(r["category"], r["items"]) for r in repeat["by_category"]] == [
        ("complaint", 4),
        ("review", 2),
        ("service_issue", 1),
    ]
    assert _row(repeat["by_category"], category="complaint")["share"] == pytest.approx(4 / 7)
    assert [(r["source"], r["items"]) for r in repeat["by_source"]] == [
        ("g2", 3),
        ("email", 2),
        ("linkedin", 1),
        ("trustpilot", 1),
    ]
    assert [(r["category"], r["source"], r["items"]) for r in repeat["by_category_source"]] == [
        ("complaint", "email", 2),
        ("complaint", "g2", 1),
        ("complaint", "trustpilot", 1),
        ("review", "g2", 1),
        ("review", "linkedin", 1),
        ("service_issue", "g2", 1),
    ]
    assert repeat["repeat_accounts"] == [
        {"account_id": "A", "category": "complaint", "items": 4},
        {"account_id": "B", "category": "review", "items": 2},
    ]

    trend = body["reputation_risk_trend"]
    assert (trend["bucket"], trend["timezone"], trend["zero_filled"]) == ("day", "UTC", True)
    buckets = trend["buckets"]
    assert [b["start"] for b in buckets] == [f"2024-01-{d:02d}" for d in range(1, 15)]
    assert buckets[0] == {
        "label": "2024-01-01",
        "start": "2024-01-01",
        "end": "2024-01-02",
        "items": 3,
        "red": 2,
        "red_share": pytest.approx(2 / 3),
    }
    assert (buckets[1]["items"], buckets[1]["red"], buckets[1]["red_share"]) == (2, 0, 0.0)
    assert (buckets[2]["items"], buckets[2]["red"], buckets[2]["red_share"]) == (0, 0, None)
    assert (buckets[7]["items"], buckets[7]["red"]) == (2, 0)  # Jan 8, items 6 and 7
    assert sum(b["items"] for b in buckets) == 7

    agreement = body["model_agreement"]
    assert agreement["reviewed_items"] == 5
    rows = agreement["rows"]
    assert len(rows) == 6  # two versions x three heads
    current = _row(rows, model_version=model_version, head="category")
    assert (current["reviews"], current["agreed"], current["rate"]) == (3, 3, 1.0)
    assert [(c["proposed"], c["reviews"], c["agreed"]) for c in current["by_proposed_class"]] == [
        ("complaint", 2, 2),
        ("service_issue", 1, 1),
    ]
    severity = _row(rows, model_version=model_version, head="severity")
    assert (severity["reviews"], severity["agreed"]) == (3, 2)
    assert severity["rate"] == pytest.approx(2 / 3)
    assert severity["by_proposed_class"] == [
        {"proposed": "red", "reviews": 1, "agreed": 1, "rate": 1.0},
        {"proposed": "yellow", "reviews": 2, "agreed": 1, "rate": 0.5},
    ]
    shown = _row(rows, model_version=model_version, head="severity_with_rules")
    assert shown["by_proposed_class"] == [
        {"proposed": "red", "reviews": 3, "agreed": 2, "rate": pytest.approx(2 / 3)}
    ]
    old = _row(rows, model_version=OLD, head="category")
    assert (old["reviews"], old["agreed"], old["rate"]) == (2, 1, 0.5)
    assert old["by_proposed_class"] == [
        {"proposed": "review", "reviews": 1, "agreed": 1, "rate": 1.0},
        {"proposed": "service_issue", "reviews": 1, "agreed": 0, "rate": 0.0},
    ]
    old_severity = _row(rows, model_version=OLD, head="severity")
    assert (old_severity["reviews"], old_severity["agreed"]) == (2, 2)

    precision = body["rule_precision"]
    assert [f["family"] for f in precision["families"]] == ["legal", "security", "fraud", "safety"]
    assert _counts(_row(precision["families"], family="legal")) == {
        "items_flagged": 2,
        "reviewed": 2,
        "confirmed_red": 1,
        "precision": 0.5,
    }
    assert _counts(_row(precision["families"], family="security")) == {
        "items_flagged": 1,
        "reviewed": 1,
        "confirmed_red": 1,
        "precision": 1.0,
    }
    assert _counts(_row(precision["families"], family="fraud")) == {
        "items_flagged": 0,
        "reviewed": 0,
        "confirmed_red": 0,
        "precision": None,
    }
    assert _counts(precision["any_family"]) == {
        "items_flagged": 3,
        "reviewed": 3,
        "confirmed_red": 2,
        "precision": pytest.approx(2 / 3),
    }

    # Weekly buckets: ISO weeks starting Monday Jan 1 and Jan 8.
    weekly = _metrics(api, "reviewer", bucket="week", **RANGE)["reputation_risk_trend"]
    assert [
        (b["label"], b["start"], b["end"], b["items"], b["red"]) for b in weekly["buckets"]
    ] == [
        ("2024-W01", "2024-01-01", "2024-01-08", 5, 2),
        ("2024-W02", "2024-01-08", "2024-01-15", 2, 0),
    ]
    assert weekly["buckets"][0]["red_share"] == pytest.approx(0.4)

    # A one-day range keeps items 1-3 only.
    day = _metrics(
        api, received_from="2024-01-01T00:00:00+00:00", received_to="2024-01-02T00:00:00+00:00"
    )
    assert day["items"] == 3
    assert day["escalation_response_time"]["overall"]["p50_seconds"] == pytest.approx(1200.0)
    assert day["escalation_response_time"]["overall"]["p90_seconds"] == pytest.approx(2640.0)
    assert day["resolution_completion"]["rate"] == pytest.approx(2 / 3)
    assert [
        (b["start"], b["items"], b["red"]) for b in day["reputation_risk_trend"]["buckets"]
    ] == [("2024-01-01", 3, 2)]
    assert day["model_agreement"]["reviewed_items"] == 3
    assert {r["model_version"] for r in day["model_agreement"]["rows"]} == {model_version}

    # No range: every item, including item 8 (February); observed buckets only.
    everything = _metrics(api)
    assert everything["items"] == 8
    assert everything["range"]["received_from"] is None
    trend_all = everything["reputation_risk_trend"]
    assert trend_all["zero_filled"] is False
    assert [(b["start"], b["items"]) for b in trend_all["buckets"]] == [
        ("2024-01-01", 3),
        ("2024-01-02", 2),
        ("2024-01-08", 2),
        ("2024-02-15", 1),
    ]
    legal = _row(everything["rule_precision"]["families"], family="legal")
    assert (legal["items_flagged"], legal["reviewed"], legal["confirmed_red"]) == (3, 2, 1)
    assert everything["repeat_issues"]["repeat_accounts"][0] == {
        "account_id": "A",
        "category": "complaint",
        "items": 5,
    }

    # One open end: from Jan 2 on, items 4-8; a naive bound reads as UTC.
    since = _metrics(api, received_from="2024-01-02T00:00:00")
    assert since["items"] == 5
    assert [b["start"] for b in since["reputation_risk_trend"]["buckets"]] == [
        "2024-01-02",
        "2024-01-08",
        "2024-02-15",
    ]


def test_empty_database_gives_nulls(api: Any) -> None:
    body = _metrics(api)
    assert body["items"] == 0
    overall = body["escalation_response_time"]["overall"]
    assert overall == {
        "items": 0,
        "acknowledged": 0,
        "waiting": 0,
        "closed_unacknowledged": 0,
        "overdue_now": 0,
        "p50_seconds": None,
        "p90_seconds": None,
    }
    assert [r["severity"] for r in body["escalation_response_time"]["by_severity"]] == [
        "green",
        "yellow",
        "red",
    ]
    assert body["resolution_completion"]["rate"] is None
    assert body["resolution_completion"]["needing_action"] == 0
    assert body["repeat_issues"]["by_category"] == []
    assert body["repeat_issues"]["repeat_accounts"] == []
    assert body["reputation_risk_trend"]["buckets"] == []
    assert body["model_agreement"]["rows"] == []
    assert all(f["precision"] is None for f in body["rule_precision"]["families"])
    assert body["rule_precision"]["any_family"]["precision"] is None
    for section in (
        "escalation_response_time",
        "resolution_completion",
        "repeat_issues",
        "reputation_risk_trend",
        "model_agreement",
        "rule_precision",
    ):
        assert body[section]["definition"]

    week = _metrics(api, bucket="week", **RANGE)["reputation_risk_trend"]
    assert week["zero_filled"] is True
    assert [(b["start"], b["items"], b["red"], b["red_share"]) for b in week["buckets"]] == [
        ("2024-01-01", 0, 0, None),
        ("2024-01-08", 0, 0, None),
    ]
    # Too many buckets to fill: only observed ones (none).
    wide = _metrics(api, received_from="2000-01-01T00:00:00Z", received_to="2024-01-01T00:00:00Z")
    assert wide["reputation_risk_trend"]["zero_filled"] is False
    assert wide["reputation_risk_trend"]["buckets"] == []


def test_bad_parameters_get_422(api: Any) -> None:
    backwards = {"received_from": "2024-01-02T00:00:00Z", "received_to": "2024-01-01T00:00:00Z"}
    assert api.get("/v1/metrics", params=backwards).status_code == 422
    assert api.get("/v1/metrics", params={"bucket": "month"}).status_code == 422
    assert api.get("/v1/metrics", params={"received_from": "yesterday"}).status_code == 422


def test_every_role_reads_metrics_and_no_key_is_refused(api: Any) -> None:
    for role in ("helpdesk", "reviewer", "admin"):
        assert api.get("/v1/metrics", role).status_code == 200
    assert api.client.get("/v1/metrics").status_code == 401
    bad = {"Authorization": "Bearer not-a-key"}
    assert api.client.get("/v1/metrics", headers=bad).status_code == 401


def test_every_metrics_figure_is_in_the_api_schema(api: Any) -> None:
    """The response model names every section and figure, so /openapi.json documents them
    and a figure the code stops filling is a 500 in the tests, not a silent gap."""
    schemas = api.client.get("/openapi.json").json()["components"]["schemas"]
    metrics = schemas["MetricsOut"]
    assert set(metrics["required"]) == {
        "generated_at",
        "range",
        "items",
        "escalation_response_time",
        "resolution_completion",
        "repeat_issues",
        "repeat_by_theme",
        "reputation_risk_trend",
        "model_agreement",
        "rule_precision",
        "audit",
        "incidents",
        "resolution",
    }
    assert metrics["additionalProperties"] is False
    assert {"label", "items", "red", "red_share"} <= set(schemas["RiskBucket"]["properties"])
    assert {"p50_seconds", "p90_seconds"} <= set(schemas["ResponseTimes"]["properties"])


def test_percentiles_match_numpy_linear_interpolation() -> None:
    from service.metrics.service import percentile

    assert percentile([], 0.5) is None
    assert percentile([10.0], 0.9) == 10.0
    assert percentile([1.0, 2.0, 3.0, 10.0], 0.5) == 2.5  # between the two middle ranks
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.9) == pytest.approx(3.7)  # unsorted input
