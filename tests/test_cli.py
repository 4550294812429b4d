"""The `triage` command line end to end, in a real subprocess."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from model.engine import RESULT_KEYS
from training.datasets import LabelledDataset

pytestmark = pytest.mark.slow


def triage(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_classify_prints_one_json_result(model_path: Path) -> None:
    done = triage(
        "classify",
        "We will sue you over the lost shipment.",
        "--rating",
        "1",
        "--source",
        "trustpilot",
        "--model",
        str(model_path),
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(RESULT_KEYS) <= set(result)
    assert result["severity"] == "red" and result["decision"] == "rule_forced"
    assert result["red_flags"][0]["family"] == "legal"
    assert abs(sum(result["probabilities"]["category"].values()) - 1) < 1e-9


def test_model_comes_from_environment_variable(model_path: Path, tmp_path: Path) -> None:
    done = triage(
        "classify", "How do I add a second admin?", env={"TRIAGE_MODEL_PATH": str(model_path)}
    )
    assert done.returncode == 0, done.stderr
    missing = triage(
        "classify",
        "How do I add a second admin?",
        env={"TRIAGE_MODEL_PATH": str(tmp_path / "nope.joblib")},
    )
    assert missing.returncode == 1
    assert "no model at" in missing.stderr and "triage train" in missing.stderr


def test_bad_single_input_is_a_clear_error(model_path: Path) -> None:
    done = triage("classify", "   ", "--model", str(model_path))
    assert done.returncode == 2
    assert "text is empty" in done.stderr
    done = triage("classify", "fine text", "--rating", "9", "--model", str(model_path))
    assert done.returncode == 2 and "rating" in done.stderr


def test_classify_file_csv_keeps_every_row(model_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "rating", "source", "account_tier"])
        writer.writerow(["a-1", "Love the new dashboard, great work.", "5", "g2", "smb"])
        writer.writerow(["", "Someone logged into our admin account, not us!", "", "email", ""])
        writer.writerow(["a-3", "", "", "", ""])
        writer.writerow(["a-4", "Invoice is wrong again", "11", "", ""])
        writer.writerow(["a-5", "Where do I reset my password?", "", "", "platinum"])
    out = tmp_path / "out" / "result.jsonl"
    done = triage(
        "classify-file",
        str(source),
        "-o",
        str(out),
        "--model",
        str(model_path),
        "--batch-size",
        "2",
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["a-1", 2, "a-3", "a-4", "a-5"]
    assert [line["row"] for line in lines] == [1, 2, 3, 4, 5]
    good, flagged, empty, bad_rating, bad_tier = lines
    assert set(RESULT_KEYS) <= set(good) and "error" not in good
    assert flagged["red_flags"] and flagged["decision"] == "rule_forced"
    assert "text is empty" in empty["error"]
    assert "rating" in bad_rating["error"]
    assert "account_tier" in bad_tier["error"]
    assert "row 3:" in done.stderr and "row 4:" in done.stderr and "row 5:" in done.stderr
    assert "5 rows classified" in done.stderr and "3 bad row(s)" in done.stderr
    strict = triage(
        "classify-file",
        str(source),
        "-o",
        str(out),
        "--model",
        str(model_path),
        "--fail-on-bad-rows",
        "--no-progress",
    )
    assert strict.returncode == 3


def test_classify_file_jsonl_with_a_broken_line(model_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": 7, "text": "Your driver said he'd stab me."})
        + "\n"
        + "{broken\n"
        + json.dumps({"text": "Is there a partner program for agencies?"})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    done = triage("classify-file", str(source), "-o", str(out), "--model", str(model_path))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == [7, 2, 3]
    assert lines[0]["red_flags"][0]["family"] == "safety"
    assert "not valid JSON" in lines[1]["error"]
    assert lines[2]["category"] is not None


def test_evaluate_and_info(
    model_path: Path, tmp_path: Path, calibration_set: LabelledDataset
) -> None:
    small = tmp_path / "small.csv"
    lines = calibration_set.path.read_text(encoding="utf-8").splitlines()
    small.write_text("\n".join(lines[:121]) + "\n", encoding="utf-8")
    done = triage("evaluate", "--data", str(small), "--model", str(model_path))
    assert done.returncode == 0, done.stderr
    assert "Evaluation on small (120 rows" in done.stdout
    assert "Rules alone" in done.stdout and "coverage" in done.stdout
    as_json = triage("evaluate", "--data", str(small), "--model", str(model_path), "--json")
    assert json.loads(as_json.stdout)["small"]["dataset"]["rows"] == 120
    info = triage("info", "--model", str(model_path))
    assert json.loads(info.stdout)["format"] == "review-triage-model"


def test_train_writes_a_model_and_skips_when_present(
    tmp_path: Path, train_set: LabelledDataset, calibration_set: LabelledDataset
) -> None:
    train_lines = train_set.path.read_text(encoding="utf-8").splitlines()
    cal_lines = calibration_set.path.read_text(encoding="utf-8").splitlines()
    # Every 6th row keeps every label present while training in seconds.
    small_train = tmp_path / "train.csv"
    small_train.write_text("\n".join([train_lines[0], *train_lines[1::6]]) + "\n")
    small_cal = tmp_path / "cal.csv"
    small_cal.write_text("\n".join([cal_lines[0], *cal_lines[1::4]]) + "\n")
    out = tmp_path / "m.joblib"
    done = triage(
        "train",
        "--data",
        str(small_train),
        "--calibration",
        str(small_cal),
        "--out",
        str(out),
        "--report",
        str(tmp_path / "report.json"),
    )
    assert done.returncode == 0, done.stderr
    assert out.is_file() and "Saved model" in done.stdout and "Thresholds" in done.stdout
    reports = json.loads((tmp_path / "report.json").read_text())
    assert reports["cal"]["dataset"]["name"] == "cal"  # the set it was calibrated on
    assert reports["authored"]["dataset"]["name"] == "authored"  # measured on every set
    assert "registered review-triage version" in done.stdout
    again = triage("train", "--if-missing", "--out", str(out))
    assert again.returncode == 0 and "not retraining" in again.stderr


def test_train_reports_bad_rows(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("text,category,severity\n,review,green\nok text,nope,green\n")
    done = triage(
        "train", "--data", str(bad), "--calibration", str(bad), "--out", str(tmp_path / "m.joblib")
    )
    assert done.returncode == 2
    assert "row 1:" in done.stderr and "row 2:" in done.stderr
    assert not (tmp_path / "m.joblib").exists()
