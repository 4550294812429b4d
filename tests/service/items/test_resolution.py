"""Resolution that teaches (issue 19): resolving a yellow or red item names a root cause from
the policy's taxonomy, a red one adds a post-escalation review; both are stored on the item
and in the `resolved` event, and `GET /v1/metrics` reports resolution times and root causes.
Through the real HTTP API on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from service.db import make_engine, migrate, transaction
from service.routing.policy import DEFAULT_POLICY, PolicyError, load_policy, parse_policy
from service.routing.resolution import DEFAULT_ROOT_CAUSES
from service.tables import Event, Item, Theme

TEXT = "The export has been failing since Monday's update."
REVIEW = {
    "what_happened": "Exports failed for two days after the release.",
    "what_failed": "Support heard of it from a public review, not from monitoring.",
    "prevent_recurrence": "Alert on export errors.",
}
RESOLUTION = {
    "action_taken": "Rolled back the release and called the customer",
    "internal_change": "Export added to the release smoke tests",
}
BASE = datetime(2024, 1, 1, tzinfo=UTC)
RANGE = {"received_from": "2024-01-01T00:00:00Z", "received_to": "2024-01-08T00:00:00Z"}


def _routed(api: Any, severity: str, category: str = "service_issue") -> dict[str, Any]:
    """A routed item of `severity` and `category` (a reviewer's correction sets them)."""
    item = api.post("/v1/classify", "helpdesk", json={"text": TEXT}).json()
    corrected = api.post(
        f"/v1/items/{item['id']}/review",
        "reviewer",
        json={
            "version": item["version"],
            "action": "correct",
            "category": category,
            "severity": severity,
        },
    )
    assert corrected.status_code == 200, corrected.text
    body: dict[str, Any] = corrected.json()
    assert body["status"] == "routed" and body["severity"] == severity
    return body


def _resolve(api: Any, item: dict[str, Any], **body: Any) -> Any:
    return api.post(
        f"/v1/items/{item['id']}/resolve", "reviewer", json={"version": item["version"]} | body
    )


def _unchanged(api: Any, item: dict[str, Any]) -> None:
    """The refused resolution stored nothing: same status and version, no `resolved` event,
    no resolution columns."""
    now = api.get(f"/v1/items/{item['id']}").json()
    assert (now["status"], now["version"], now["resolution"]) == ("routed", item["version"], None)
    assert "resolved" not in [e["kind"] for e in now["events"]]
    with transaction(api.runtime.factory) as session:
        row = session.get(Item, item["id"])
        assert row is not None
        assert (row.root_cause, row.action_taken, row.resolution_review) == (None, None, None)


def test_a_yellow_item_without_a_root_cause_is_refused_and_stays_open(api: Any) -> None:
    item = _routed(api, "yellow")
    refused = _resolve(api, item, **RESOLUTION)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["error"] == "UnprocessableError"
    assert body["detail"].startswith("root_cause: resolving a yellow item needs a root_cause")
    assert body["errors"][0]["loc"] == ["body", "root_cause"]
    _unchanged(api, item)
    done = _resolve(api, item, **RESOLUTION, root_cause="product_defect")
    assert done.status_code == 200, done.text
    assert done.json()["resolution"]["root_cause"] == "product_defect"


def test_an_unknown_root_cause_names_the_allowed_ones(api: Any) -> None:
    item = _routed(api, "yellow")
    refused = _resolve(api, item, **RESOLUTION, root_cause="gremlins")
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert "'gremlins' is not one of: " + ", ".join(DEFAULT_ROOT_CAUSES) in detail
    _unchanged(api, item)
    # A green item may leave the root cause out, but one it names must be in the taxonomy too.
    green = _routed(api, "green", "review")
    assert _resolve(api, green, **RESOLUTION, root_cause="gremlins").status_code == 422
    _unchanged(api, green)


def test_a_red_item_needs_the_post_escalation_review(api: Any) -> None:
    item = _routed(api, "red")
    refused = _resolve(api, item, **RESOLUTION, root_cause="process")
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith(
        "review: resolving a red item needs a post-escalation review"
    )
    assert refused.json()["errors"][0]["loc"] == ["body", "review"]
    _unchanged(api, item)
    partial = _resolve(
        api, item, **RESOLUTION, root_cause="process", review={"what_happened": "It broke"}
    )
    assert partial.status_code == 422
    assert partial.json()["errors"][0]["loc"] == ["body", "review", "what_failed"]
    blank = _resolve(
        api, item, **RESOLUTION, root_cause="process", review=REVIEW | {"what_failed": "   "}
    )
    assert blank.status_code == 422 and "must not be blank" in blank.json()["detail"]
    no_action = _resolve(
        api, item, **(RESOLUTION | {"action_taken": " "}), root_cause="process", review=REVIEW
    )
    assert no_action.status_code == 422 and "action_taken" in no_action.json()["detail"]
    _unchanged(api, item)


def test_a_valid_resolution_is_stored_on_the_item_and_in_the_event(api: Any) -> None:
    item = _routed(api, "red")
    done = _resolve(api, item, **RESOLUTION, root_cause="third_party", review=REVIEW)
    assert done.status_code == 200, done.text
    expected = RESOLUTION | {"root_cause": "third_party", "review": REVIEW}
    assert done.json()["status"] == "resolved"
    assert done.json()["resolution"] == expected
    assert done.json()["version"] == item["version"] + 1  # one update
    stored = api.get(f"/v1/items/{item['id']}").json()
    assert stored["resolution"] == expected
    event = stored["events"][-1]
    assert event["kind"] == "resolved" and event["actor"] == "reviewer-test"
    assert event["data"] == expected | {"request_id": done.headers["X-Request-ID"]}
    with transaction(api.runtime.factory) as session:
        row = session.get(Item, item["id"])
        assert row is not None
        assert (row.root_cause, row.resolution_review) == ("third_party", REVIEW)
        resolved = select(func.count(Event.id)).where(
            Event.item_id == item["id"], Event.kind == "resolved"
        )
        assert session.scalar(resolved) == 1


def test_a_green_item_may_be_resolved_without_root_cause_or_review(api: Any) -> None:
    item = _routed(api, "green", "review")
    done = _resolve(api, item, **RESOLUTION)
    assert done.status_code == 200, done.text
    assert done.json()["resolution"] == RESOLUTION | {"root_cause": None, "review": None}
    other = _routed(api, "green", "review")
    named = _resolve(api, other, **RESOLUTION, root_cause="customer_error")
    assert named.json()["resolution"]["root_cause"] == "customer_error"


def _policy_file(tmp_path: Path, resolution: dict[str, Any]) -> Path:
    data = json.loads(DEFAULT_POLICY.read_text()) | {"resolution": resolution}
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data))
    return path


