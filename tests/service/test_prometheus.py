"""GET /metrics: Prometheus' text format from prometheus-client, on SQLite and PostgreSQL;
who may scrape; and `triage serve --workers 2` adding up both workers' counts."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from model.rules import RULES_VERSION
from service.observability.logs import REQUEST_LOGGER
from service.tables import Item, WebhookOutbox
from tests.service.serving.test_audit import auto_applied
from tests.service.test_service_cli import (
    _free_port,
    _request,
    _served_env,
    _wait_for_workers,
    _wait_ready,
)
from training.datasets import LabelledDataset

TOKEN = "scrape-token-for-tests"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample of a scrape by (name, labels), read with prometheus-client's own parser."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def scrape(api: Any, role: str = "admin") -> Samples:
    response = api.get("/metrics", role)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return parse(response.text)


def test_requests_decisions_and_state_are_counted_by_route_template(api: Any) -> None:
    before = scrape(api)
    texts = [
        "We will sue you over the lost pallet, our lawyer is on it.",
        "How do I add a second admin to our workspace?",
        "Solid CRM, onboarding was smooth, reporting could be better.",
    ]
    items = []
    for n, text in enumerate(texts):
        response = api.post("/v1/classify", json={"text": text, "external_id": f"m{n}"})
        assert response.status_code == 200, response.text
        items.append(response.json())
    again = api.post("/v1/classify", json={"text": texts[0], "external_id": "m0"})
    assert again.json()["duplicate"] is True  # a request, not a new decision
    for item in items:
        assert api.get(f"/v1/items/{item['id']}").status_code == 200
    assert api.get("/v1/items/999999").status_code == 404
    assert api.get("/no/such/path").status_code == 404
    after = scrape(api)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    classify = {"method": "POST", "route": "/v1/classify", "status": "200"}
    assert delta("triage_http_requests_total", **classify) == 4
    assert delta("triage_http_request_duration_seconds_count", **classify) == 4
    assert delta("triage_http_request_duration_seconds_bucket", **classify, le="+Inf") == 4
    assert delta("triage_http_request_duration_seconds_sum", **classify) > 0
    item_route = {"method": "GET", "route": "/v1/items/{item_id}"}
    assert delta("triage_http_requests_total", **item_route, status="200") == 3
    assert delta("triage_http_requests_total", **item_route, status="404") == 1
    assert delta("triage_http_requests_total", method="GET", route="unmatched", status="404") == 1
    routes = {dict(labels).get("route") for _, labels in after}
    assert not any(
        route and route.startswith("/v1/items/") and "{" not in route for route in routes
    )

    expected: dict[tuple[str, str], int] = {}
    for item in items:
        key = (item["decision"], item["severity"])
        expected[key] = expected.get(key, 0) + 1
    for (decision, severity), count in expected.items():
        got = delta("triage_classify_decisions_total", decision=decision, severity=severity)
        assert got == count, (decision, severity)

    queue = api.get("/v1/queue", "reviewer").json()["total"]
    assert value(after, "triage_review_queue_depth") == queue > 0  # the red one waits
    assert value(after, "triage_database_up") == 1
    state = api.get("/readyz").json()
    assert value(after, "triage_model_info", **_model_labels(after)) == 1
    assert _model_labels(after)["version"] == state["model"]
    assert value(after, "triage_rules_info", version=RULES_VERSION) == 1


def _model_labels(samples: Samples) -> dict[str, str]:
    (labels,) = [dict(labels) for name, labels in samples if name == "triage_model_info"]
    return labels


def test_overdue_and_outbox_figures_follow_the_database(api: Any) -> None:
    ids = []
    for n, text in enumerate(["The export has been failing since Monday.", "Where is my order?"]):
        response = api.post("/v1/classify", json={"text": text, "external_id": f"o{n}"})
        ids.append(response.json()["id"])
    past = datetime.now(UTC) - timedelta(hours=2)
    with api.runtime.factory() as session, session.begin():
        session.execute(update(Item).where(Item.id.in_(ids)).values(due_at=past))
        for status in ("pending", "failed", "failed", "delivered"):
            session.add(_outbox_row(ids[0], status))
    samples = scrape(api)
    assert value(samples, "triage_items_overdue") == 2
    assert value(samples, "triage_outbox_pending") == 1
    assert value(samples, "triage_outbox_failed") == 2


def _outbox_row(item_id: int, status: str) -> WebhookOutbox:
    now = datetime.now(UTC)
    return WebhookOutbox(
        delivery_id=str(uuid.uuid4()),
        kind="red_item",
        item_id=item_id,
        payload={"kind": "red_item"},
        status=status,
        attempts=1,
        created_at=now,
        next_attempt_at=now + timedelta(days=1),  # no sender picks it up meanwhile
    )


def test_audit_precision_is_a_gauge_per_reviewed_class(
    make_api: Any, calibration_set: LabelledDataset
) -> None:
    api = make_api(audit_share=1.0)
    proposal = auto_applied(api, calibration_set)[0]
    response = api.post("/v1/classify", json={"text": proposal.text})
    item = response.json()
    assert item["audit"] is True and item["status"] == "needs_review"
    assert value(scrape(api), "triage_audit_reviewed", head="category", label=item["category"]) == 0
    reviewed = api.post(
        f"/v1/items/{item['id']}/review", json={"version": item["version"], "action": "confirm"}
    )
    assert reviewed.status_code == 200, reviewed.text
    samples = scrape(api)
    for head in ("category", "severity"):
        labels = {"head": head, "label": item[head]}
        assert value(samples, "triage_audit_reviewed", **labels) == 1
        assert value(samples, "triage_audit_precision", **labels) == 1.0
    with_precision = {labels for name, labels in samples if name == "triage_audit_precision"}
    assert with_precision == {  # a class without reviews has no precision yet
        frozenset({"head": head, "label": item[head]}.items()) for head in ("category", "severity")
    }


@pytest.mark.parametrize(
    ("headers", "status", "error"),
    [
        ({}, 401, "NotAuthenticatedError"),
        ({"Authorization": "Bearer wrong-token"}, 401, "NotAuthenticatedError"),
        ({"Authorization": f"Bearer {TOKEN}x"}, 401, "NotAuthenticatedError"),
    ],
)
def test_a_scrape_without_the_token_or_an_admin_key_is_refused(
    make_api: Any, headers: dict[str, str], status: int, error: str
) -> None:
    api = make_api(metrics_token=TOKEN)
    response = api.client.get("/metrics", headers=headers)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert "triage_http_requests_total" not in response.text


def test_other_roles_are_forbidden_and_the_token_or_an_admin_key_scrape(
    make_api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    api = make_api(metrics_token=TOKEN)
    for role in ("reviewer", "helpdesk"):
        refused = api.get("/metrics", role)
        assert refused.status_code == 403 and refused.json()["error"] == "ForbiddenError"
    for headers in ({"Authorization": f"Bearer {TOKEN}"}, {"X-API-Key": TOKEN}):
        allowed = api.client.get("/metrics", headers=headers)
        assert allowed.status_code == 200
        assert "triage_http_requests_total" in allowed.text
    assert api.get("/metrics", "admin").status_code == 200
    keys = [r.key for r in caplog.records if r.name == REQUEST_LOGGER]  # type: ignore[attr-defined]
    assert keys == [
        "reviewer-test",
        "helpdesk-test",
        "metrics-token",
        "metrics-token",
        "admin-test",
    ]


def test_without_a_token_setting_only_admins_scrape(api: Any) -> None:
    assert api.client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401
    assert api.get("/metrics", "reviewer").status_code == 403
    assert api.get("/metrics", "admin").status_code == 200


def _scrape_http(base: str) -> Samples:
    request = urllib.request.Request(
        f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return parse(response.read().decode())


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads workers from /proc")
def test_two_workers_counts_add_up_in_one_scrape(tmp_path: Path, model_path: Path) -> None:
    """`triage serve --workers 2`: requests answered by either worker are in every scrape,
    the metric files live under TRIAGE_CACHE_DIR and are removed when the service stops."""
    key = "rt_bootstrap_for_tests"
    cache = tmp_path / "cache"
    env = _served_env(tmp_path, model_path) | {
        "TRIAGE_METRICS_TOKEN": TOKEN,
        "TRIAGE_CACHE_DIR": str(cache),
    }
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "triage.cli", "serve", "--port", str(port), "--workers", "2"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(server, base)
        workers = _wait_for_workers(server.pid, 2, [])
        metrics_dir = cache / "prometheus" / str(server.pid)
        before = _scrape_http(base)
        # The kernel hands each connection to either worker: send until both have answered.
        count = 0
        while len(_classified_by_worker(metrics_dir)) < 2:
            assert count < 400, f"one worker answered {count} requests alone"
            with ThreadPoolExecutor(8) as pool:
                answers = list(
                    pool.map(
                        lambda n: _request(
                            f"{base}/v1/classify",
                            {"text": f"Invoice {n} is wrong again", "external_id": f"mp{n}"},
                            key,
                        ),
                        range(count, count + 16),
                    )
                )
            assert [status for status, _ in answers] == [200] * len(answers)
            count += len(answers)
        # Several scrapes, answered by whichever worker accepts each: all see every request.
        labels = {"method": "POST", "route": "/v1/classify", "status": "200"}
        for _ in range(4):
            after = _scrape_http(base)
            done = value(after, "triage_http_requests_total", **labels) - value(
                before, "triage_http_requests_total", **labels
            )
            assert done == count
            latency = value(after, "triage_http_request_duration_seconds_count", **labels)
            assert (
                latency - value(before, "triage_http_request_duration_seconds_count", **labels)
                == count
            )
            decisions = sum(
                v - value(before, name, **dict(lbl))
                for (name, lbl), v in after.items()
                if name == "triage_classify_decisions_total"
            )
            assert decisions == count
        by_worker = _classified_by_worker(metrics_dir)
        assert set(by_worker) == set(workers) and sum(by_worker.values()) == count
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert server.returncode == 0
    assert not (cache / "prometheus" / str(server.pid)).exists()


def _classified_by_worker(metrics_dir: Path) -> dict[int, float]:
    """POST /v1/classify requests each worker counted, from its own file
    (`counter_<pid>.db`), read with prometheus-client's merge."""
    counted = {}
    for path in metrics_dir.glob("counter_*.db"):
        for metric in MultiProcessCollector.merge([str(path)], accumulate=True):
            for sample in metric.samples:
                if (
                    sample.name == "triage_http_requests_total"
                    and sample.labels.get("route") == "/v1/classify"
                ):
                    counted[int(path.stem.split("_")[1])] = sample.value
    return counted
