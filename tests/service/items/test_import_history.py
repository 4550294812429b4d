"""`triage import-history`: backfilled rows become historical items that count in metrics and
never enter the queue, escalate, notify or make a burst; a second import adds nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from core.errors import InvalidInputError
from service.db import transaction
from service.items.history import history_rows, import_history
from service.items.transitions import escalate_overdue
from service.patterns.flows import analyse_all
from service.tables import Incident, Item, WebhookOutbox
from tests.conftest import Store
from tests.training.test_backfill import _needs_java, _real_texts

pytestmark = pytest.mark.slow

OUTAGE = "The export has been failing since Monday's update, we cannot send invoices."


@pytest.fixture(scope="module")
def backfilled(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real `triage backfill --with-input` output: 30 real texts, a burst of 25
    near-identical outage reports within minutes, a legal threat, a row without
    external_id and a bad row."""
    _needs_java()
    folder = tmp_path_factory.mktemp("history")
    rows: list[dict[str, Any]] = [
        {
            "external_id": f"r-{n}",
            "text": t["text"],
            "source": "g2",
            "created_at": f"2024-03-{1 + n % 28:02d}T10:00:00Z",
        }
        for n, t in enumerate(_real_texts(30))
    ]
    rows += [
        {
            "external_id": f"o-{n}",
            "text": f"{OUTAGE} (#{n})",
            "source": "email",
            "created_at": f"2024-05-02T09:{n:02d}:00Z",
            "author": f"user{n}",
        }
        for n in range(25)
    ]
    rows.append(
        {
            "external_id": "legal-1",
            "source": "trustpilot",
            "rating": 1,
            "text": "Our lawyer will sue you over the lost shipment.",
            "created_at": "2024-06-01T08:00:00Z",
        }
    )
    rows.append({"text": "No id here, but a stable key all the same.", "source": "survey"})
    rows.append({"external_id": "bad-1", "text": "", "source": "g2"})
    source = folder / "history.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = folder / "scored"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "triage.cli",
            "backfill",
            str(source),
            str(out),
            "--master",
            "local[2]",
            "--with-input",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TRIAGE_MLFLOW_DIR": str(store.mlflow_dir)},
    )
    assert done.returncode == 0, done.stderr
    return out


def test_history_is_counted_and_pages_nobody(make_api: Any, backfilled: Path) -> None:
    api = make_api(webhook_url="http://127.0.0.1:9/hook")  # a notification would be stored
    runtime = api.runtime
    with transaction(runtime.factory) as session:
        first = import_history(
            session, history_rows(backfilled), policy=runtime.policy, origin="test"
        )
    assert (first.rows, first.added, first.present, first.skipped) == (58, 57, 0, 1)
    with transaction(runtime.factory) as session:
        again = import_history(
            session, history_rows(backfilled), policy=runtime.policy, origin="test"
        )
    assert (again.added, again.present, again.skipped) == (0, 57, 1)

    assert api.get("/v1/queue", role="reviewer").json()["items"] == []
    listed = api.get("/v1/items", params={"status": "resolved", "limit": 100}).json()
    assert listed["total"] == 57
    legal = next(i for i in listed["items"] if i["external_id"] == "legal-1")
    assert legal["severity"] == "red" and legal["created_at"].startswith("2024-06-01")
    assert api.get("/v1/items", params={"status": "needs_review"}).json()["total"] == 0

    figures = api.get(
        "/v1/metrics",
        params={"received_from": "2024-01-01T00:00:00Z", "received_to": "2024-12-31T00:00:00Z"},
    ).json()
    assert figures["items"] == 56  # all but the row without created_at (received now)

    analyse_all(runtime)  # themes; the burst of outage reports must open no incident
    with transaction(runtime.factory) as session:
        assert escalate_overdue(session=session, policy=runtime.policy) == []
        assert session.scalar(select(func.count()).select_from(Incident)) == 0
        assert session.scalar(select(func.count()).select_from(WebhookOutbox)) == 0
        assert session.scalar(select(func.count()).where(Item.historical)) == 57
        assert session.scalar(select(func.count()).where(Item.analysed_at.is_(None))) == 0


def test_import_history_command_is_idempotent(backfilled: Path, tmp_path: Path) -> None:
    env = {**os.environ, "TRIAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'triage.db'}"}
    command = [sys.executable, "-m", "triage.cli", "import-history", str(backfilled)]
    first = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert first.returncode == 0, first.stderr
    assert "58 row(s) read: 57 historical item(s) added, 0 already stored, 1 with an error" in (
        first.stdout
    )
    again = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert "0 historical item(s) added, 57 already stored" in again.stdout

    missing = subprocess.run(
        [*command[:-1], str(tmp_path / "nothing")], capture_output=True, text=True, env=env
    )
    assert missing.returncode == 2 and "no Parquet or JSON Lines backfill output" in (
        missing.stderr
    )


def _scored_row(number: int, **fields: Any) -> dict[str, Any]:
    """A backfill row as `backfill --with-input` writes it (values of a real green result)."""
    return {
        "id": str(number), "row": number, "category": "review", "severity": "green",
        "category_confidence": 0.9, "severity_confidence": 0.8,
        "probabilities": {"category": {"review": 0.9}, "severity": {"green": 0.8}},
        "red_flags": [], "decision": "auto_applied", "reasons": [], "model_version": "m1",
        "rules_version": "red_flags.v3", "error": None, "text": f"Solid tool number {number}.",
        "source": "g2", **fields,
    }  # fmt: skip


def test_a_bad_row_stops_the_import_and_stores_nothing(api: Any) -> None:
    rows = [_scored_row(1), _scored_row(2, created_at="last tuesday")]
    refused = pytest.raises(InvalidInputError, match="row 2: created_at 'last tuesday'")
    with refused, transaction(api.runtime.factory) as session:
        import_history(session, rows, policy=api.runtime.policy, origin="test")
    assert api.get("/v1/items").json()["total"] == 0
    with transaction(api.runtime.factory) as session:
        done = import_history(session, rows[:1], policy=api.runtime.policy, origin="test")
    assert done.added == 1
    item = api.get("/v1/items").json()["items"][0]
    assert (item["external_id"], item["status"], item["category"]) == ("1", "resolved", "review")