def test_the_taxonomy_and_requirements_come_from_the_policy(make_api: Any, tmp_path: Path) -> None:
    path = _policy_file(
        tmp_path,
        {"root_causes": ["vendor", "staffing"], "root_cause_required": ["red"]},
    )
    api = make_api(routing_policy=path)
    yellow = _routed(api, "yellow")
    assert _resolve(api, yellow, **RESOLUTION).status_code == 200  # not required for yellow
    red = _routed(api, "red")
    refused = _resolve(api, red, **RESOLUTION, root_cause="process", review=REVIEW)
    assert refused.status_code == 422
    assert "is not one of: vendor, staffing" in refused.json()["detail"]
    assert _resolve(api, red, **RESOLUTION, root_cause="vendor", review=REVIEW).status_code == 200
    shown = api.get("/v1/policy").json()["resolution"]
    assert shown["root_causes"] == ["vendor", "staffing"] and shown["review_required"] == ["red"]


@pytest.mark.parametrize(
    ("resolution", "message"),
    [
        ({"root_causes": []}, "resolution.root_causes: List should have at least 1 item"),
        ({"root_causes": ["billing", "process", "billing"]}, "repeated: ['billing']"),
        ({"root_causes": ["Product Defect"]}, "resolution.root_causes[0]: String should match"),
        ({"root_causes": [""]}, "resolution.root_causes[0]"),
        ({"review_required": ["crimson"]}, "resolution.review_required[0]"),
        ({"colour": "blue"}, "resolution.colour"),
    ],
)
def test_an_invalid_taxonomy_is_refused_naming_the_entry(
    tmp_path: Path, resolution: dict[str, Any], message: str
) -> None:
    with pytest.raises(PolicyError, match="invalid routing policy") as caught:
        load_policy(_policy_file(tmp_path, resolution))
    assert message in str(caught.value)


