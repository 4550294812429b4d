"""Overdue items move one level up (leadership is the top), by the service's own scheduler and
by `triage escalate-overdue` from cron: an event on the item, a new due time, a webhook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from service.notifications.webhooks import SIGNATURE_HEADER, verify
from service.tables import Item, WebhookDelivery

SECRET = "s3cret"
PROJECT = Path(__file__).resolve().parents[3]

TEXTS = {
    "late": "The pallet arrived three days late again and nobody called us back.",
    "red": "We will sue you over the lost pallet",
    "ack": "How do I export the audit log as CSV?",
    "calm": "Is there a way to add a second billing contact to our account?",
}


@dataclass
class Receiver:
    """A webhook receiver on loopback that records every request and answers 200."""

    url: str = ""
    bodies: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def escalations(self) -> list[dict[str, Any]]:
        found = []
        for headers, body in list(self.bodies):
            assert verify(body, SECRET, headers[SIGNATURE_HEADER])
            parsed = json.loads(body)
            if parsed["kind"] == "escalation":
                found.append(parsed)
        return found


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.bodies.append((dict(self.headers.items()), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


def _classify(api: Any) -> dict[str, int]:
    """One item per text; returns their ids by key."""
    ids = {}
    for key, text in TEXTS.items():
        response = api.post("/v1/classify", json={"text": text, "external_id": key})
        assert response.status_code == 200, response.text
        ids[key] = response.json()["id"]
    return ids


def _acknowledge(api: Any, item_id: int) -> None:
    """Review (when waiting) and acknowledge an item through the API."""
    item = api.get(f"/v1/items/{item_id}").json()
    if item["status"] == "needs_review":
        reviewed = api.post(
            f"/v1/items/{item_id}/review",
            json={
                "version": item["version"],
                "action": "correct",
                "category": "support_request",
                "severity": "green",
            },
        )
        assert reviewed.status_code == 200, reviewed.text
        item = reviewed.json()
    done = api.post(f"/v1/items/{item_id}/acknowledge", json={"version": item["version"]})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "acknowledged"


def _set(api: Any, item_id: int, **values: Any) -> None:
    """Change an item directly in the database (to make it overdue, or give it an owner)."""
    with api.runtime.factory() as session, session.begin():
        item = session.get(Item, item_id)
        assert item is not None
        for name, value in values.items():
            setattr(item, name, value)


def _overdue(api: Any, item_id: int, **values: Any) -> datetime:
    due = datetime.now(UTC) - timedelta(minutes=5)
    _set(api, item_id, due_at=due, **values)
    return due


def _detail(api: Any, item_id: int) -> dict[str, Any]:
    response = api.get(f"/v1/items/{item_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _escalations(api: Any, item_id: int) -> list[dict[str, Any]]:
    return [e for e in _detail(api, item_id)["events"] if e["kind"] == "escalated"]


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the escalation scheduler")
        time.sleep(0.05)


def _check_escalated(
    api: Any, item_id: int, *, level: int, to_owner: str, from_owner: str, was_due: datetime
) -> dict[str, Any]:
    item = _detail(api, item_id)
    assert item["owner"] == to_owner and item["escalation_level"] == level
    due = datetime.fromisoformat(item["due_at"])
    escalated_within = api.runtime.policy.escalated_acknowledge_within_minutes
    assert due > datetime.now(UTC) + timedelta(minutes=escalated_within - 1)
    assert not item["overdue"]
    event: dict[str, Any] = [e for e in item["events"] if e["kind"] == "escalated"][-1]
    assert event["actor_type"] == "system" and event["from_status"] == event["to_status"]
    assert event["data"]["from_owner"] == from_owner and event["data"]["to_owner"] == to_owner
    assert event["data"]["level"] == level
    assert datetime.fromisoformat(event["data"]["was_due_at"]) == was_due
    assert datetime.fromisoformat(event["data"]["due_at"]) == due
    return event


def _untouched(api: Any, item_id: int, due: datetime, owner: str) -> None:
    item = _detail(api, item_id)
    assert _escalations(api, item_id) == []
    assert item["owner"] == owner and item["escalation_level"] == 0
    assert datetime.fromisoformat(item["due_at"]) == due


def test_the_scheduler_escalates_one_level_at_a_time_up_to_leadership(
    make_api: Any, receiver: Receiver
) -> None:
    api = make_api(
        escalation_interval_seconds=0.2,
        webhook_url=receiver.url,
        webhook_secret=SECRET,
        webhook_backoff_seconds=0.05,
    )
    ids = _classify(api)
    assert _detail(api, ids["red"])["owner"] == "leadership"
    _acknowledge(api, ids["ack"])
    ack_owner = _detail(api, ids["ack"])["owner"]
    assert ack_owner != "leadership"

    red_due = _overdue(api, ids["red"])
    ack_due = _overdue(api, ids["ack"])
    first_due = _overdue(api, ids["late"], owner="support")

    _wait_for(lambda: len(_escalations(api, ids["late"])) == 1)
    _check_escalated(
        api, ids["late"], level=1, from_owner="support", to_owner="operations", was_due=first_due
    )
    second_due = _overdue(api, ids["late"])
    _wait_for(lambda: len(_escalations(api, ids["late"])) == 2)
    _check_escalated(
        api,
        ids["late"],
        level=2,
        from_owner="operations",
        to_owner="leadership",
        was_due=second_due,
    )

    # At the top: overdue again, but nobody is above leadership.
    top_due = _overdue(api, ids["late"])
    time.sleep(1.0)  # five scheduler rounds
    assert len(_escalations(api, ids["late"])) == 2
    late = _detail(api, ids["late"])
    assert late["owner"] == "leadership" and late["overdue"]
    assert datetime.fromisoformat(late["due_at"]) == top_due
    _untouched(api, ids["red"], red_due, "leadership")
    _untouched(api, ids["ack"], ack_due, ack_owner)
    calm = _detail(api, ids["calm"])
    assert not calm["overdue"] and _escalations(api, ids["calm"]) == []

    # One signed webhook per escalation, carrying the event.
    assert api.runtime.notifier.wait_idle(10)
    sent = receiver.escalations()
    assert [(s["item"]["id"], s["event"]["to_owner"], s["event"]["level"]) for s in sent] == [
        (ids["late"], "operations", 1),
        (ids["late"], "leadership", 2),
    ]
    assert sent[1]["item"]["owner"] == "leadership" and sent[1]["item"]["escalation_level"] == 2
    event_ids = [e["id"] for e in _escalations(api, ids["late"])]
    with api.runtime.factory() as session:
        rows = session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.kind == "escalation")
            .order_by(WebhookDelivery.id)
        ).all()
        assert [(r.event_id, r.item_id, r.delivered) for r in rows] == [
            (event_ids[0], ids["late"], True),
            (event_ids[1], ids["late"], True),
        ]


def test_escalate_overdue_from_cron_in_a_subprocess(
    make_api: Any, database_url: str, receiver: Receiver
) -> None:
    api = make_api()  # no scheduler: only the command escalates
    ids = _classify(api)
    _acknowledge(api, ids["ack"])
    ack_owner = _detail(api, ids["ack"])["owner"]
    red_due = _overdue(api, ids["red"])
    ack_due = _overdue(api, ids["ack"])
    late_due = _overdue(api, ids["late"], owner="sales")

    env = {
        **os.environ,
        "TRIAGE_DATABASE_URL": database_url,
        "TRIAGE_WEBHOOK_URL": receiver.url,
        "TRIAGE_WEBHOOK_SECRET": SECRET,
        "TRIAGE_WEBHOOK_BACKOFF_SECONDS": "0.05",
    }
    done = subprocess.run(
        [sys.executable, "-m", "triage.cli", "escalate-overdue"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=PROJECT,
    )
    assert done.returncode == 0, done.stderr
    assert f"escalated 1 overdue item(s): [{ids['late']}]" in done.stdout

    event = _check_escalated(
        api, ids["late"], level=1, from_owner="sales", to_owner="leadership", was_due=late_due
    )
    _untouched(api, ids["red"], red_due, "leadership")
    _untouched(api, ids["ack"], ack_due, ack_owner)

    # The command waits for its webhooks before it exits.
    (sent,) = receiver.escalations()
    assert sent["item"]["id"] == ids["late"] and sent["item"]["owner"] == "leadership"
    assert sent["event"]["from_owner"] == "sales" and sent["event"]["level"] == 1
    with api.runtime.factory() as session:
        rows = session.scalars(select(WebhookDelivery)).all()
        assert [(r.kind, r.event_id, r.attempt, r.delivered) for r in rows] == [
            ("escalation", event["id"], 1, True)
        ]

    # A second round finds nothing: the escalated item has a new due time.
    from service.items.flows import escalate

    assert escalate(api.runtime) == []
    assert len(_escalations(api, ids["late"])) == 1


def test_escalation_rounds_take_turns_so_concurrent_rounds_escalate_an_item_once(
    make_api: Any, tmp_path: Path
) -> None:
    """Every process on the database takes one lock (PostgreSQL's advisory lock, SQLite's lock
    file): a round waits while another holds it, and two rounds started together move an
    overdue item one level, not two."""
    from service.items.flows import escalate
    from service.locks import Job, job_transaction

    api = make_api(cache_dir=tmp_path / "cache")
    ids = _classify(api)
    _overdue(api, ids["late"], owner="support")

    results: list[list[int]] = []
    held = job_transaction(
        api.runtime.factory, Job.ESCALATION, lock_folder=tmp_path / "cache", wait=True
    )
    with held:  # another process's round, in effect
        waiting = threading.Thread(target=lambda: results.append(escalate(api.runtime)))
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive(), "a round ran while another held the lock"
        assert _escalations(api, ids["late"]) == []
    waiting.join(30)
    assert results == [[ids["late"]]]

    _overdue(api, ids["late"])
    rounds = [threading.Thread(target=lambda: results.append(escalate(api.runtime))) for _ in "ab"]
    for thread in rounds:
        thread.start()
    for thread in rounds:
        thread.join(30)
    assert sorted(results[1:]) == [[], [ids["late"]]]
    item = _detail(api, ids["late"])
    assert item["owner"] == "leadership" and item["escalation_level"] == 2
    assert len(_escalations(api, ids["late"])) == 2
