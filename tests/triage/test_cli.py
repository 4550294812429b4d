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
    # Rounded for people: three decimals (the API and classify-file keep every digit).
    probabilities = result["probabilities"]["category"].values()
    assert all(round(p, 3) == p for p in probabilities)
    assert abs(sum(probabilities) - 1) < 0.01
    assert round(result["category_confidence"], 3) == result["category_confidence"]
    assert f"using model {result['model_version']} " in done.stderr and "(--model)" in done.stderr


def test_model_comes_from_environment_variable(model_path: Path, tmp_path: Path) -> None:
    served_file = {"TRIAGE_MODEL_SOURCE": "file", "TRIAGE_MODEL_PATH": str(model_path)}
    done = triage("classify", "How do I add a second admin?", env=served_file)
    assert done.returncode == 0, done.stderr
    assert f"from the file {model_path}" in done.stderr
    missing = triage(
        "classify",
        "How do I add a second admin?",
        env={"TRIAGE_MODEL_SOURCE": "file", "TRIAGE_MODEL_PATH": str(tmp_path / "nope.joblib")},
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
    assert "5 rows read: 2 classified, 3 bad" in done.stderr
    assert "100%" not in done.stderr  # a progress bar is for a terminal, not for a log
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


def _every(source: Path, target: Path, step: int) -> Path:
    lines = source.read_text(encoding="utf-8").splitlines()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join([lines[0], *lines[1::step]]) + "\n", encoding="utf-8")
    return target


def test_train_serves_only_the_first_model(
    tmp_path: Path, train_set: LabelledDataset, calibration_set: LabelledDataset
) -> None:
    """The first model becomes @champion (it passes the gates); later ones are registered
    and not served until promoted; --if-missing names what is served."""
    data = tmp_path / "data"
    # A quarter of the authored data: the recipe the runtime tests' champion passes with.
    _every(train_set.path, data / "train.csv", 4)
    _every(calibration_set.path, data / "calibration.csv", 4)
    env = {
        "TRIAGE_DATA_DIR": str(data),
        "TRIAGE_MLFLOW_DIR": str(tmp_path / "mlflow"),
        "TRIAGE_MODEL_PATH": str(tmp_path / "served.joblib"),
        "TRIAGE_MODEL_SOURCE": "auto",
        "TRIAGE_MODEL_FAMILY": "tfidf_svm",
    }
    out = tmp_path / "m.joblib"
    first = triage("train", "--out", str(out), "--report", str(tmp_path / "r.json"), env=env)
    assert first.returncode == 0, first.stderr
    assert out.is_file() and "Saved model" in first.stdout and "Thresholds" in first.stdout
    reports = json.loads((tmp_path / "r.json").read_text())
    assert reports["authored"]["dataset"]["name"] == "authored"
    assert "registered version 1" in first.stdout
    assert "Nothing was served yet" in first.stdout and "@champion -> version 1" in first.stdout
    used = triage("classify", "Where do I reset my password?", env=env)
    assert used.returncode == 0, used.stderr
    assert "from review-triage@champion (version 1)" in used.stderr

    half = _every(data / "train.csv", tmp_path / "t.csv", 2)
    second = triage("train", "--data", str(half), env=env)
    assert second.returncode == 0, second.stderr
    assert "registered version 2" in second.stdout and "served model is unchanged" in second.stdout
    assert not (tmp_path / "served.joblib").exists()  # no file written behind anyone's back
    again = triage("classify", "Where do I reset my password?", env=env)
    assert "from review-triage@champion (version 1)" in again.stderr
    skipped = triage("train", "--if-missing", env=env)
    assert skipped.returncode == 0, skipped.stderr
    assert "review-triage@champion (version 1) is served; not retraining" in skipped.stderr


def test_train_with_a_served_file_keeps_it(
    tmp_path: Path, train_set: LabelledDataset, calibration_set: LabelledDataset
) -> None:
    served = tmp_path / "served.joblib"
    env = {
        "TRIAGE_MLFLOW_DIR": str(tmp_path / "mlflow"),
        "TRIAGE_MODEL_PATH": str(served),
        "TRIAGE_MODEL_SOURCE": "file",
    }
    # Every 6th row keeps every label present while training in seconds.
    small = ("--data", str(_every(train_set.path, tmp_path / "train.csv", 6)))
    cal = ("--calibration", str(_every(calibration_set.path, tmp_path / "cal.csv", 4)))
    first = triage("train", *small, *cal, env=env)
    assert first.returncode == 0, first.stderr
    assert f"saved it to {served}, served now" in first.stdout
    version = json.loads(triage("info", env=env).stdout)["model_version"]
    before = served.read_bytes()
    second = triage("train", *small, *cal, env=env)
    assert second.returncode == 0, second.stderr
    assert "served model is unchanged" in second.stdout and served.read_bytes() == before
    skipped = triage("train", "--if-missing", env=env)
    assert f"model {version} from the file {served} is served; not retraining" in skipped.stderr


def test_serve_on_a_taken_port_says_how_to_choose_another(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        database = tmp_path / "triage.db"
        done = triage(
            "serve", "--port", str(port), env={"TRIAGE_DATABASE_URL": f"sqlite:///{database}"}
        )
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is taken" in done.stderr
    assert "--port" in done.stderr and "TRIAGE_PORT" in done.stderr
    assert "Errno" not in done.stderr and "Traceback" not in done.stderr
    assert not database.exists()  # it stopped before touching anything


def test_train_reports_bad_rows(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("text,category,severity\n,review,green\nok text,nope,green\n")
    done = triage(
        "train", "--data", str(bad), "--calibration", str(bad), "--out", str(tmp_path / "m.joblib")
    )
    assert done.returncode == 2
    assert "row 1:" in done.stderr and "row 2:" in done.stderr
    assert not (tmp_path / "m.joblib").exists()
