"""A fault test: PostgreSQL becomes unreachable for a moment while clients classify items
concurrently over real HTTP. The service answers 503 with Retry-After (never a 500, never
plain text) while it is gone, recovers by itself when it is back, and every item it answered
2xx for is in the database afterwards.

The outage is real: the service reaches PostgreSQL through a TCP proxy in this test, which
drops every open connection and refuses new ones for a while, as a database restart would.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from service.serving.holder import ModelHolder
from service.tables import Item
from tests.e2e.conftest import e2e_settings, start_server

CLIENTS = 6
OUTAGE_SECONDS = 2.0


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target`; `cut()` drops every connection and refuses new
    ones until `restore()`."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._refusing = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        threading.Thread(target=self._accept, name="pg-proxy", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            if self._refusing.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(source)
            self._drop(sink)

    def _drop(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def cut(self) -> None:
        self._refusing.set()
        with self._lock:
            connections = list(self._open)
        for sock in connections:
            self._drop(sock)

    def restore(self) -> None:
        self._refusing.clear()

    def close(self) -> None:
        self._listener.close()
        self.cut()


@dataclass
class Outcome:
    external_id: str
    status: int
    body: dict[str, Any]
    retry_after: str | None
    at: float


@dataclass
class Load:
    """Clients posting new items until told to stop; every answer is kept."""

    base_url: str
    key: str
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, client_number: int) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            sent = 0
            while not self.stop.is_set():
                external_id = f"c{client_number}-{sent}"
                sent += 1
                try:
                    response = client.post(
                        "/v1/classify",
                        headers={"X-API-Key": self.key},
                        json={
                            "text": f"Order {external_id} never arrived",
                            "source": "email",
                            "external_id": external_id,
                        },
                    )
                except httpx.HTTPError as exc:  # the service itself must stay reachable
                    with self.lock:
                        self.errors.append(repr(exc))
                    continue
                is_json = response.headers.get("content-type", "").startswith("application/json")
                outcome = Outcome(
                    external_id,
                    response.status_code,
                    response.json() if is_json else {"not_json": response.text},
                    response.headers.get("retry-after"),
                    time.monotonic(),
                )
                with self.lock:
                    self.outcomes.append(outcome)

    def count(self, status: int, since: float = 0.0) -> int:
        with self.lock:
            return sum(o.status == status and o.at >= since for o in self.outcomes)


def _wait_for(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_postgresql_outage_under_load_loses_no_acknowledged_item(
    postgresql_url: str, model_path: Path, shared_holder: ModelHolder
) -> None:
    direct = make_url(postgresql_url)
    proxy = TcpProxy((direct.host or "127.0.0.1", direct.port or 5432))
    proxied = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    server = start_server(e2e_settings(proxied, model_path), shared_holder)
    server.reset()
    load = Load(server.base_url, server.keys["helpdesk"])
    clients = [threading.Thread(target=load.run, args=(n,)) for n in range(CLIENTS)]
    try:
        for thread in clients:
            thread.start()
        assert _wait_for(lambda: load.count(200) >= 30, 60), "no load before the outage"
        proxy.cut()
        outage_started = time.monotonic()
        assert _wait_for(lambda: load.count(503, outage_started) >= 5, 30), "no 503 seen"
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))
        proxy.restore()
        back = time.monotonic()
        # It recovers by itself: nobody restarts or reconfigures anything.
        assert _wait_for(lambda: load.count(200, back) >= 30, 60), "no recovery"
    finally:
        load.stop.set()
        for thread in clients:
            thread.join(60)
        server.stop()
        proxy.close()

    assert load.errors == []
    statuses = {o.status for o in load.outcomes}
    assert statuses <= {200, 503}, statuses
    assert all("not_json" not in o.body for o in load.outcomes)
    for outcome in load.outcomes:
        if outcome.status == 503:
            assert outcome.body["error"] == "ServiceUnavailable"
            assert outcome.retry_after is not None and int(outcome.retry_after) > 0
    acknowledged = {o.external_id: o.body["id"] for o in load.outcomes if o.status == 200}
    engine = create_engine(postgresql_url)
    with engine.connect() as connection:
        stored = {key: id_ for key, id_ in connection.execute(select(Item.external_id, Item.id))}
    engine.dispose()
    missing = {k: v for k, v in acknowledged.items() if stored.get(k) != v}
    assert missing == {}, f"{len(missing)} acknowledged item(s) are not stored"
