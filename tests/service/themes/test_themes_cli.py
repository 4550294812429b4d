"""`triage themes refit` and `triage themes list` on the stored feedback, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.service.test_service_cli import triage

pytestmark = pytest.mark.slow


def test_refit_and_list_from_the_command_line(stored: Any, tmp_path: Path) -> None:
    api, ids = stored
    env = {
        "TRIAGE_DATABASE_URL": api.runtime.settings.database_url,
        "TRIAGE_CACHE_DIR": str(tmp_path),
        "TRIAGE_ACTOR": "ops-cron",
    }
    done = triage("themes", "refit", env=env)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["items"] == len(ids) and summary["themes"] >= 3
    themes = api.get("/v1/themes").json()["items"]
    assert {t["id"] for t in themes} == set(summary["created"])
    assert api.get(f"/v1/themes/{themes[0]['id']}").json()["history"][0]["actor"] == "ops-cron"

    listed = triage("themes", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == len(themes)
    first = lines[0].split(maxsplit=3)
    assert first == [
        str(themes[0]["id"]),
        str(themes[0]["size"]),
        str(themes[0]["recent"]),
        themes[0]["label"],
    ]
    assert f"{len(themes)} of {len(themes)} active theme(s)" in listed.stderr

    bad = triage("themes", "list", "--status", "gone", env=env)
    assert bad.returncode == 2 and "status must be one of" in bad.stderr