def test_the_default_taxonomy() -> None:
    policy = load_policy()
    assert tuple(policy.resolution.root_causes) == DEFAULT_ROOT_CAUSES
    assert policy.resolution.needs_root_cause("yellow") and policy.resolution.needs_review("red")
    assert not policy.resolution.needs_root_cause("green")
    assert not policy.resolution.needs_review("yellow")
    # A policy file without the key gets the same defaults.
    data = json.loads(DEFAULT_POLICY.read_text())
    del data["resolution"]
    assert parse_policy(data).resolution == policy.resolution


# ---- metrics --------------------------------------------------------------------------------

# key: (severity, category, owner, received after BASE, seconds to acknowledge or None,
#       seconds to resolution or None, root cause, in the theme)
H = timedelta(hours=1)
SCENARIO: dict[str, tuple[str, str, str, timedelta, int | None, int | None, str | None, bool]] = {
    "a": ("red", "service_issue", "leadership", 0 * H, 600, 3600, "product_defect", True),
    "b": ("red", "service_issue", "leadership", 1 * H, 1200, 7200, "product_defect", True),
    "c": ("yellow", "complaint", "support", 2 * H, 300, 1800, "billing", False),
    "d": ("yellow", "complaint", "support", 3 * H, 900, None, None, False),
    "e": ("green", "review", "marketing", 4 * H, 120, 120, None, False),
    # Received after the range: counted nowhere.
    "f": ("yellow", "complaint", "support", 9 * 24 * H, 60, 60, "process", True),
}


def _build_scenario(api: Any) -> dict[str, int]:
    """Items resolved through the API, then their owners and times written on the rows."""
    ids = {}
    for key, (severity, category, _, _, acked, resolved, cause, _) in SCENARIO.items():
        item = _routed(api, severity, category)
        ids[key] = item["id"]
        if resolved is not None:
            body = RESOLUTION | ({"root_cause": cause} if cause else {})
            if severity == "red":
                body["review"] = REVIEW
            assert _resolve(api, item, **body).status_code == 200
        elif acked is not None:
            ack = api.post(f"/v1/items/{item['id']}/acknowledge", "reviewer", json={})
            assert ack.status_code == 200
    with transaction(api.runtime.factory) as session:
        session.add(
            Theme(
                id=7,
                label="export failures",
                label_source="keywords",
                status="active",
                created_at=BASE,
                updated_at=BASE,
            )
        )
        session.flush()
        for key, (_, _, owner, after, acked, resolved, _, themed) in SCENARIO.items():
            row = session.get(Item, ids[key])
            assert row is not None
            row.owner, row.received_at = owner, BASE + after
            row.theme_id = 7 if themed else None
            row.acknowledged_at = BASE + after + timedelta(seconds=acked) if acked else None
            row.closed_at = BASE + after + timedelta(seconds=resolved) if resolved else None
    return ids


def _times(**values: Any) -> dict[str, Any]:
    empty = {
        "items": 0,
        "acknowledged": 0,
        "acknowledge_p50_seconds": None,
        "acknowledge_p90_seconds": None,
        "resolved": 0,
        "resolution_p50_seconds": None,
        "resolution_p90_seconds": None,
    }
    return empty | values


RED = _times(
    items=2,
    acknowledged=2,
    acknowledge_p50_seconds=900.0,  # 600, 1200
    acknowledge_p90_seconds=1140.0,  # 600 + 0.9 * 600
    resolved=2,
    resolution_p50_seconds=5400.0,  # 3600, 7200
    resolution_p90_seconds=6840.0,  # 3600 + 0.9 * 3600
)
YELLOW = _times(
    items=2,
    acknowledged=2,
    acknowledge_p50_seconds=600.0,  # 300, 900
    acknowledge_p90_seconds=840.0,
    resolved=1,
    resolution_p50_seconds=1800.0,
    resolution_p90_seconds=1800.0,
)
GREEN = _times(
    items=1,
    acknowledged=1,
    acknowledge_p50_seconds=120.0,
    acknowledge_p90_seconds=120.0,
    resolved=1,
    resolution_p50_seconds=120.0,
    resolution_p90_seconds=120.0,
)


