"""The routing policy: defaults from DOMAIN.md, first match wins, invalid files refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from service.routing.policy import DEFAULT_POLICY, PolicyError, RoutingFacts, load_policy, route

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def facts(**values: object) -> RoutingFacts:
    base: dict[str, object] = {
        "category": "review",
        "severity": "green",
        "account_tier": None,
        "flags": frozenset(),
        "repeat_count": 0,
    }
    return RoutingFacts(**(base | values))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "owner", "rule", "minutes"),
    [
        (
            {"severity": "red", "flags": frozenset({"legal"})},
            "leadership",
            "red-flag-to-leadership",
            60,
        ),
        (
            {"severity": "red", "flags": frozenset({"safety"})},
            "leadership",
            "red-flag-to-leadership",
            60,
        ),
        (
            {"severity": "yellow", "account_tier": "strategic"},
            "leadership",
            "strategic-account-not-green",
            120,
        ),
        ({"severity": "green", "account_tier": "strategic"}, "marketing", "everything-else", 2880),
        (
            {"category": "service_issue", "severity": "yellow", "repeat_count": 3},
            "leadership",
            "repeated-service-failure",
            240,
        ),
        (
            {"category": "service_issue", "severity": "yellow", "repeat_count": 2},
            "support",
            "service-issue",
            240,
        ),
        ({"severity": "red"}, "operations", "red-other", 120),
        ({"category": "misinformation", "severity": "yellow"}, "marketing", "misinformation", 480),
        ({"category": "competitor_claim"}, "sales", "competitor-claim", 1440),
        (
            {"category": "complaint", "severity": "yellow", "account_tier": "enterprise"},
            "sales",
            "enterprise-complaint",
            480,
        ),
        ({"category": "support_request"}, "support", "support-request", 1440),
        ({"category": None, "severity": None}, "marketing", "everything-else", 2880),
    ],
)
def test_default_policy(given: dict[str, object], owner: str, rule: str, minutes: int) -> None:
    decided = route(load_policy(), facts(**given), now=NOW)
    assert (decided.owner.value, decided.rule) == (owner, rule)
    assert decided.due_at == NOW + timedelta(minutes=minutes)
    assert decided.policy_version == "routing.v2"


def _write(tmp_path: Path, change: object) -> Path:
    data = json.loads(DEFAULT_POLICY.read_text())
    change(data)  # type: ignore[operator]
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["rules"][3].update(owner="ops"), "rules[3] ('red-other').owner"),
        (
            lambda d: d["rules"][0]["when"].update(severity=["crimson"]),
            "rules[0] ('red-flag-to-leadership').when.severity",
        ),
        (lambda d: d["rules"].pop(), "must have no conditions"),
        (lambda d: d["rules"][1].update(name="red-other"), "repeated"),
        (lambda d: d["escalation"].pop("support"), "no next level for owner 'support'"),
        (lambda d: d["escalation"].update(leadership="sales"), "leadership is the top"),
        (
            lambda d: d["rules"][2].update(acknowledge_within_minutes=0),
            "acknowledge_within_minutes",
        ),
        (
            lambda d: d["rules"][2].update(colour="blue"),
            "rules[2] ('repeated-service-failure').colour",
        ),
        (lambda d: d.pop("version"), "version"),
    ],
)
def test_invalid_policy_names_the_bad_entry(tmp_path: Path, change: object, message: str) -> None:
    with pytest.raises(PolicyError, match="invalid routing policy") as caught:
        load_policy(_write(tmp_path, change))
    assert message in str(caught.value)


def test_unreadable_policy_files(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not found"):
        load_policy(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json")
    with pytest.raises(PolicyError, match="not readable JSON"):
        load_policy(broken)


def test_the_service_refuses_to_start_on_an_invalid_policy(tmp_path: Path) -> None:
    from core.settings import Settings
    from service.app import build_runtime

    path = _write(tmp_path, lambda d: d["rules"][0].update(owner="nobody"))
    settings = Settings(routing_policy=path, database_url=f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(PolicyError, match="rules\\[0\\]"):
        build_runtime(settings)
