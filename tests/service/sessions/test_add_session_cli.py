"""`triage calibration add-session ID NAME`: an adjudicated session becomes a labelled file
and a registered calibration set in a temporary MLflow store in one step; an unfinished
session, a bad name or a missing session is refused with a non-zero exit and nothing stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.settings import Settings
from tests.service.sessions.test_sessions_api import CATS_A, SEVS_A, Session, _label_all
from tests.service.test_service_cli import triage
from training.calibration_sets import list_sets
from training.datasets import load_labelled
from training.tracking import connect


def _triage(env: dict[str, str], *args: str) -> Any:
    return triage(*args, env=env)


def test_add_session_exports_and_registers_an_adjudicated_session(
    api: Any, database_url: str, tmp_path: Path
) -> None:
    s = Session(api)
    sid = s.open(10, ["rater-0", "rater-1"], seed=9)["id"]
    order = _label_all(s, sid, "rater-0", CATS_A, SEVS_A)
    env = {
        "TRIAGE_DATABASE_URL": database_url,
        "TRIAGE_MLFLOW_DIR": str(tmp_path / "mlflow"),
        "TRIAGE_CALIBRATION_SESSIONS_DIR": str(tmp_path / "sessions"),
    }
    unfinished = _triage(env, "calibration", "add-session", str(sid), "team-q4")
    assert unfinished.returncode == 2 and "not complete" in unfinished.stderr
    assert not (tmp_path / "sessions").exists()
    # rater-1 agrees on every item but the first: one item waits for an admin.
    cats = ["complaint", *CATS_A[1:]]
    _label_all(s, sid, "rater-1", cats, SEVS_A)
    waiting = _triage(env, "calibration", "add-session", str(sid), "team-q4")
    assert waiting.returncode == 2 and "1 item(s) without an adjudicated label" in waiting.stderr
    settled = api.post(
        f"/v1/sessions/{sid}/adjudications",
        json={"item_id": order[0], "category": "review", "severity": "green", "flags": []},
    )
    assert settled.status_code == 201, settled.text
    bad_name = _triage(env, "calibration", "add-session", str(sid), "Team Q4")
    assert bad_name.returncode == 2 and "must be 1-40" in bad_name.stderr
    missing = _triage(env, "calibration", "add-session", "99999", "team-q4")
    assert missing.returncode == 2 and "no calibration session with id 99999" in missing.stderr

    done = _triage(env, "calibration", "add-session", str(sid), "team-q4")
    assert done.returncode == 0, done.stderr
    assert f"calibration set 'team-q4' from session {sid}: 10 rows" in done.stdout
    path = tmp_path / "sessions" / "team-q4.csv"
    rows = load_labelled(path).rows
    assert {r.category.value for r in rows} == set(CATS_A)
    assert {r.origin for r in rows} == {f"session-{sid}"}
    client = connect(Settings(mlflow_dir=tmp_path / "mlflow"))
    (record,) = [r for r in list_sets(client) if r.name == "team-q4"]
    assert record.rows == 10 and Path(record.path) == path.resolve()
    again = _triage(env, "calibration", "add-session", str(sid), "team-q4")
    assert again.returncode == 0, again.stderr  # the same file again: a no-op
