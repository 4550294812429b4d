"""A routing policy file changed on disk is served without a restart, within
TRIAGE_POLICY_POLL_SECONDS; a changed file that is invalid is refused and the policy in force
stays."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.routing.policy import DEFAULT_POLICY

POLL = 0.1
COMPLAINT = {"text": "Your account manager ignored us for three weeks. Very disappointed."}


def _write(path: Path, content: str) -> None:
    """As a deployment would: a new file renamed over the old one, never half-written."""
    staged = path.with_suffix(".tmp")
    staged.write_text(content, encoding="utf-8")
    staged.replace(path)


def _policy(version: str, everything_else_owner: str) -> str:
    data: dict[str, Any] = json.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))
    data["version"] = version
    # Every complaint goes to the catch-all rule, whose owner this test changes.
    data["rules"] = [r for r in data["rules"] if "complaint" not in r["name"]]
    data["rules"][-1]["owner"] = everything_else_owner
    return json.dumps(data)


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        time.sleep(0.05)


def _classify_owner(api: Any) -> tuple[str, str]:
    answer = api.post("/v1/classify", json=COMPLAINT)
    assert answer.status_code == 200, answer.text
    item = api.get(f"/v1/items/{answer.json()['id']}").json()
    routed = next(e for e in item["events"] if e["kind"] == "routed")
    return item["owner"], routed["data"]["policy_version"]


def test_a_changed_policy_file_is_served_within_the_poll_interval(
    make_api: Any, tmp_path: Path
) -> None:
    path = tmp_path / "policy.json"
    _write(path, _policy("test.v1", "marketing"))
    api = make_api(routing_policy=path, policy_poll_seconds=POLL)
    assert _classify_owner(api) == ("marketing", "test.v1")

    _write(path, _policy("test.v2", "support"))
    _wait_for(lambda: api.get("/v1/policy").json()["version"] == "test.v2")
    assert _classify_owner(api) == ("support", "test.v2")
    assert api.runtime.policy.rules[-1].owner.value == "support"


def test_an_invalid_change_is_refused_and_the_policy_in_force_stays(
    make_api: Any, tmp_path: Path, caplog: Any
) -> None:
    path = tmp_path / "policy.json"
    _write(path, _policy("test.v1", "marketing"))
    api = make_api(routing_policy=path, policy_poll_seconds=POLL)

    broken = json.loads(_policy("test.bad", "support"))
    broken["rules"][-1]["owner"] = "nobody"
    for content in ('{"version": "test.half', json.dumps(broken)):
        caplog.clear()
        _write(path, content)
        _wait_for(lambda: "routing policy not reloaded" in caplog.text)
        time.sleep(5 * POLL)  # more rounds: still refused, and said once
        assert caplog.text.count("routing policy not reloaded") == 1
        assert api.get("/v1/policy").json()["version"] == "test.v1"
        assert _classify_owner(api) == ("marketing", "test.v1")
    assert "rules[" in caplog.text and "owner" in caplog.text  # names the bad entry

    _write(path, _policy("test.v2", "sales"))  # fixed: served at the next round
    _wait_for(lambda: api.get("/v1/policy").json()["version"] == "test.v2")
    assert _classify_owner(api) == ("sales", "test.v2")
