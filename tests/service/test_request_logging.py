"""Request ids and request logs: one line per request (JSON under `triage serve`, or text),
an `X-Request-ID` taken from the caller when sane, else made, returned in the response and
written into every event the request records; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from service.actors import SYSTEM
from service.items import flows
from service.items.schemas import ClassifyResult, ItemIn
from service.observability.logs import REQUEST_LOGGER, json_formatter
from tests.service.console.test_ui import sign_in
from tests.service.test_service_cli import _free_port, _request, _served_env, _wait_ready

GENERATED = re.compile(r"[0-9a-f]{32}")
LEGAL = "We will sue you over the lost pallet, our lawyer is already on it."


def request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == REQUEST_LOGGER]


def events_of(api: Any, item_id: int) -> list[dict[str, Any]]:
    response = api.get(f"/v1/items/{item_id}")
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def test_one_json_line_per_request_with_its_id_route_and_key(
    api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    headers = api.headers("reviewer") | {"X-Request-ID": "trace-1.a:b_c"}
    response = api.client.get("/v1/items/999999", headers=headers)
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "trace-1.a:b_c"
    (record,) = request_lines(caplog)
    line = json_formatter().format(record)
    assert "\n" not in line
    logged = json.loads(line)
    assert (
        logged
        | {
            "level": "INFO",
            "logger": REQUEST_LOGGER,
            "method": "GET",
            "route": "/v1/items/{item_id}",
            "status": 404,
            "request_id": "trace-1.a:b_c",
            "key": "reviewer-test",
        }
        == logged
    )
    assert isinstance(logged["duration_ms"], float) and logged["duration_ms"] >= 0
    assert "time" in logged and "trace-1.a:b_c" in logged["message"]


def test_a_request_without_a_key_is_logged_without_one(
    api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    response = api.client.post("/v1/classify", json={"text": "hello"})
    assert response.status_code == 401  # refused by the guard before any route ran
    (record,) = request_lines(caplog)
    logged = json.loads(json_formatter().format(record))
    assert logged["key"] is None and logged["status"] == 401
    assert logged["route"] == "/v1/classify"
    assert logged["request_id"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    "sent",
    [None, "", "a" * 129, "has space", "semi;colon", "<script>", "é-accent".encode(), "new\tline"],
)
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(
    api: Any, caplog: pytest.LogCaptureFixture, sent: str | bytes | None
) -> None:
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    headers = api.headers("admin")
    if sent is not None:
        headers["X-Request-ID"] = sent
    response = api.client.get("/healthz", headers=headers)
    assert response.status_code == 200  # a bad id is not the request's fault
    given = response.headers["X-Request-ID"]
    assert GENERATED.fullmatch(given) and given != sent
    (record,) = request_lines(caplog)
    assert record.request_id == given  # type: ignore[attr-defined]


def test_ids_are_new_for_every_request_and_a_long_valid_one_is_kept(api: Any) -> None:
    ids = {api.client.get("/healthz").headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5
    longest = "x" * 128
    assert api.client.get("/healthz", headers={"X-Request-ID": longest}).headers[
        "X-Request-ID"
    ] == (longest)


def test_events_of_a_classify_and_a_review_carry_their_request_ids(api: Any) -> None:
    classified = api.client.post(
        "/v1/classify",
        json={"text": LEGAL},
        headers=api.headers("helpdesk") | {"X-Request-ID": "classify-1"},
    )
    assert classified.status_code == 200, classified.text
    item = classified.json()
    assert item["status"] == "needs_review"
    reviewed = api.client.post(
        f"/v1/items/{item['id']}/review",
        json={"version": item["version"], "action": "confirm"},
        headers=api.headers("reviewer") | {"X-Request-ID": "review-1"},
    )
    assert reviewed.status_code == 200, reviewed.text
    by_kind = {event["kind"]: event for event in events_of(api, item["id"])}
    assert by_kind["classified"]["data"]["request_id"] == "classify-1"
    assert by_kind["routed"]["data"]["request_id"] == "classify-1"
    assert by_kind["reviewed"]["data"]["request_id"] == "review-1"


def test_a_batch_stamps_every_items_events(api: Any) -> None:
    response = api.client.post(
        "/v1/classify/batch",
        json={"items": [{"text": LEGAL}, {"text": "How do I export to CSV?"}]},
        headers=api.headers("admin") | {"X-Request-ID": "batch-7"},
    )
    assert response.status_code == 200, response.text
    for item in response.json()["items"]:
        ids = {event["data"].get("request_id") for event in events_of(api, item["id"])}
        assert ids == {"batch-7"}


def test_concurrent_classify_requests_stored_together_keep_their_own_ids(api: Any) -> None:
    """The classify batcher stores concurrent requests in one transaction, in a thread of its
    own: each item's events still name the request that sent it."""
    count = 16
    barrier = threading.Barrier(count)

    def send(n: int) -> tuple[str, int]:
        barrier.wait()
        response = api.client.post(
            "/v1/classify",
            json={"text": f"Invoice {n} was charged twice", "external_id": f"c{n}"},
            headers=api.headers("helpdesk") | {"X-Request-ID": f"req-{n}"},
        )
        assert response.status_code == 200, response.text
        assert response.headers["X-Request-ID"] == f"req-{n}"
        return f"req-{n}", response.json()["id"]

    with ThreadPoolExecutor(count) as pool:
        sent = list(pool.map(send, range(count)))
    for request_id, item_id in sent:
        ids = {event["data"].get("request_id") for event in events_of(api, item_id)}
        assert ids == {request_id}, item_id