def _rounded(value: Any) -> Any:
    """Figures to the microsecond: interpolation leaves float noise (6120.000000000001)."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def test_metrics_report_resolution_times_and_root_causes(api: Any) -> None:
    _build_scenario(api)
    response = api.get("/v1/metrics", "helpdesk", params=RANGE)
    assert response.status_code == 200, response.text
    section = _rounded(response.json()["resolution"])
    assert section["overall"] == _times(
        items=5,
        acknowledged=5,
        acknowledge_p50_seconds=600.0,  # 120, 300, 600, 900, 1200
        acknowledge_p90_seconds=1080.0,  # 900 + 0.6 * 300
        resolved=4,
        resolution_p50_seconds=2700.0,  # 120, 1800, 3600, 7200
        resolution_p90_seconds=6120.0,  # 3600 + 0.7 * 3600
    )
    assert section["by_severity"] == [
        {"severity": "green"} | GREEN,
        {"severity": "yellow"} | YELLOW,
        {"severity": "red"} | RED,
    ]
    assert section["by_owner"] == [
        {"owner": "marketing"} | GREEN,
        {"owner": "support"} | YELLOW,
        {"owner": "sales"} | _times(),
        {"owner": "operations"} | _times(),
        {"owner": "leadership"} | RED,
    ]
    assert section["taxonomy"] == list(DEFAULT_ROOT_CAUSES)
    assert section["with_root_cause"] == 3
    counts = {r["root_cause"]: (r["items"], r["share"]) for r in section["by_root_cause"]}
    assert list(counts) == list(DEFAULT_ROOT_CAUSES)
    assert counts["product_defect"] == (2, round(2 / 3, 6))
    assert counts["billing"] == (1, round(1 / 3, 6))
    assert counts["process"] == (0, 0.0)  # item f is outside the range
    assert section["by_category"] == [
        {"root_cause": "product_defect", "category": "service_issue", "items": 2},
        {"root_cause": "billing", "category": "complaint", "items": 1},
    ]
    assert section["by_theme"] == [
        {"root_cause": "product_defect", "theme_id": 7, "label": "export failures", "items": 2},
        {"root_cause": "billing", "theme_id": None, "label": None, "items": 1},
    ]
    # The acknowledgement figures agree with the escalation response time of the same range.
    response_time = _rounded(response.json()["escalation_response_time"]["overall"])
    assert response_time["p50_seconds"] == section["overall"]["acknowledge_p50_seconds"]
    assert response_time["p90_seconds"] == section["overall"]["acknowledge_p90_seconds"]


def test_metrics_with_nothing_resolved_report_no_data_not_zero(api: Any) -> None:
    section = api.get("/v1/metrics", params=RANGE).json()["resolution"]
    assert section["overall"] == _times()
    assert section["with_root_cause"] == 0
    assert {r["share"] for r in section["by_root_cause"]} == {None}
    assert section["by_category"] == [] and section["by_theme"] == []


# ---- migration 0010 -------------------------------------------------------------------------


def test_migration_copies_earlier_resolutions_from_their_events(tmp_path: Path) -> None:
    """Items resolved before 0010 get what was done and what changed from their event."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0006")
    engine = make_engine(url)
    meta = sa.MetaData()
    items = sa.Table("items", meta, autoload_with=engine)
    events = sa.Table("events", meta, autoload_with=engine)
    row = {
        "text": TEXT,
        "received_at": BASE,
        "status": "resolved",
        "flags": [],
        "decision": "needs_review",
        "reasons": [],
        "confidence": 0.5,
        "reviewed": True,
        "owner": "support",
        "response_rule": "public_reply",
        "routing_rule": "complaint",
        "policy_version": "routing.v2",
        "due_at": BASE,
        "escalation_level": 0,
        "rules_version": "r",
        "version": 3,
    }
    with engine.begin() as connection:
        item_id = connection.execute(items.insert().values(row)).inserted_primary_key[0]
        connection.execute(
            events.insert().values(
                item_id=item_id,
                created_at=BASE,
                kind="resolved",
                actor_type="human",
                actor="old",
                data={"action_taken": "Refunded", "internal_change": "New check"},
            )
        )
    engine.dispose()
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        found = connection.execute(
            sa.text("SELECT action_taken, internal_change, root_cause FROM items")
        ).one()
    engine.dispose()
    assert tuple(found) == ("Refunded", "New check", None)
