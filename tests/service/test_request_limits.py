"""Request limits on a real server, over a raw socket: a request without a valid key is refused
before its body is read, and a body announced over TRIAGE_MAX_BODY_BYTES is refused at once.
The client announces a body and never sends it: a server that read the body first would wait
for it instead of answering."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.serving.holder import ModelHolder
from tests.e2e.conftest import LiveServer, e2e_settings, start_server

LIMIT = 1_000_000


@pytest.fixture
def server(database_url: str, model_path: Path, shared_holder: ModelHolder) -> Iterator[LiveServer]:
    live = start_server(e2e_settings(database_url, model_path, max_body_bytes=LIMIT), shared_holder)
    live.reset()
    yield live
    live.stop()


def _answer_to_headers_only(
    server: LiveServer, headers: dict[str, str]
) -> tuple[int, dict[str, str]]:
    """Send a POST's headers, announcing a body that never comes; the status and JSON body."""
    host, port = server.base_url.removeprefix("http://").split(":")
    lines = ["POST /v1/classify/batch HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        received = b""
        while b"\r\n\r\n" not in received or not _complete(received):
            chunk = sock.recv(65536)  # times out (a test failure) if no answer comes
            if not chunk:
                break
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    parsed: dict[str, str] = json.loads(body)
    return status, parsed


def _complete(received: bytes) -> bool:
    head, _, body = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False


def test_a_request_without_a_key_is_refused_before_its_body_is_read(server: LiveServer) -> None:
    announced = {"Content-Type": "application/json", "Content-Length": str(LIMIT // 2)}
    status, body = _answer_to_headers_only(server, announced)
    assert status == 401 and body["error"] == "NotAuthenticatedError"
    wrong_key = announced | {"X-API-Key": "rt_not-a-key"}
    status, body = _answer_to_headers_only(server, wrong_key)
    assert status == 401 and body["error"] == "NotAuthenticatedError"


def test_a_body_announced_over_the_limit_is_refused_at_once(server: LiveServer) -> None:
    too_big = {
        "Content-Type": "application/json",
        "Content-Length": str(LIMIT + 1),
        "X-API-Key": server.keys["helpdesk"],
    }
    status, body = _answer_to_headers_only(server, too_big)
    assert status == 413 and body["error"] == "PayloadTooLargeError"
    assert str(LIMIT) in body["detail"]


def test_a_streamed_body_over_the_limit_is_cut_off(server: LiveServer) -> None:
    """Without a Content-Length (chunked), the body is counted as it arrives."""

    def chunks() -> Iterator[bytes]:
        yield b'{"items": ['
        for _ in range(LIMIT // 1000 + 10):
            yield b'{"text": "' + b"x" * 980 + b'"},'
        yield b'{"text": "last"}]}'

    response = server.post(
        "/v1/classify/batch",
        "helpdesk",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413 and response.json()["error"] == "PayloadTooLargeError"
    assert server.get("/v1/items").json()["total"] == 0
