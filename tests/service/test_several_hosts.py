"""The service on two hosts: two `triage serve` processes that share nothing but PostgreSQL
(their own cache, MLflow and policy folders, their own ports and model file copies), under
concurrent classify and review traffic at both, with items falling overdue and one webhook
receiver. Then:

- every overdue item was escalated exactly once, though both hosts run the escalation loop
  every 0.2 s (one round at a time on the database: `service.locks`);
- every notification reached the receiver once per attempt (no attempt sent by both hosts),
  and exactly once with a 2xx, retries included (the receiver fails some first attempts);
- no lost update: of two reviewers racing for one item at the two hosts one review is
  applied, once, and each item's version counts exactly the changes its events record;
- a key revoked at one host is refused at the other within KEY_CACHE_SECONDS, and a changed
  routing policy file is served by both within TRIAGE_POLICY_POLL_SECONDS.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, func, select, update

from service.access.keys import create_key
from service.enums import Role
from service.notifications.webhooks import SIGNATURE_HEADER, verify
from service.routing.policy import DEFAULT_POLICY
from service.runtime import KEY_CACHE_SECONDS
from service.tables import Base, Event, Item, Review, WebhookDelivery, WebhookOutbox

pytestmark = pytest.mark.slow

SECRET = "several-hosts-secret"
POLICY_POLL = 0.5
READY_SECONDS = 120
TEXTS = [
    "We will sue you over the lost pallet",
    "Our account was hacked and someone changed the admin email",
    "The export has been failing since Monday's update.",
    "How do I add a second admin to our workspace?",
    "Your account manager ignored us for three weeks. Very disappointed.",
    "Solid CRM, onboarding was smooth, reporting could be better.",
    "Acme does all this for half the price and actually answers the phone.",
    "They're shutting down next quarter, everyone is leaving.",
]


def _policy(version: str) -> str:
    """One rule for every item (owner support, due in an hour: the test moves due times into
    the past itself): an overdue item moves to operations, and a review never re-routes it.
    An escalated item is due in ten hours, so within the test it is escalated once at most."""
    data: dict[str, Any] = json.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))
    data["version"] = version
    data["rules"] = [
        {
            "name": "everything",
            "when": {},
            "owner": "support",
            "response_rule": "public_reply",
            "acknowledge_within_minutes": 60,
        }
    ]
    data["escalated_acknowledge_within_minutes"] = 600
    data["thresholds"] = []
    return json.dumps(data)


@dataclass
class Receiver:
    """The webhook receiver both hosts post to: records every attempt; the first attempt of
    every third notification gets 503, so retries happen too."""

    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    attempts: list[tuple[str, int]] = field(default_factory=list)  # (delivery_id, status)
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        assert verify(body, SECRET, headers[SIGNATURE_HEADER])
        payload = json.loads(body)
        delivery = payload["delivery_id"]
        assert headers["X-Triage-Delivery"] == delivery
        with self.lock:
            first = all(d != delivery for d, _ in self.attempts)
            status = 503 if first and int(delivery.replace("-", ""), 16) % 3 == 0 else 200
            self.attempts.append((delivery, status))
            self.bodies[delivery] = payload
        return status


@contextlib.contextmanager
def _receiving() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(state.answer(dict(self.headers.items()), body))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class Host:
    name: str
    folder: Path
    process: subprocess.Popen[bytes]
    client: httpx.Client

    @property
    def policy_file(self) -> Path:
        return self.folder / "routing_policy.json"

    def log(self) -> str:
        return (self.folder / "serve.log").read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(name: str, root: Path, database_url: str, model_path: Path, webhook: str) -> Host:
    """`triage serve` as one host would run it: its own folders, its own copy of the model
    and of the policy file; only the database and the webhook receiver are shared."""
    folder = root / name
    folder.mkdir()
    shutil.copy(model_path, folder / "model.joblib")
    (folder / "routing_policy.json").write_text(_policy("hosts.v1"), encoding="utf-8")
    port = _free_port()
    env = {
        **os.environ,
        "TRIAGE_DATABASE_URL": database_url,
        "TRIAGE_MODEL_SOURCE": "file",
        "TRIAGE_MODEL_PATH": str(folder / "model.joblib"),
        "TRIAGE_CACHE_DIR": str(folder / "cache"),
        "TRIAGE_MLFLOW_DIR": str(folder / "mlflow"),
        "TRIAGE_ROUTING_POLICY": str(folder / "routing_policy.json"),
        "TRIAGE_POLICY_POLL_SECONDS": str(POLICY_POLL),
        "TRIAGE_ESCALATION_INTERVAL_SECONDS": "0.2",
        "TRIAGE_WEBHOOK_URL": webhook,
        "TRIAGE_WEBHOOK_SECRET": SECRET,
        "TRIAGE_WEBHOOK_BACKOFF_SECONDS": "0.05",
        "TRIAGE_WEBHOOK_POLL_SECONDS": "0.2",
        "TRIAGE_UI_SECRET": "one-secret-for-every-host",
        "TRIAGE_AUDIT_SHARE": "0",
        "TRIAGE_PATTERNS_INTERVAL_SECONDS": "0",
        "TRIAGE_THRESHOLDS_INTERVAL_SECONDS": "0",
        "TRIAGE_THEMES_REFIT_HOURS": "0",
    }
    env.pop("TRIAGE_SUPERVISOR_PID", None)
    with (folder / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "triage.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    return Host(name, folder, process, client)


def _wait_ready(host: Host, deadline: float) -> None:
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if host.client.get("/readyz").status_code == 200:
                return
        assert host.process.poll() is None, f"{host.name} stopped:\n{host.log()[-3000:]}"
        assert time.monotonic() < deadline, f"{host.name} not ready:\n{host.log()[-3000:]}"
        time.sleep(0.3)


@contextlib.contextmanager
def _hosts(root: Path, database_url: str, model_path: Path, webhook: str) -> Iterator[list[Host]]:
    hosts = [_start(n, root, database_url, model_path, webhook) for n in ("host-a", "host-b")]
    try:
        deadline = time.monotonic() + READY_SECONDS
        for host in hosts:
            _wait_ready(host, deadline)
        yield hosts
    finally:
        for host in hosts:
            host.client.close()
            host.process.terminate()
        for host in hosts:
            try:
                host.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                host.process.kill()


def _empty_database(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def _keys(engine: Engine) -> dict[str, tuple[int, str]]:
    """Keys made before the hosts start (two hosts seeding a bootstrap key at once would
    race for it): one per role, and a reviewer per host."""
    from sqlalchemy.orm import Session

    wanted = {
        "admin": Role.ADMIN,
        "helpdesk": Role.HELPDESK,
        "reviewer-a": Role.REVIEWER,
        "reviewer-b": Role.REVIEWER,
    }
    with Session(engine) as session, session.begin():
        made = {
            name: create_key(session=session, role=role, name=name) for name, role in wanted.items()
        }
        return {name: (key.id, key.key) for name, key in made.items()}


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until `condition` held."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, f"{what} did not happen within {timeout} s"
        time.sleep(0.05)
    return time.monotonic() - start


def _classify(host: Host, key: str, n: int) -> dict[str, Any]:
    body = {"text": f"{TEXTS[n % len(TEXTS)]} (ticket {n})", "external_id": f"hosts-{n}"}
    answer = host.client.post("/v1/classify", json=body, headers=_auth(key))
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _classify_batch(host: Host, key: str, numbers: range) -> list[dict[str, Any]]:
    items = [
        {"text": f"{TEXTS[n % len(TEXTS)]} (ticket {n})", "external_id": f"hosts-{n}"}
        for n in numbers
    ]
    answer = host.client.post("/v1/classify/batch", json={"items": items}, headers=_auth(key))
    assert answer.status_code == 200 and answer.json()["rejected"] == 0, answer.text
    results: list[dict[str, Any]] = answer.json()["items"]
    return results


LABELS = {"host-a": ("complaint", "yellow"), "host-b": ("service_issue", "red")}


def _review(host: Host, key: str, item_id: int, version: int) -> tuple[str, int]:
    """One reviewer's attempt at an item, racing the other host's reviewer: on a 409 caused by
    an escalation (nobody reviewed yet) try again on the new version; a 409 because the other
    reviewer won ends it. Returns (outcome, attempts): applied or lost."""
    category, severity = LABELS[host.name]
    for attempt in range(1, 10):
        answer = host.client.post(
            f"/v1/items/{item_id}/review",
            json={
                "version": version,
                "action": "correct",
                "category": category,
                "severity": severity,
            },
            headers=_auth(key),
        )
        if answer.status_code == 200:
            return "applied", attempt
        assert answer.status_code == 409, answer.text
        current = answer.json()["current"]
        if current["reviewed"]:
            return "lost", attempt
        version = current["version"]
    raise AssertionError(f"item {item_id}: no review applied in 9 attempts")


def _make_overdue(engine: Engine, ids: list[int]) -> None:
    """A minute passes for these items: their due time moves into the past (one statement, as
    the clock would), while the hosts run their escalation loops and serve traffic."""
    with engine.begin() as connection:
        connection.execute(
            update(Item)
            .where(Item.id.in_(ids))
            .values(due_at=datetime.now(UTC) - timedelta(minutes=5))
        )


def test_two_hosts_escalate_once_deliver_once_and_lose_no_update(
    postgresql_url: str, model_path: Path, tmp_path: Path
) -> None:
    engine = create_engine(postgresql_url)
    _empty_database(engine)
    keys = _keys(engine)
    admin, helpdesk = keys["admin"][1], keys["helpdesk"][1]
    with (
        _receiving() as receiver,
        _hosts(tmp_path, postgresql_url, model_path, receiver.url) as hosts,
    ):
        a, b = hosts
        # Traffic 1: 48 items, single requests and batches, at both hosts at once.
        with ThreadPoolExecutor(8) as pool:
            singles = pool.map(lambda n: _classify(hosts[n % 2], helpdesk, n), range(32))
            batches = pool.map(
                lambda s: _classify_batch(hosts[s % 2], helpdesk, range(100 + 8 * s, 108 + 8 * s)),
                range(2),
            )
            first = list(singles) + [r for batch in batches for r in batch]
        assert len({r["id"] for r in first}) == len(first) == 48
        created = {r["id"]: r for r in first}
        ids = sorted(created)
        overdue = ids[::2]  # half fall overdue
        raced = ids[: len(ids) * 3 // 4]  # reviewers race for three quarters, overdue or not

        # Traffic 2, all at once: two reviewers race per item (one at each host), more items
        # arrive at both hosts, and the overdue ones fall due in three waves.
        outcomes: dict[int, list[tuple[str, str, int]]] = {i: [] for i in raced}

        def race(item_id: int, host: Host) -> None:
            reviewer = keys["reviewer-a" if host is a else "reviewer-b"][1]
            outcome, attempts = _review(host, reviewer, item_id, created[item_id]["version"])
            outcomes[item_id].append((host.name, outcome, attempts))

        def fall_due() -> None:
            for wave in range(3):
                _make_overdue(engine, overdue[wave::3])
                time.sleep(0.3)

        with ThreadPoolExecutor(10) as pool:
            clock = pool.submit(fall_due)
            work = [pool.submit(race, i, host) for i in raced for host in (a, b)]
            more = [pool.submit(_classify, hosts[n % 2], helpdesk, n) for n in range(200, 216)]
            clock.result()
            for done in work:
                done.result()
            later = {f.result()["id"] for f in more}
        assert not later & set(created)

        # Both loops go on: wait for every escalation and every webhook, then a few more
        # rounds, in which nothing may move again.
        with engine.connect() as connection:

            def escalated() -> int:
                found = connection.scalar(
                    select(func.count()).select_from(Event).where(Event.kind == "escalated")
                )
                connection.rollback()
                return int(found or 0)

            def pending() -> int:
                found = connection.scalar(
                    select(func.count())
                    .select_from(WebhookOutbox)
                    .where(WebhookOutbox.status == "pending")
                )
                connection.rollback()
                return int(found or 0)

            _wait_for(lambda: escalated() >= len(overdue), 30, "every escalation")
            _wait_for(lambda: pending() == 0, 30, "every webhook delivery")
            time.sleep(1.0)  # five more escalation rounds at each host
            assert pending() == 0

        with engine.connect() as connection:
            items = {row.id: row for row in connection.execute(select(Item))}
            events = Counter(
                (row.item_id, row.kind)
                for row in connection.execute(select(Event.item_id, Event.kind))
            )
            reviews = Counter(connection.scalars(select(Review.item_id)))
            outbox = list(connection.execute(select(WebhookOutbox)))
            logged = list(connection.execute(select(WebhookDelivery)))

        # Every overdue item escalated exactly once, by whichever host; no other item.
        for item_id in ids + sorted(later):
            expected = 1 if item_id in overdue else 0
            assert events[(item_id, "escalated")] == expected, item_id
            item = items[item_id]
            assert item.escalation_level == expected
            assert item.owner == ("operations" if expected else "support")
            assert item.due_at > datetime.now(UTC)  # escalated: due in ten hours now

        # No lost update: per raced item one reviewer applied, once; the other lost; the item
        # carries the winner's labels; and its version counts every change its events record.
        for item_id in raced:
            results = sorted(o for _, o, _ in outcomes[item_id])
            assert results == ["applied", "lost"], (item_id, outcomes[item_id])
            winner = next(h for h, o, _ in outcomes[item_id] if o == "applied")
            assert reviews[item_id] == 1 and events[(item_id, "reviewed")] == 1
            assert (items[item_id].category, items[item_id].severity) == LABELS[winner]
        for item_id in ids:
            changes = events[(item_id, "reviewed")] + events[(item_id, "escalated")]
            assert items[item_id].version == created[item_id]["version"] + changes, item_id

        # The notifications: one per red item classified, per review that made an item red,
        # per escalation; each sent by one host at a time and delivered exactly once.
        red_new = sum(r["severity"] == "red" for r in first) + sum(
            items[i].severity == "red" for i in later
        )
        made_red = sum(
            created[i]["severity"] != "red" and items[i].severity == "red" for i in raced
        )
        kinds = Counter(row.kind for row in outbox)
        assert kinds == Counter({"red_item": red_new + made_red, "escalation": len(overdue)}), kinds
        assert {row.status for row in outbox} == {"delivered"}
        received = Counter(d for d, _ in receiver.attempts)
        delivered = Counter(d for d, status in receiver.attempts if status == 200)
        for row in outbox:
            assert delivered[row.delivery_id] == 1, row.delivery_id
            assert received[row.delivery_id] == row.attempts, row.delivery_id
        assert set(received) == {row.delivery_id for row in outbox}
        retried = [row for row in outbox if row.attempts > 1]
        assert retried, "the receiver refused some first attempts: they must have been retried"
        attempts = Counter((row.delivery_id, row.attempt) for row in logged)
        assert set(attempts.values()) == {1}  # no attempt made twice
        assert len(logged) == len(receiver.attempts)
        escalation_events = {
            receiver.bodies[row.delivery_id]["item"]["id"]
            for row in outbox
            if row.kind == "escalation"
        }
        assert escalation_events == set(overdue)

        # A key revoked at host A is refused at host B within KEY_CACHE_SECONDS (B has it
        # cached: it answered with it just now).
        key_id, reviewer_b = keys["reviewer-b"]
        assert b.client.get("/v1/queue", headers=_auth(reviewer_b)).status_code == 200
        revoked = a.client.delete(f"/v1/keys/{key_id}", headers=_auth(admin))
        assert revoked.status_code == 200, revoked.text
        assert a.client.get("/v1/queue", headers=_auth(reviewer_b)).status_code == 401

        def refused_at_b() -> bool:
            return bool(b.client.get("/v1/queue", headers=_auth(reviewer_b)).status_code == 401)

        # The bound is the cache time; the slack is for a busy machine.
        took = _wait_for(refused_at_b, KEY_CACHE_SECONDS + 5, "the revocation at host B")
        assert took <= KEY_CACHE_SECONDS + 2

        # A new routing policy, copied to each host's file, is served by both within the poll.
        for host in hosts:
            staged = host.policy_file.with_suffix(".tmp")
            staged.write_text(_policy("hosts.v2"), encoding="utf-8")
            staged.replace(host.policy_file)
        for host in hosts:

            def served(host: Host = host) -> bool:
                answer = host.client.get("/v1/policy", headers=_auth(admin))
                return bool(answer.json()["version"] == "hosts.v2")

            assert _wait_for(served, POLICY_POLL + 5, f"the new policy at {host.name}") <= (
                POLICY_POLL + 3
            )
        # No round failed on the way: without the database lock, rounds at the two hosts read
        # the same overdue items and all but one fail their compare-and-set, again and again.
        for host in hosts:
            assert host.process.poll() is None, host.log()[-3000:]
            assert "escalation round failed" not in host.log(), host.log()[-5000:]
            assert "Traceback" not in host.log(), host.log()[-5000:]
    engine.dispose()
