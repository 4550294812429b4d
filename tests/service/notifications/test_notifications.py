"""Webhook notifications for red items, through the transactional outbox, against a real HTTP
receiver on loopback: signed JSON, one delivery_id per notification on every attempt, retries
on the outbox's schedule, concurrent bounded sending, restarts that lose nothing, and the
admin routes over the outbox."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import event, select, text

from core.settings import Settings
from service.app import build_runtime, create_app
from service.db import transaction
from service.notifications import outbox
from service.notifications.webhooks import SIGNATURE_HEADER, Notification, sign, verify
from service.serving.holder import ModelHolder
from service.tables import Event, WebhookDelivery, WebhookOutbox

SECRET = "s3cret"
RED = "We will sue you over the lost pallet"
GREEN = "Great onboarding, the team answered every question within an hour. Thank you!"
FAST = {"webhook_secret": SECRET, "webhook_backoff_seconds": 0.05, "webhook_poll_seconds": 0.05}


@dataclass
class Received:
    at: float
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def delivery_id(self) -> str:
        return self.headers["X-Triage-Delivery"]


@dataclass
class Receiver:
    """A webhook receiver: records every request; answers 500 to the next `fail` ones and
    always to items whose external_id is in `failing`; holds requests while `gate` is clear."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    fail: int = 0
    failing: set[str] = field(default_factory=set)
    gate: threading.Event = field(default_factory=threading.Event)
    active: int = 0
    most_active: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivery_ids(self) -> list[str]:
        with self.lock:
            return [hit.delivery_id for hit in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    state.gate.set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            hit = Received(time.monotonic(), self.path, dict(self.headers.items()), body)
            with state.lock:
                state.requests.append(hit)
                state.active += 1
                state.most_active = max(state.most_active, state.active)
            state.gate.wait(10)
            with state.lock:
                state.active -= 1
                failing = state.fail > 0 or hit.json()["item"].get("external_id") in state.failing
                state.fail -= int(state.fail > 0)
            self.send_response(500 if failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/triage"
    yield state
    state.gate.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def _closed_port_url() -> str:
    """A loopback URL nobody listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks/triage"


def _wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def _deliveries(api: Any) -> list[WebhookDelivery]:
    with api.runtime.factory() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _outbox(api: Any) -> list[WebhookOutbox]:
    with api.runtime.factory() as session:
        return list(session.scalars(select(WebhookOutbox).order_by(WebhookOutbox.id)))


def _row(api: Any, item_id: int) -> WebhookOutbox:
    (row,) = [r for r in _outbox(api) if r.item_id == item_id]
    return row


def _event_id(api: Any, item_id: int, kind: str) -> int:
    with api.runtime.factory() as session:
        event_id = session.scalar(
            select(Event.id).where(Event.item_id == item_id, Event.kind == kind)
        )
    assert event_id is not None
    return int(event_id)


def _classify(api: Any, text: str, external_id: str) -> dict[str, Any]:
    response = api.post(
        "/v1/classify", json={"text": text, "source": "g2", "external_id": external_id}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _batch(api: Any, external_ids: list[str], text: str = RED) -> list[dict[str, Any]]:
    items = [{"text": text, "external_id": e} for e in external_ids]
    response = api.post("/v1/classify/batch", json={"items": items})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["items"]
    return results


def test_a_red_item_sends_one_signed_webhook_and_a_green_one_none(
    make_api: Any, receiver: Receiver
) -> None:
    api = make_api(webhook_url=receiver.url, **FAST)
    red = _classify(api, RED, "red-1")
    green = _classify(api, GREEN, "green-1")
    assert red["severity"] == "red" and green["severity"] != "red"
    _classify(api, RED, "red-1")  # a re-post returns the stored item and notifies nobody
    assert api.runtime.notifier.wait_idle(10)

    assert len(receiver.requests) == 1
    (hit,) = receiver.requests
    assert hit.path == "/hooks/triage"
    assert hit.headers["Content-Type"] == "application/json"
    assert verify(hit.body, SECRET, hit.headers[SIGNATURE_HEADER])
    assert hit.headers[SIGNATURE_HEADER].startswith("sha256=")
    assert not verify(hit.body, "wrong-secret", hit.headers[SIGNATURE_HEADER])
    assert not verify(hit.body.replace(b"red", b"rod"), SECRET, hit.headers[SIGNATURE_HEADER])

    body = hit.json()
    assert set(body) == {"delivery_id", "kind", "sent_at", "item", "event"}
    assert body["kind"] == "red_item" and hit.headers["X-Triage-Event"] == "red_item"
    assert body["delivery_id"] == hit.delivery_id
    assert body["sent_at"] and body["event"] is None
    item = body["item"]
    assert item["id"] == red["id"] and item["text"] == RED
    assert item["severity"] == "red" and item["owner"] == "leadership"
    assert item["status"] == "needs_review" and item["decision"] == "rule_forced"
    assert datetime.fromisoformat(item["due_at"]) == datetime.fromisoformat(red["due_at"])
    assert "legal" in {flag["family"] for flag in item["red_flags"]}

    # The outbox row was written with the classification event it announces, and is done.
    (row,) = _outbox(api)
    classified = _event_id(api, red["id"], "classified")
    assert (row.kind, row.item_id, row.event_id) == ("red_item", red["id"], classified)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 200)
    assert row.delivery_id == hit.delivery_id and row.claimed_until is None
    assert row.delivered_at is not None and row.delivered_at >= row.created_at
    assert row.payload == {"item": item, "event": None}

    (attempt,) = _deliveries(api)
    assert (attempt.kind, attempt.attempt, attempt.status_code, attempt.delivered) == (
        "red_item",
        1,
        200,
        True,
    )
    assert attempt.error is None and attempt.url == receiver.url
    assert (attempt.item_id, attempt.event_id, attempt.delivery_id) == (
        red["id"],
        classified,
        hit.delivery_id,
    )


def test_a_batch_stores_its_notifications_in_one_statement_and_each_red_item_is_sent_once(
    make_api: Any, receiver: Receiver
) -> None:
    api = make_api(webhook_url=receiver.url, **FAST)
    inserts: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO WEBHOOK_OUTBOX"):
            inserts.append(statement)

    event.listen(api.runtime.engine, "before_cursor_execute", count)
    items = [
        {"text": RED, "external_id": "b1"},
        {"text": GREEN, "external_id": "b2"},
        {"text": "Someone hacked our admin account and changed the payout details."},
        {"text": RED, "external_id": "b1"},  # the same item twice in one batch
    ]
    response = api.post("/v1/classify/batch", json={"items": items})
    event.remove(api.runtime.engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.text
    assert len(inserts) == 1
    results = response.json()["items"]
    assert api.runtime.notifier.wait_idle(10)
    red_ids = {r["id"] for r in results if r["severity"] == "red"}
    assert len(red_ids) == 2
    assert sorted(hit.json()["item"]["id"] for hit in receiver.requests) == sorted(red_ids)
    assert len(set(receiver.delivery_ids())) == 2
    assert all(verify(hit.body, SECRET, hit.headers[SIGNATURE_HEADER]) for hit in receiver.requests)
    assert {(d.item_id, d.attempt, d.delivered) for d in _deliveries(api)} == {
        (item_id, 1, True) for item_id in red_ids
    }


def test_a_retried_notification_keeps_its_delivery_id_and_backs_off(
    make_api: Any, receiver: Receiver
) -> None:
    api = make_api(webhook_url=receiver.url, **FAST)
    receiver.fail = 2
    red = _classify(api, RED, "red-retry")
    assert api.runtime.notifier.wait_idle(10)

    assert len(receiver.requests) == 3
    first, second, third = receiver.requests
    (row,) = _outbox(api)
    # One delivery_id on every attempt (header and body): receivers drop repeats by it.
    assert receiver.delivery_ids() == [row.delivery_id] * 3
    assert [hit.json()["delivery_id"] for hit in receiver.requests] == [row.delivery_id] * 3
    assert all(verify(hit.body, SECRET, hit.headers[SIGNATURE_HEADER]) for hit in (first, third))
    assert first.json()["item"] == third.json()["item"]
    # Exponential backoff from the outbox's schedule: 0.05 s, then 0.1 s.
    assert second.at - first.at >= 0.045
    assert third.at - second.at >= 0.095

    rows = _deliveries(api)
    assert [(r.attempt, r.status_code, r.delivered, r.error) for r in rows] == [
        (1, 500, False, "HTTP 500"),
        (2, 500, False, "HTTP 500"),
        (3, 200, True, None),
    ]
    assert {(r.item_id, r.kind, r.delivery_id) for r in rows} == {
        (red["id"], "red_item", row.delivery_id)
    }
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 3, 200)


def test_a_receiver_that_is_down_gets_max_attempts_and_the_row_fails(make_api: Any) -> None:
    url = _closed_port_url()
    api = make_api(webhook_url=url, **FAST | {"webhook_max_attempts": 4})
    red = _classify(api, RED, "red-down")
    green = _classify(api, GREEN, "green-down")
    assert api.runtime.notifier.wait_idle(10)

    rows = _deliveries(api)
    assert [r.attempt for r in rows] == [1, 2, 3, 4]
    assert not any(r.delivered for r in rows)
    assert all(r.status_code is None and r.error and "Connect" in r.error for r in rows)
    assert {(r.item_id, r.kind, r.url) for r in rows} == {(red["id"], "red_item", url)}
    (row,) = _outbox(api)
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 4, None)
    assert row.last_error and "Connect" in row.last_error and row.delivered_at is None

    # The service is unaffected: ready, and items are stored and readable.
    assert api.client.get("/readyz").json()["status"] == "ready"
    assert api.get(f"/v1/items/{green['id']}").status_code == 200
    assert _classify(api, GREEN, "green-down-2")["id"] != green["id"]


def test_no_webhook_url_means_no_outbox_rows(api: Any) -> None:
    _classify(api, RED, "red-quiet")
    assert not api.runtime.notifier.enabled
    assert api.runtime.notifier.wait_idle(5)
    assert _outbox(api) == [] and _deliveries(api) == []


def test_verify_refuses_any_malformed_signature() -> None:
    body = b'{"kind": "red_item"}'
    assert verify(body, SECRET, sign(body, SECRET))
    for bad in ("", "sha256=", "sha256=é", "sha256=" + "0" * 64, sign(body, SECRET).upper()):
        assert not verify(body, SECRET, bad)


def test_a_review_that_makes_an_item_red_notifies_once(make_api: Any, receiver: Receiver) -> None:
    api = make_api(webhook_url=receiver.url, **FAST)
    green = _classify(api, GREEN, "green-then-red")
    corrected = api.post(
        f"/v1/items/{green['id']}/review",
        json={
            "version": green["version"],
            "action": "correct",
            "category": "complaint",
            "severity": "red",
        },
    )
    assert corrected.status_code == 200, corrected.text
    confirmed = api.post(
        f"/v1/items/{green['id']}/review",
        json={"version": corrected.json()["version"], "action": "confirm"},
    )
    assert confirmed.status_code == 200, confirmed.text  # already red: no second webhook
    assert api.runtime.notifier.wait_idle(10)
    (hit,) = receiver.requests
    body = hit.json()
    assert verify(hit.body, SECRET, hit.headers[SIGNATURE_HEADER])
    assert body["kind"] == "red_item" and body["item"]["id"] == green["id"]
    assert body["item"]["severity"] == "red" and body["item"]["reviewed"]
    assert body["event"]["severity"] == "red"
    (row,) = _outbox(api)
    assert row.event_id == _event_id(api, green["id"], "reviewed")


def test_an_outbox_row_exists_only_if_its_transaction_commits(api: Any) -> None:
    item = _classify(api, GREEN, "rollback")
    note = Notification(kind="red_item", item_id=item["id"], event_id=None, item={"id": 1})
    with pytest.raises(RuntimeError), transaction(api.runtime.factory) as session:
        outbox.enqueue(session=session, notifications=[note])
        assert outbox.pending_count(session=session) == 1
        raise RuntimeError("the event's transaction fails after the row was written")
    assert _outbox(api) == []


def test_notifications_pending_at_shutdown_are_all_sent_after_a_restart(
    make_api: Any, receiver: Receiver, database_url: str, shared_holder: ModelHolder
) -> None:
    down = make_api(webhook_url=_closed_port_url(), **FAST | {"webhook_max_attempts": 20})
    red_ids = [r["id"] for r in _batch(down, [f"restart-{i}" for i in range(20)])]
    _wait_for(lambda: len(rows := _outbox(down)) == 20 and all(r.attempts >= 1 for r in rows))
    down.client.__exit__(None, None, None)  # a normal stop, with the receiver still down
    stopped = _outbox(down)
    assert {r.status for r in stopped} == {"pending"} and receiver.requests == []

    settings = Settings(
        database_url=database_url,
        model_source="file",
        escalation_interval_seconds=0,
        webhook_url=receiver.url,
        **FAST,
    )
    runtime = build_runtime(settings, holder=shared_holder)
    with TestClient(create_app(settings, runtime=runtime)):
        assert runtime.notifier.wait_idle(30)
    runtime.engine.dispose()

    # Every notification arrived exactly once, under the delivery_id it had before.
    assert sorted(receiver.delivery_ids()) == sorted(r.delivery_id for r in stopped)
    assert sorted(hit.json()["item"]["id"] for hit in receiver.requests) == sorted(red_ids)
    assert {r.status for r in _outbox(down)} == {"delivered"}
    delivered = [d for d in _deliveries(down) if d.delivered]
    assert sorted(d.delivery_id or "" for d in delivered) == sorted(receiver.delivery_ids())


def test_a_failing_receiver_does_not_hold_up_other_notifications(
    make_api: Any, receiver: Receiver
) -> None:
    api = make_api(
        webhook_url=receiver.url,
        **FAST | {"webhook_backoff_seconds": 0.5, "webhook_max_attempts": 10},
    )
    receiver.failing.add("stuck")
    stuck = _classify(api, RED, "stuck")
    _wait_for(lambda: _row(api, stuck["id"]).last_status_code == 500)

    others = [r["id"] for r in _batch(api, [f"fine-{i}" for i in range(5)])]
    _wait_for(lambda: all(_row(api, i).status == "delivered" for i in others))
    # All five went through, once each, while the failing one waits for its next retry.
    row = _row(api, stuck["id"])
    assert row.status == "pending" and 1 <= row.attempts < 10
    assert row.last_error == "HTTP 500"
    fine = [hit for hit in receiver.requests if hit.json()["item"]["id"] in others]
    assert sorted(hit.json()["item"]["id"] for hit in fine) == sorted(others)
    assert receiver.requests[0].json()["item"]["id"] == stuck["id"]


def test_sending_is_concurrent_and_bounded(make_api: Any, receiver: Receiver) -> None:
    api = make_api(webhook_url=receiver.url, **FAST | {"webhook_concurrency": 2})
    receiver.gate.clear()  # the receiver holds every request
    ids = [r["id"] for r in _batch(api, [f"slow-{i}" for i in range(5)])]
    _wait_for(lambda: receiver.active == 2)
    time.sleep(0.3)  # several sender rounds: none claims a third row while both slots are busy
    assert receiver.most_active == 2
    assert sum(r.claimed_until is not None for r in _outbox(api)) == 2
    receiver.gate.set()
    assert api.runtime.notifier.wait_idle(20)
    assert receiver.most_active == 2
    assert sorted(hit.json()["item"]["id"] for hit in receiver.requests) == sorted(ids)


def test_a_row_whose_sender_died_is_sent_once_its_claim_expires(
    make_api: Any, receiver: Receiver
) -> None:
    api = make_api(webhook_url=receiver.url, **FAST)
    item = _classify(api, GREEN, "orphan")  # green: no notification of its own
    now = datetime.now(UTC)
    notes = [
        Notification(kind="red_item", item_id=item["id"], event_id=None, item={"id": n})
        for n in (1, 2)
    ]
    with transaction(api.runtime.factory) as session:
        outbox.enqueue(session=session, notifications=notes)
        dead, alive = session.scalars(select(WebhookOutbox).order_by(WebhookOutbox.id)).all()
        dead.attempts, dead.claimed_until = 1, now - timedelta(seconds=1)  # its sender died
        alive.attempts, alive.claimed_until = 1, now + timedelta(hours=1)  # still being sent
        dead_id, alive_id = dead.delivery_id, alive.delivery_id

    _wait_for(lambda: _outbox(api)[0].status == "delivered")
    assert receiver.delivery_ids() == [dead_id]
    sent, held = _outbox(api)
    assert (sent.attempts, sent.claimed_until) == (2, None)
    assert (held.status, held.attempts, held.delivery_id) == ("pending", 1, alive_id)
    assert held.claimed_until is not None and held.claimed_until > now
    (attempt,) = _deliveries(api)
    assert (attempt.delivery_id, attempt.attempt, attempt.delivered) == (dead_id, 2, True)


def test_the_sender_survives_database_errors(
    make_api: Any, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    api = make_api(webhook_url=receiver.url, **FAST)
    caplog.set_level(logging.ERROR, logger="service.notifications.webhooks")
    with transaction(api.runtime.factory) as session:
        session.execute(text("ALTER TABLE webhook_outbox RENAME TO webhook_outbox_away"))
    try:
        _wait_for(lambda: any("outbox round failed" in r.message for r in caplog.records))
    finally:
        with transaction(api.runtime.factory) as session:
            session.execute(text("ALTER TABLE webhook_outbox_away RENAME TO webhook_outbox"))
    red = _classify(api, RED, "after-the-outage")
    assert api.runtime.notifier.wait_idle(10)
    assert [hit.json()["item"]["id"] for hit in receiver.requests] == [red["id"]]


def test_admins_list_deliveries_and_redeliver_with_the_same_delivery_id(
    make_api: Any, receiver: Receiver
) -> None:
    api = make_api(webhook_url=receiver.url, **FAST | {"webhook_max_attempts": 2})
    receiver.fail = 2
    failed = _classify(api, RED, "fails")
    assert api.runtime.notifier.wait_idle(10)
    delivered = _classify(api, RED, "arrives")
    assert api.runtime.notifier.wait_idle(10)

    page = api.get("/v1/webhooks/deliveries").json()
    assert (page["total"], page["limit"], page["offset"]) == (2, 50, 0)
    assert [d["item_id"] for d in page["items"]] == [delivered["id"], failed["id"]]  # newest first
    (row,) = api.get("/v1/webhooks/deliveries", params={"status": "failed"}).json()["items"]
    assert (row["item_id"], row["status"], row["attempts"]) == (failed["id"], "failed", 2)
    assert (row["last_status_code"], row["last_error"], row["delivered_at"]) == (
        500,
        "HTTP 500",
        None,
    )
    assert row["kind"] == "red_item" and row["event_id"] == _event_id(
        api, failed["id"], "classified"
    )
    by_item = api.get("/v1/webhooks/deliveries", params={"item_id": delivered["id"]}).json()
    assert [d["status"] for d in by_item["items"]] == ["delivered"]
    second = api.get("/v1/webhooks/deliveries", params={"limit": 1, "offset": 1}).json()
    assert [d["id"] for d in second["items"]] == [row["id"]] and second["total"] == 2

    again = api.post(f"/v1/webhooks/deliveries/{row['id']}/redeliver")
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["attempts"]) == ("pending", 0)
    assert again.json()["delivery_id"] == row["delivery_id"]
    assert api.runtime.notifier.wait_idle(10)
    sent = [hit for hit in receiver.requests if hit.delivery_id == row["delivery_id"]]
    assert [hit.json()["item"]["id"] for hit in sent] == [failed["id"]] * 3
    attempts = [d for d in _deliveries(api) if d.delivery_id == row["delivery_id"]]
    assert [(d.attempt, d.delivered) for d in attempts] == [(1, False), (2, False), (1, True)]
    assert api.get("/v1/webhooks/deliveries", params={"status": "failed"}).json()["total"] == 0

    # A pending row is being sent (or retried) already: 409.
    receiver.gate.clear()
    held = _classify(api, RED, "held")
    _wait_for(lambda: receiver.active == 1)
    busy = api.post(f"/v1/webhooks/deliveries/{_row(api, held['id']).id}/redeliver")
    assert busy.status_code == 409 and busy.json()["error"] == "ConflictError"
    receiver.gate.set()

    missing = api.post("/v1/webhooks/deliveries/987654321/redeliver")
    assert missing.status_code == 404 and missing.json()["error"] == "NotFoundError"
    for bad in (
        api.post(f"/v1/webhooks/deliveries/{2**63}/redeliver"),
        api.post("/v1/webhooks/deliveries/0/redeliver"),
        api.get("/v1/webhooks/deliveries", params={"item_id": 2**63}),
        api.get("/v1/webhooks/deliveries", params={"limit": 0}),
        api.get("/v1/webhooks/deliveries", params={"offset": -1}),
        api.get("/v1/webhooks/deliveries", params={"offset": 2**63}),
        api.get("/v1/webhooks/deliveries", params={"status": "lost"}),
    ):
        assert bad.status_code == 422 and bad.json()["error"] == "ValidationError", bad.text
    for role in ("helpdesk", "reviewer"):
        assert api.get("/v1/webhooks/deliveries", role=role).status_code == 403
        assert (
            api.post(f"/v1/webhooks/deliveries/{row['id']}/redeliver", role=role).status_code == 403
        )


def test_sender_settings_are_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings()
    assert (defaults.webhook_concurrency, defaults.webhook_poll_seconds) == (4, 1.0)
    monkeypatch.setenv("TRIAGE_WEBHOOK_CONCURRENCY", "8")
    monkeypatch.setenv("TRIAGE_WEBHOOK_POLL_SECONDS", "0.25")
    configured = Settings()
    assert (configured.webhook_concurrency, configured.webhook_poll_seconds) == (8, 0.25)
    for bad in (
        {"webhook_concurrency": 0},
        {"webhook_concurrency": 65},
        {"webhook_poll_seconds": 0},
        {"webhook_poll_seconds": -1},
        {"webhook_poll_seconds": "soon"},
    ):
        with pytest.raises(ValidationError):
            Settings(**bad)