def test_events_outside_a_request_carry_no_id(api: Any) -> None:
    (stored,) = flows.classify(api.runtime, [ItemIn(text=LEGAL)], SYSTEM)
    assert isinstance(stored, ClassifyResult)
    assert all("request_id" not in e["data"] for e in events_of(api, stored.id))


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_serve_logs_each_request_once_in_the_chosen_format(
    tmp_path: Path, model_path: Path, log_format: str
) -> None:
    """`triage serve` writes JSON lines by default (TRIAGE_LOG_FORMAT unset), text when set;
    uvicorn's own access line is off, so each request leaves exactly one line."""
    env = _served_env(tmp_path, model_path)
    if log_format == "text":
        env["TRIAGE_LOG_FORMAT"] = "text"
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "triage.cli", "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(server, base)
        status, _ = _request(f"{base}/v1/classify", {"text": LEGAL}, "rt_bootstrap_for_tests")
        assert status == 200
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    lines = stderr.splitlines()
    classify_lines = [line for line in lines if "/v1/classify" in line]
    assert len(classify_lines) == 1, classify_lines
    (line,) = classify_lines
    if log_format == "json":
        logged = json.loads(line)
        assert logged["route"] == "/v1/classify" and logged["status"] == 200
        assert logged["key"] == "bootstrap-admin"
        assert GENERATED.fullmatch(logged["request_id"])
        startup = [json.loads(x) for x in lines if "Application startup complete" in x]
        assert startup and startup[0]["logger"] == "uvicorn.error"  # uvicorn's lines too
    else:
        assert not line.startswith("{")
        assert re.search(
            r"INFO triage\.requests: POST /v1/classify 200 [\d.]+ ms request_id=", line
        )


def test_the_console_item_page_leaves_request_ids_out_of_the_history(make_api: Any) -> None:
    api = make_api(ui_cookie_secure=False)  # TestClient speaks plain http
    classified = api.client.post(
        "/v1/classify",
        json={"text": LEGAL},
        headers=api.headers("helpdesk") | {"X-Request-ID": "console-hidden-1"},
    )
    item_id = classified.json()["id"]
    assert sign_in(api).status_code == 303
    page = api.client.get(f"/ui/items/{item_id}")
    assert page.status_code == 200
    assert "submitted_by=" in page.text  # the event data is shown...
    assert "console-hidden-1" not in page.text  # ...but not the operators' request id
