"""`triage backfill` on local Spark gives exactly the rows of `triage classify-file`.

Needs Java: skipped without it on a workstation, but in CI (`CI=true`) a missing Java fails the
test (`make java`, a prerequisite of `make test`, installs it)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import Store
from training.backfill import OUTPUT_COLUMNS

pytestmark = pytest.mark.slow

CORPORA = Path("/work/shared/corpora")
CORPUS_FILES = ("appreviews.csv", "cfpb.csv", "finefood.csv")
LOCAL_DATA = Path(__file__).resolve().parents[2] / "data" / "real"


def _needs_java() -> None:
    if shutil.which("java") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("java is missing in CI: `make java` installs it")
        pytest.skip("no java on this machine (`make java` installs it)")


def triage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


def _real_texts(limit: int) -> list[dict[str, str]]:
    """Real feedback text: the shared corpora when present, else the repository's real data."""
    files = [CORPORA / name for name in CORPUS_FILES if (CORPORA / name).is_file()]
    files = files or sorted(LOCAL_DATA.rglob("*.csv"))
    rows: list[dict[str, str]] = []
    per_file = limit // max(len(files), 1) + 1
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle)):
                if number >= per_file:
                    break
                rows.append({"text": row["text"], "rating": row.get("rating") or ""})
    return rows[:limit]


def _write_input(path: Path, texts: list[dict[str, str]]) -> None:
    bad = [
        {"text": "", "rating": ""},  # empty text
        {"text": "   ", "rating": "3"},  # blank text
        {"text": "x" * 20_001, "rating": ""},  # too long
        {"text": "Great tool, slow support.", "rating": "7"},  # rating out of range
        {"text": "Great tool, slow support.", "rating": "four"},  # rating not a number
    ]
    rows = texts[:100] + bad + texts[100:]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "text", "rating", "source"])
        writer.writeheader()
        for number, row in enumerate(rows, start=1):
            # every 50th row has no id: both commands then use the row number
            row_id = "" if number % 50 == 0 else f"h-{number}"
            writer.writerow({"id": row_id, "source": "g2", **row})


def _frame(records: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(OUTPUT_COLUMNS))
    frame["id"] = frame["id"].astype(str)
    return frame.sort_values("row").reset_index(drop=True)


def _same(value: object, other: object) -> bool:
    """Equal, floats to 1e-9, inside lists and dicts too; None and NaN are both missing."""
    if isinstance(value, float) and isinstance(other, float):
        return abs(value - other) <= 1e-9 or (value != value and other != other)
    if isinstance(value, dict) and isinstance(other, dict):
        return value.keys() == other.keys() and all(_same(value[k], other[k]) for k in value)
    if isinstance(value, list) and isinstance(other, list):
        return len(value) == len(other) and all(
            _same(a, b) for a, b in zip(value, other, strict=True)
        )
    missing = (None, float("nan"))
    if value in missing or (isinstance(value, float) and value != value):
        return other is None or (isinstance(other, float) and other != other)
    return value == other


def test_backfill_matches_classify_file(store: Store, tmp_path: Path) -> None:
    _needs_java()
    env = {"TRIAGE_MLFLOW_DIR": str(store.mlflow_dir), "TRIAGE_MODEL_SOURCE": "auto"}
    source = tmp_path / "history.csv"
    _write_input(source, _real_texts(3000))

    expected_path = tmp_path / "classified.jsonl"
    done = triage("classify-file", str(source), "-o", str(expected_path), env=env)
    assert done.returncode == 0, done.stderr
    expected = _frame([json.loads(line) for line in expected_path.read_text().splitlines()])

    out = tmp_path / "backfilled"
    done = triage(
        "backfill", str(source), str(out), "--master", "local[2]", "--format", "jsonl", env=env
    )
    assert done.returncode == 0, done.stderr
    assert "Spark UI:" in done.stderr
    assert "stage " in done.stderr and " finished" in done.stderr
    assert f"{len(expected)} rows read" in done.stderr
    lines = [
        json.loads(line)
        for part in sorted(out.glob("part-*.json"))
        for line in part.read_text().splitlines()
    ]
    got = _frame(lines)

    assert len(got) == len(expected) == 3005
    assert list(got["row"]) == list(range(1, 3006))
    assert expected["error"].notna().sum() == 5
    assert got["id"].tolist() == expected["id"].tolist()
    for column in OUTPUT_COLUMNS:
        for row, (mine, theirs) in enumerate(zip(got[column], expected[column], strict=True)):
            assert _same(mine, theirs), (column, row + 1, mine, theirs)
    # one line shape per row, as classify-file writes it: a bad row is {id, row, error}
    bad = [line for line in lines if "error" in line]
    assert all(set(line) == {"id", "row", "error"} for line in bad)
    assert {"rating must be an integer from 1 to 5, got '7'"} <= {line["error"] for line in bad}


def test_backfill_writes_parquet_in_input_order(store: Store, tmp_path: Path) -> None:
    _needs_java()
    env = {"TRIAGE_MLFLOW_DIR": str(store.mlflow_dir)}
    source = tmp_path / "history.jsonl"
    rows = [{"text": t["text"], "source": "email"} for t in _real_texts(40)]
    lines = [json.dumps(row) for row in rows] + ["{not json", json.dumps({"rating": 2})]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "scored.parquet"
    done = triage(
        "backfill",
        str(source),
        str(out),
        "--master",
        "local[1]",
        "--model",
        f"models:/review-triage/{store.registry_version}",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    frame = pd.read_parquet(out)
    assert list(frame.columns) == list(OUTPUT_COLUMNS)
    assert frame["row"].tolist() == list(range(1, 43))
    assert frame["id"].tolist() == [str(n) for n in range(1, 43)]  # no ids: row numbers
    assert frame["error"].isna().sum() == 40
    assert frame["error"].iloc[-1] == "text is missing"
    assert frame["error"].iloc[-2] == "is not a readable record"
    assert set(frame["model_version"].dropna()) == {store.model_version}
