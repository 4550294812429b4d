"""Webhook notifications for red items, against a real HTTP receiver on loopback: signed JSON,
retried with exponential backoff, every attempt a row of `webhook_deliveries`."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

from service.tables import Event, WebhookDelivery
from service.webhooks import SIGNATURE_HEADER, Notification, Notifier, sign, verify

SECRET = "s3cret"
RED = "We will sue you over the lost pallet"
GREEN = "Great onboarding, the team answered every question within an hour. Thank you!"


@dataclass
class Received:
    at: float
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver: records every request; answers 500 to the next `fail` ones."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    fail: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with state.lock:
                state.requests.append(
                    Received(time.monotonic(), self.path, dict(self.headers.items()), body)
                )
                failing = state.fail > 0
                state.fail -= int(failing)
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
    server.shutdown()
    server.server_close()
    thread.join(5)


def _closed_port_url() -> str:
    """A loopback URL nobody listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks/triage"


def _deliveries(api: Any) -> list[WebhookDelivery]:
    with api.runtime.factory() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _classified_event_id(api: Any, item_id: int) -> int:
    with api.runtime.factory() as session:
        event_id = session.scalar(
            select(Event.id).where(Event.item_id == item_id, Event.kind == "classified")
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


def test_a_red_item_sends_one_signed_webhook_and_a_green_one_none(
    make_api: Any, receiver: Receiver
) -> None:
    api = make_api(webhook_url=receiver.url, webhook_secret=SECRET, webhook_backoff_seconds=0.05)
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
    assert body["kind"] == "red_item" and hit.headers["X-Triage-Event"] == "red_item"
    assert body["delivery_id"] == hit.headers["X-Triage-Delivery"]
    assert body["sent_at"] and body["event"] is None
    item = body["item"]
    assert item["id"] == red["id"] and item["text"] == RED
    assert item["severity"] == "red" and item["owner"] == "leadership"
    assert item["status"] == "needs_review" and item["decision"] == "rule_forced"
    assert datetime.fromisoformat(item["due_at"]) == datetime.fromisoformat(red["due_at"])
    assert "legal" in {flag["family"] for flag in item["red_flags"]}

    (row,) = _deliveries(api)
    assert (row.kind, row.attempt, row.status_code, row.delivered, row.error) == (
        "red_item",
        1,
        200,
        True,
        None,
    )
    assert row.item_id == red["id"] and row.url == receiver.url
    assert row.event_id == _classified_event_id(api, red["id"])


def test_a_batch_notifies_each_red_item_once(make_api: Any, receiver: Receiver) -> None:
    api = make_api(webhook_url=receiver.url, webhook_secret=SECRET, webhook_backoff_seconds=0.05)
    items = [
        {"text": RED, "external_id": "b1"},
        {"text": GREEN, "external_id": "b2"},
        {"text": "Someone hacked our admin account and changed the payout details."},
        {"text": RED, "external_id": "b1"},  # the same item twice in one batch
    ]
    response = api.post("/v1/classify/batch", json={"items": items})
    assert response.status_code == 200, response.text
    results = response.json()["items"]
    assert api.runtime.notifier.wait_idle(10)
    red_ids = {r["id"] for r in results if r["severity"] == "red"}
    assert len(red_ids) == 2
    notified = [hit.json()["item"]["id"] for hit in receiver.requests]
    assert sorted(notified) == sorted(red_ids)
    assert all(verify(hit.body, SECRET, hit.headers[SIGNATURE_HEADER]) for hit in receiver.requests)
    assert {(d.item_id, d.attempt, d.delivered) for d in _deliveries(api)} == {
        (item_id, 1, True) for item_id in red_ids
    }


def test_a_failing_receiver_gets_retries_with_backoff_until_it_answers(
    make_api: Any, receiver: Receiver
) -> None:
    api = make_api(webhook_url=receiver.url, webhook_secret=SECRET, webhook_backoff_seconds=0.05)
    receiver.fail = 2
    red = _classify(api, RED, "red-retry")
    assert api.runtime.notifier.wait_idle(10)

    assert len(receiver.requests) == 3
    first, second, third = receiver.requests
    # The same signed body every time: a receiver can drop repeats by delivery_id.
    assert first.body == second.body == third.body
    assert verify(third.body, SECRET, third.headers[SIGNATURE_HEADER])
    assert len({hit.headers["X-Triage-Delivery"] for hit in receiver.requests}) == 1
    # Exponential backoff: 0.05 s, then 0.1 s (a little slack for the clock).
    assert second.at - first.at >= 0.045
    assert third.at - second.at >= 0.095

    rows = _deliveries(api)
    assert [(r.attempt, r.status_code, r.delivered, r.error) for r in rows] == [
        (1, 500, False, "HTTP 500"),
        (2, 500, False, "HTTP 500"),
        (3, 200, True, None),
    ]
    assert {(r.item_id, r.kind) for r in rows} == {(red["id"], "red_item")}


def test_retry_after_one_failure_logs_both_attempts(make_api: Any, receiver: Receiver) -> None:
    api = make_api(webhook_url=receiver.url, webhook_secret=SECRET, webhook_backoff_seconds=0.05)
    receiver.fail = 1
    red = _classify(api, RED, "red-once")
    assert api.runtime.notifier.wait_idle(10)
    rows = _deliveries(api)
    assert [(r.attempt, r.status_code, r.delivered) for r in rows] == [
        (1, 500, False),
        (2, 200, True),
    ]
    assert all(r.item_id == red["id"] for r in rows)
    assert len(receiver.requests) == 2


def test_a_receiver_that_is_down_gets_max_attempts_and_the_service_carries_on(
    make_api: Any,
) -> None:
    url = _closed_port_url()
    api = make_api(
        webhook_url=url,
        webhook_secret=SECRET,
        webhook_backoff_seconds=0.02,
        webhook_max_attempts=4,
    )
    started = time.monotonic()
    red = _classify(api, RED, "red-down")
    assert time.monotonic() - started < 5  # delivery happens in the background
    green = _classify(api, GREEN, "green-down")
    assert api.runtime.notifier.wait_idle(10)

    rows = _deliveries(api)
    assert [r.attempt for r in rows] == [1, 2, 3, 4]
    assert not any(r.delivered for r in rows)
    assert all(r.status_code is None and r.error and "Connect" in r.error for r in rows)
    assert {(r.item_id, r.kind, r.url) for r in rows} == {(red["id"], "red_item", url)}

    # The service is unaffected: ready, and items are stored and readable.
    assert api.client.get("/readyz").json()["status"] == "ready"
    assert api.get(f"/v1/items/{green['id']}").status_code == 200
    assert _classify(api, GREEN, "green-down-2")["id"] != green["id"]


def test_no_webhook_url_means_no_notifications(api: Any) -> None:
    _classify(api, RED, "red-quiet")
    assert api.runtime.notifier.wait_idle(5)
    assert not api.runtime.notifier.enabled
    assert _deliveries(api) == []


def test_verify_refuses_any_malformed_signature() -> None:
    body = b'{"kind": "red_item"}'
    assert verify(body, SECRET, sign(body, SECRET))
    for bad in ("", "sha256=", "sha256=é", "sha256=" + "0" * 64, sign(body, SECRET).upper()):
        assert not verify(body, SECRET, bad)


def test_retries_go_on_when_an_attempt_cannot_be_recorded(
    receiver: Receiver, tmp_path: Path
) -> None:
    """A database hiccup while logging an attempt must not cost the notification its retries;
    a notifier started again after a stop still backs off between attempts."""
    broken = create_engine(f"sqlite:///{tmp_path / 'missing-folder' / 'x.db'}")
    notifier = Notifier(
        url=receiver.url, secret=SECRET, factory=sessionmaker(broken), backoff_seconds=0.05
    )
    notifier.start()
    notifier.stop()
    notifier.start()
    receiver.fail = 1
    notifier.notify(Notification(kind="red_item", item_id=1, event_id=None, item={"id": 1}))
    assert notifier.wait_idle(10)
    notifier.stop()
    assert len(receiver.requests) == 2
    assert receiver.requests[1].at - receiver.requests[0].at >= 0.045
    assert receiver.requests[1].json()["item"] == {"id": 1}


def test_a_review_that_makes_an_item_red_notifies_once(make_api: Any, receiver: Receiver) -> None:
    api = make_api(webhook_url=receiver.url, webhook_secret=SECRET, webhook_backoff_seconds=0.05)
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
