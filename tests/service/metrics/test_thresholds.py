"""Thresholds that make decisions (issue 19), on the real app and database (SQLite and
PostgreSQL): a crossing raises exactly one alert and one `metric_threshold` webhook however
often it is evaluated, recovery clears it, a new crossing raises a new one; each metric reads
the figures it names; an invalid threshold is refused with a message; and two evaluations at
once on PostgreSQL raise one alert.

Items are classified through the API; their received_at, severity and acknowledgement times are
then written on the rows (test setup, as in test_metrics.py) so the figures are known.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from service.db import transaction
from service.metrics.thresholds import check_thresholds, evaluate
from service.routing.policy import PolicyError, load_policy, parse_policy
from service.routing.thresholds import Threshold, ThresholdMetric
from service.tables import Item, MetricAlert, Theme, WebhookOutbox
from tests.service.test_service_cli import triage

NOW = datetime(2025, 3, 10, 12, tzinfo=UTC)
NOWHERE = "http://127.0.0.1:9/hook"  # nothing listens: notifications stay in the outbox
RED_SHARE = Threshold(
    name="red-share-high",
    metric=ThresholdMetric.RED_SHARE,
    comparison="above",
    value=0.5,
    window_hours=24,
    min_items=4,
)


def _items(api: Any, count: int) -> list[int]:
    ids = []
    for n in range(count):
        response = api.post(
            "/v1/classify", "helpdesk", json={"text": f"Feedback number {n} about the export"}
        )
        assert response.status_code == 200, response.text
        ids.append(response.json()["id"])
    return ids


def _write(api: Any, item_ids: list[int], **fields: Any) -> None:
    with transaction(api.runtime.factory) as session:
        for item_id in item_ids:
            item = session.get(Item, item_id)
            assert item is not None
            for name, value in fields.items():
                setattr(item, name, value)


def _use(api: Any, *thresholds: Threshold) -> None:
    api.runtime.policy = api.runtime.policy.model_copy(update={"thresholds": list(thresholds)})


def _counts(api: Any) -> tuple[int, int, int]:
    """(alerts, open alerts, metric_threshold notifications)."""
    with transaction(api.runtime.factory) as session:
        alerts = session.scalar(select(func.count()).select_from(MetricAlert))
        opened = session.scalar(
            select(func.count()).select_from(MetricAlert).where(MetricAlert.cleared_at.is_(None))
        )
        sent = session.scalar(
            select(func.count())
            .select_from(WebhookOutbox)
            .where(WebhookOutbox.kind == "metric_threshold")
        )
    return int(alerts or 0), int(opened or 0), int(sent or 0)


def test_a_crossing_raises_once_clears_on_recovery_and_raises_again(make_api: Any) -> None:
    api = make_api(webhook_url=NOWHERE, webhook_max_attempts=1)
    _use(api, RED_SHARE)
    ids = _items(api, 4)
    _write(api, ids, received_at=NOW - timedelta(hours=2), severity="green")
    _write(api, ids[:3], severity="red")  # red share 0.75 > 0.5

    first = check_thresholds(api.runtime, now=NOW)
    assert first.raised == ["red-share-high"]
    assert first.readings["red-share-high"].value == pytest.approx(0.75)
    for minutes in (1, 2, 3):  # still crossed: nothing more is raised or sent
        again = check_thresholds(api.runtime, now=NOW + timedelta(minutes=minutes))
        assert again.raised == [] and again.open == ["red-share-high"]
    assert _counts(api) == (1, 1, 1)

    with transaction(api.runtime.factory) as session:
        (payload,) = session.scalars(
            select(WebhookOutbox.payload).where(WebhookOutbox.kind == "metric_threshold")
        ).all()
    assert payload["item"] is None
    assert payload["event"]["kind"] == "metric_threshold"
    assert payload["event"]["threshold"] == "red-share-high"
    assert payload["event"]["value"] == pytest.approx(0.75)
    assert payload["event"]["limit"] == 0.5
    assert payload["event"]["details"] == {"items": 4, "red": 3}

    body = api.get("/v1/alerts", "reviewer").json()
    (alert,) = body["open"]
    assert (alert["threshold"], alert["metric"], alert["comparison"]) == (
        "red-share-high",
        "red_share",
        "above",
    )
    assert alert["open"] is True and alert["cleared_at"] is None
    assert alert["raised_at"].startswith("2025-03-10T12:00:00")
    assert alert["checked_at"].startswith("2025-03-10T12:03:00")

    _write(api, ids[:2], severity="green")  # red share 0.25: recovered
    recovered = check_thresholds(api.runtime, now=NOW + timedelta(minutes=10))
    assert recovered.cleared == ["red-share-high"] and recovered.raised == []
    assert check_thresholds(api.runtime, now=NOW + timedelta(minutes=11)).cleared == []
    assert _counts(api) == (1, 0, 1)
    body = api.get("/v1/alerts").json()
    assert body["open"] == []
    (cleared,) = body["recent"]
    assert cleared["cleared_value"] == pytest.approx(0.25) and cleared["open"] is False

    _write(api, ids[:2], severity="red")  # crossed again: a new alert
    assert check_thresholds(api.runtime, now=NOW + timedelta(minutes=20)).raised == [
        "red-share-high"
    ]
    assert _counts(api) == (2, 1, 2)
    recent = api.get("/v1/alerts", params={"limit": 1}).json()["recent"]
    assert len(recent) == 1 and recent[0]["open"] is True


def test_too_few_items_is_no_reading_and_changes_nothing(make_api: Any) -> None:
    api = make_api(webhook_url=NOWHERE, webhook_max_attempts=1)
    _use(api, RED_SHARE)
    ids = _items(api, 3)
    _write(api, ids, received_at=NOW - timedelta(hours=2), severity="red")
    check = check_thresholds(api.runtime, now=NOW)
    assert check.readings["red-share-high"].value is None  # 3 items < min_items 4
    assert (check.raised, check.cleared) == ([], [])
    # Items older than the window do not count: still three in the last 24 hours.
    (old,) = _items(api, 1)
    _write(api, [old], received_at=NOW - timedelta(hours=30), severity="red")
    assert check_thresholds(api.runtime, now=NOW).readings["red-share-high"].value is None
    assert _counts(api) == (0, 0, 0)


def test_each_metric_reads_its_figure(make_api: Any) -> None:
    api = make_api()
    ids = _items(api, 6)
    received = NOW - timedelta(hours=10)
    _write(api, ids, received_at=received, severity="yellow", status="routed")
    # Acknowledged after 10, 20, 30, 40 minutes: p90 = 30 + 0.7 * 10 = 37 minutes.
    for item_id, minutes in zip(ids, (10, 20, 30, 40), strict=False):
        _write(api, [item_id], acknowledged_at=received + timedelta(minutes=minutes))
    _write(api, ids[:2], status="resolved")  # 2 of 6 needing action resolved
    with transaction(api.runtime.factory) as session:
        for theme_id, label in ((1, "late deliveries"), (2, "invoices")):
            session.add(
                Theme(
                    id=theme_id,
                    label=label,
                    label_source="keywords",
                    status="active",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    # Theme 1: 4 items this week, 1 the week before (growth 4); theme 2: 2 and 2 (growth 1).
    _write(api, ids[:4], theme_id=1)
    _write(api, ids[4:], theme_id=2)
    (before_1, before_2a, before_2b) = _items(api, 3)
    week_before = NOW - timedelta(days=8)
    _write(api, [before_1], theme_id=1, received_at=week_before)
    _write(api, [before_2a, before_2b], theme_id=2, received_at=week_before)

    thresholds = [
        Threshold(
            name="p90",
            metric=ThresholdMetric.RESPONSE_P90_MINUTES,
            comparison="above",
            value=30,
            window_hours=24,
        ),
        Threshold(
            name="rate",
            metric=ThresholdMetric.RESOLUTION_RATE,
            comparison="below",
            value=0.5,
            window_hours=24,
        ),
        Threshold(
            name="growth",
            metric=ThresholdMetric.THEME_GROWTH,
            comparison="above",
            value=3,
            window_hours=24 * 7,
            min_items=2,
        ),
        Threshold(name="calm", metric=ThresholdMetric.RED_SHARE, comparison="above", value=0.1),
    ]
    with transaction(api.runtime.factory) as session:
        check = evaluate(session, thresholds, notifier=None, now=NOW)
    assert check.readings["p90"].value == pytest.approx(37.0)
    assert check.readings["p90"].details == {"acknowledged": 4, "waiting": 2}
    assert check.readings["rate"].value == pytest.approx(2 / 6)
    assert check.readings["growth"].value == pytest.approx(4.0)
    assert check.readings["growth"].details == {
        "theme_id": 1,
        "label": "late deliveries",
        "items": 4,
        "previous_items": 1,
    }
    assert check.readings["calm"].value == 0.0
    assert sorted(check.raised) == ["growth", "p90", "rate"]
    body = api.get("/v1/alerts").json()
    assert sorted(a["threshold"] for a in body["open"]) == ["growth", "p90", "rate"]

    # A threshold taken out of the policy has its open alert cleared.
    with transaction(api.runtime.factory) as session:
        check = evaluate(session, thresholds[:2], notifier=None, now=NOW + timedelta(minutes=5))
    assert check.cleared == ["growth"]
    assert sorted(a["threshold"] for a in api.get("/v1/alerts").json()["open"]) == ["p90", "rate"]
    with transaction(api.runtime.factory) as session:
        check = evaluate(session, [], notifier=None, now=NOW + timedelta(minutes=6))
    assert sorted(check.cleared) == ["p90", "rate"]
    assert api.get("/v1/alerts").json()["open"] == []


def _policy_with(*thresholds: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = load_policy().model_dump(mode="json")
    data["thresholds"] = list(thresholds)
    return data


@pytest.mark.parametrize(
    ("threshold", "message"),
    [
        (
            {"name": "x", "metric": "red_share_daily", "comparison": "above", "value": 0.2},
            "thresholds[0] ('x').metric: Input should be 'red_share', 'response_p90_minutes', "
            "'resolution_rate' or 'theme_growth'",
        ),
        (
            {"name": "x", "metric": "red_share", "comparison": "above", "value": 25},
            "value 25 is out of range for red_share: it is a fraction between 0 and 1",
        ),
        (
            {"name": "x", "metric": "response_p90_minutes", "comparison": "above", "value": -5},
            "thresholds[0] ('x').value: Input should be greater than or equal to 0",
        ),
        (
            {"name": "x", "metric": "theme_growth", "comparison": "over", "value": 2},
            "thresholds[0] ('x').comparison: Input should be 'above' or 'below'",
        ),
        (
            {"name": "x", "metric": "red_share", "comparison": "above", "value": "lots"},
            "thresholds[0] ('x').value: Input should be a valid number",
        ),
        (
            {"name": "x", "metric": "red_share", "comparison": "above", "value": 0.2, "days": 1},
            "thresholds[0] ('x').days: Extra inputs are not permitted",
        ),
    ],
)
def test_an_invalid_threshold_is_refused_with_a_message(
    threshold: dict[str, Any], message: str
) -> None:
    with pytest.raises(PolicyError) as refused:
        parse_policy(_policy_with(threshold), source="test.json")
    assert message in str(refused.value)
    assert str(refused.value).startswith("invalid routing policy test.json: ")


def test_threshold_names_must_be_unique_and_the_policy_shows_them(api: Any) -> None:
    twice = {"name": "same", "metric": "red_share", "comparison": "above", "value": 0.2}
    with pytest.raises(PolicyError, match=r"threshold names must be unique; repeated: \['same'\]"):
        parse_policy(_policy_with(twice, twice))
    shipped = api.get("/v1/policy").json()["thresholds"]
    assert {t["metric"] for t in shipped} == {m.value for m in ThresholdMetric}
    assert all(t["comparison"] in ("above", "below") for t in shipped)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_evaluations_at_once_raise_one_alert(make_api: Any) -> None:
    """Evaluation A raises the alert and has not committed when evaluation B reads the state:
    B sees no open alert and tries to raise it too. B's insert waits for A and then inserts
    nothing, so one alert and one webhook, not two."""
    api = make_api(webhook_url=NOWHERE, webhook_max_attempts=1)
    ids = _items(api, 4)
    _write(api, ids, received_at=NOW - timedelta(hours=2), severity="red")
    notifier = api.runtime.notifier
    outcome: dict[str, Any] = {}

    def second() -> None:
        with transaction(api.runtime.factory) as session:
            outcome["b"] = evaluate(session, [RED_SHARE], notifier=notifier, now=NOW)

    with transaction(api.runtime.factory) as session_a:
        outcome["a"] = evaluate(session_a, [RED_SHARE], notifier=notifier, now=NOW)
        other = threading.Thread(target=second)
        other.start()
        time.sleep(1.0)
        assert other.is_alive(), "B should wait for A's uncommitted alert"
    other.join(timeout=30)
    assert not other.is_alive()
    assert outcome["a"].raised == ["red-share-high"]
    assert outcome["b"].raised == []
    assert _counts(api) == (1, 1, 1)

    # Many rounds of two threads evaluating together: still one alert, one webhook.
    start = threading.Barrier(2)

    def together() -> None:
        start.wait()
        check_thresholds(api.runtime, now=NOW)

    _use(api, RED_SHARE)
    for _ in range(5):
        with transaction(api.runtime.factory) as session:
            session.execute(MetricAlert.__table__.delete())
            session.execute(WebhookOutbox.__table__.delete())
        start.reset()
        pair = [threading.Thread(target=together) for _ in range(2)]
        for thread in pair:
            thread.start()
        for thread in pair:
            thread.join(timeout=30)
        assert _counts(api) == (1, 1, 1)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_triage_thresholds_check_runs_one_evaluation(
    make_api: Any, database_url: str, tmp_path: Path
) -> None:
    api = make_api()
    ids = _items(api, 4)
    _write(api, ids, severity="red")  # received just now: all in the last 24 hours
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(_policy_with(RED_SHARE.model_dump(mode="json"))), encoding="utf-8")
    env = {"TRIAGE_DATABASE_URL": database_url, "TRIAGE_ROUTING_POLICY": str(policy)}
    first = triage("thresholds", "check", env=env)
    assert first.returncode == 0, first.stderr
    assert "red-share-high: red_share 1 (above 0.5 raises) RAISED" in first.stdout
    assert "1 threshold(s): 1 alert(s) raised, 0 cleared, 1 open" in first.stdout
    second = triage("thresholds", "check", env=env)
    assert "red-share-high: red_share 1 (above 0.5 raises) open" in second.stdout
    assert _counts(api)[:2] == (1, 1)

    policy.write_text(
        json.dumps(_policy_with({**RED_SHARE.model_dump(mode="json"), "metric": "red"})),
        encoding="utf-8",
    )
    refused = triage("thresholds", "check", env=env)
    assert refused.returncode == 2
    assert "thresholds[0] ('red-share-high').metric: Input should be" in refused.stderr
