"""The model lifecycle on a real MLflow store in a temporary folder.

Three versions are trained once per module with the fast SVM family: v1 and v3 on the full
training file (equal figures), v2 on an eighth of it (clearly weaker).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.errors import CalibrationSetError, RegistryError
from core.settings import Settings
from model.rules import RULES_VERSION
from training.calibration_sets import list_sets, load_sets, register_set
from training.datasets import LabelledDataset, load_labelled
from training.lifecycle import comparison_table, resolve_runs, train_and_track, version_rows
from training.model_store import CHAMPION, REGISTERED_MODEL, download_version, version_cache
from training.registry import alias_version, history, promote, rollback
from training.tracking import EXPERIMENT, EXPERIMENT_KIND_TAG, connect, training_run_name

pytestmark = pytest.mark.slow

VENV_BIN = str(Path(sys.executable).parent)


@dataclass
class Store:
    settings: Settings
    client: Any
    env: dict[str, str]
    extra_set: Path

    def promote(self, version: str | None, **kwargs: Any) -> Any:
        return promote(
            self.client,
            version=version,
            sets=load_sets(self.client, self.settings.calibration_sets),
            cache_dir=self.settings.mlflow_dir / "cache",
            f1_margin=self.settings.promotion_f1_margin,
            max_ece=self.settings.promotion_max_ece,
            ece_min_rows=self.settings.promotion_ece_min_rows,
            actor="tester",
            **kwargs,
        )


def _subset(dataset: LabelledDataset, path: Path, step: int) -> Path:
    lines = dataset.path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0], *lines[1::step]]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory,
    train_set: LabelledDataset,
    calibration_set: LabelledDataset,
) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("lifecycle")
    # Trained on authored rows only, so calibrated on the authored set too.
    settings = Settings(
        mlflow_dir=folder / "mlflow",
        model_path=folder / "model.joblib",
        fit_calibration_set="authored",
        calibration_method="auto",
    )
    client = connect(settings)
    extra = _subset(calibration_set, folder / "extra.csv", 5)
    register_set(client, "authored", calibration_set.path)
    register_set(client, "extra", extra)
    weak = load_labelled(_subset(train_set, folder / "weak.csv", 8))
    for number, data in enumerate((train_set, weak, train_set), start=1):
        train_and_track(
            client=client,
            settings=settings,
            train_set=data,
            out=folder / f"v{number}.joblib",
            family="tfidf_svm",
            target_precision=0.95,
        )
    env = {
        **os.environ,
        "TRIAGE_MLFLOW_DIR": str(settings.mlflow_dir),
        "PATH": VENV_BIN + os.pathsep + os.environ.get("PATH", ""),
    }
    yield Store(settings, client, env, extra)


def triage(store: Store, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=store.env,
    )


def test_each_training_run_logs_datasets_metrics_artifacts_and_a_version(store: Store) -> None:
    rows = version_rows(store.client)
    assert [r["version"] for r in rows][-3:] == ["3", "2", "1"]
    run = store.client.get_run(rows[-1]["run_id"])
    metrics = run.data.metrics
    for set_name in ("authored", "extra"):
        for head in ("category", "severity"):
            for figure in ("macro_f1", "ece", "brier"):
                assert 0 <= metrics[f"{set_name}/model/{head}/{figure}"] <= 1
        assert metrics[f"{set_name}/model/severity/per_class/red/recall"] >= 0
        assert metrics[f"{set_name}/model/category/per_class/complaint/f1"] > 0
        assert metrics[f"{set_name}/combined/red_recall"] >= metrics[f"{set_name}/rules/red_recall"]
        assert 0 < metrics[f"{set_name}/combined/coverage"] < 1
        assert f"{set_name}/rules/families/legal/recall" in metrics
    assert run.data.params["config.family"] == "tfidf_svm"
    assert run.data.tags["rules_version"] == RULES_VERSION
    # Named by family, training data digest and UTC minute; the UI opens on training runs.
    sha = run.data.params["training_sha256"]
    assert re.fullmatch(rf"tfidf_svm-{sha[:8]}-20\d{{6}}-\d{{4}}", run.info.run_name)
    started = datetime.fromtimestamp(run.info.start_time / 1000, UTC)
    assert run.info.run_name.endswith(f"{started:%Y%m%d-%H%M}") or run.info.run_name.endswith(
        f"{started - timedelta(minutes=1):%Y%m%d-%H%M}"
    )
    experiment = store.client.get_experiment_by_name(EXPERIMENT)
    assert experiment.tags[EXPERIMENT_KIND_TAG] == "custom_model_development"

    inputs = {i.tags[0].value if i.tags else "": i.dataset for i in run.inputs.dataset_inputs}
    recorded = {r.name: r.sha256 for r in list_sets(store.client)}
    for name in ("authored", "extra"):
        assert inputs[f"calibration:{name}"].digest == recorded[name][:16]
    assert inputs["training"].name == "train"

    artifacts = {a.path for a in store.client.list_artifacts(run.info.run_id, "evaluation/extra")}
    assert {
        "evaluation/extra/confusion_category.png",
        "evaluation/extra/reliability_severity.png",
        "evaluation/extra/classification_report.txt",
        "evaluation/extra/evaluation.json",
    } <= artifacts
    top = {a.path for a in store.client.list_artifacts(run.info.run_id)}
    assert {"thresholds.json", "rules_version.txt", "manifest.json"} <= top
    png = store.client.download_artifacts(
        run.info.run_id, "evaluation/authored/confusion_category.png", str(store.extra_set.parent)
    )
    assert Path(png).read_bytes().startswith(b"\x89PNG")
    version = store.client.get_model_version(REGISTERED_MODEL, "1")
    assert version.tags["family"] == "tfidf_svm" and version.run_id == run.info.run_id


def test_promotion_gates_force_rollback_and_history(store: Store) -> None:
    if alias_version(store.client, CHAMPION) is not None:
        pytest.skip("this scenario needs a store without a champion")
    first = store.promote("1")
    assert first.promoted and first.entry is not None and first.entry.action == "first_champion"

    # The weak model fails the macro-F1 gate beyond noise, through the CLI: exit 2, FAIL lines
    # with the point, the interval and the difference, no move.
    refused = triage(store, "promote", "2")
    assert refused.returncode == 2, refused.stderr
    assert "paired bootstrap, 1000 replicates, 95 % intervals" in refused.stdout
    failed = [line for line in refused.stdout.splitlines() if "[FAIL]" in line]
    assert any("macro-F1" in line and "real regression" in line for line in failed), failed
    assert all("(95 % CI" in line and "difference" in line for line in failed), failed
    assert "was not promoted" in refused.stderr
    assert str(alias_version(store.client, CHAMPION).version) == "1"

    with pytest.raises(RegistryError, match="--reason"):
        store.promote("2", force=True)
    forced = store.promote("2", force=True, reason="hotfix for a customer demo")
    assert forced.promoted and forced.entry is not None and forced.entry.action == "force_promote"
    assert any("macro-F1" in failure for failure in forced.entry.failed)
    tags = store.client.get_model_version(REGISTERED_MODEL, "2").tags
    assert tags["champion.forced"] == "true" and tags["champion.by"] == "tester"
    assert tags["champion.reason"] == "hotfix for a customer demo"
    assert "macro-F1" in tags["champion.failed_gates"]

    back = triage(store, "rollback", "--reason", "demo over")
    assert back.returncode == 0, back.stderr
    assert str(alias_version(store.client, CHAMPION).version) == "1"
    with pytest.raises(RegistryError, match="no earlier champion"):
        rollback(store.client, actor="tester")

    # v3 has v1's figures: not lower on any gate, so it passes; equal rows, zero difference.
    passed = store.promote(None)
    assert passed.version == "3" and passed.promoted and not passed.gates.failures
    for check in passed.gates.checks:
        if check.difference is not None:
            assert check.difference.low == check.difference.high == 0, check.describe()
    # Every registered set is gated, and the real one per source too.
    real_sources = {f"real/{source}" for source in ("appreviews", "cfpb", "finefood", "twcs")}
    assert {c.calibration_set for c in passed.gates.checks} == {
        "authored",
        "extra",
        "real",
        *real_sources,
    }
    with pytest.raises(RegistryError, match="already the champion"):
        store.promote("3")

    actions = [(e.action, e.version, e.previous) for e in history(store.client)]
    assert actions == [
        ("first_champion", "1", None),
        ("force_promote", "2", "1"),
        ("rollback", "1", "2"),
        ("promote", "3", "1"),
    ]
    listed = triage(store, "models", "history")
    assert listed.returncode == 0 and "force_promote" in listed.stdout
    assert "hotfix for a customer demo" in listed.stdout and "failed gate" in listed.stdout
    models = triage(store, "models", "list")
    assert models.returncode == 0
    assert "@champion" in models.stdout and "tfidf_svm" in models.stdout


def test_compare_shows_runs_side_by_side_on_every_set(store: Store) -> None:
    columns = resolve_runs(store.client, ["1", "v2"])
    assert [c.label.split()[0] for c in columns] == ["v1", "v2"]
    table = comparison_table(columns, "extra")
    figures = {row[0]: row[1:] for row in table[1:]}
    assert float(figures["category macro-F1"][0]) > float(figures["category macro-F1"][1])
    done = triage(store, "compare")
    assert done.returncode == 0, done.stderr
    assert "Calibration set 'authored'" in done.stdout and "Calibration set 'extra'" in done.stdout
    assert "v3" in done.stdout and "red recall (rules alone)" in done.stdout
    missing = triage(store, "compare", "v99")
    assert missing.returncode == 2 and "no version 99" in missing.stderr


def test_calibration_sets_are_frozen(store: Store, tmp_path: Path) -> None:
    copy = tmp_path / "frozen.csv"
    copy.write_bytes(store.extra_set.read_bytes())
    register_set(store.client, "frozen", copy)
    assert register_set(store.client, "frozen", copy).name == "frozen"  # same file: no-op
    with copy.open("a", encoding="utf-8") as handle:
        handle.write("zz-1,One more row that was not there,review,green,,g2,5,smb,false,x\n")
    with pytest.raises(CalibrationSetError, match="frozen with sha256"):
        load_sets(store.client, store.settings.calibration_sets)
    with pytest.raises(CalibrationSetError, match="needs a new name"):
        register_set(store.client, "frozen", copy)
    added = triage(store, "calibration", "add", "Bad Name", str(copy))
    assert added.returncode == 2 and "must be 1-40" in added.stderr
    # Put the frozen file back so the other tests of this store keep working.
    copy.write_bytes(store.extra_set.read_bytes())
    assert {r.name for r in list_sets(store.client)} >= {"authored", "extra", "frozen"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post_json(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


PARITY_TEXTS = [
    "We will sue you over the lost shipment.",
    "Someone hacked our admin account and changed the payout details.",
    "Great onboarding, the team answered every question within an hour.",
    "Your invoice charged us twice and nobody replies to tickets.",
    "Is there a way to export the audit log as CSV?",
    "Their sales rep claims your platform leaks customer data, is that true?",
    "The forklift scanner overheated and burned a warehouse worker's hand.",
    "Killer feature: the fraud detection module caught a fake vendor.",
]


def test_served_champion_matches_triage_classify(store: Store, tmp_path: Path) -> None:
    if alias_version(store.client, CHAMPION) is None:
        store.promote("1")
    champion = alias_version(store.client, CHAMPION)
    local = download_version(store.client.tracking_uri, str(champion.version), tmp_path / "cache")
    assert local.is_relative_to(
        version_cache(tmp_path / "cache", store.client.tracking_uri, str(champion.version))
    )

    port = _free_port()
    server = subprocess.Popen(
        [
            str(Path(VENV_BIN) / "mlflow"),
            "models",
            "serve",
            "-m",
            f"models:/{REGISTERED_MODEL}@champion",
            "--env-manager",
            "local",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        env=store.env | {"MLFLOW_TRACKING_URI": f"sqlite:///{store.settings.mlflow_dir}/mlflow.db"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2):
                    break
            except OSError as exc:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"mlflow models serve did not start: {exc}") from exc
                time.sleep(0.5)
        records = [{"text": t} for t in PARITY_TEXTS] + [{"text": "  "}]
        served = _post_json(f"http://127.0.0.1:{port}/invocations", {"dataframe_records": records})[
            "predictions"
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)

    source = tmp_path / "in.csv"
    source.write_text("text\n" + "\n".join(f'"{t}"' for t in PARITY_TEXTS) + "\n")
    out = tmp_path / "out.jsonl"
    done = triage(store, "classify-file", str(source), "-o", str(out), "--model", str(local))
    assert done.returncode == 0, done.stderr
    expected = [json.loads(line) for line in out.read_text().splitlines()]
    single = triage(store, "classify", PARITY_TEXTS[0], "--model", str(local))
    assert single.returncode == 0, single.stderr
    assert json.loads(single.stdout)["decision"] == expected[0]["decision"]

    assert len(served) == len(PARITY_TEXTS) + 1
    for got, want in zip(served, expected, strict=False):
        for key in ("category", "severity", "red_flags", "decision", "reasons", "model_version"):
            assert got[key] == want[key], key
        assert got["error"] is None
        for head in ("category", "severity"):
            for label, p in want["probabilities"][head].items():
                assert abs(got["probabilities"][head][label] - p) < 1e-9
    assert served[-1]["error"] and served[-1]["category"] is None
    families = {flag["family"] for row in served[:-1] for flag in row["red_flags"]}
    assert {"legal", "security", "safety"} <= families


def test_retrain_merges_corrections_flags_suspects_and_registers_a_challenger(
    store: Store, tmp_path: Path, train_set: LabelledDataset, calibration_set: LabelledDataset
) -> None:
    praise = next(r for r in train_set.rows if r.category.value == "review" and r.item.rating == 5)
    in_calibration = calibration_set.rows[0]
    corrections = tmp_path / "corrections.csv"
    corrections.write_text(
        "id,text,category,severity,flags,source,rating,account_tier,reviewed_at,reviewer\n"
        f'c1,"{praise.item.text}",misinformation,red,,g2,5,smb,2026-11-20,ann\n'
        "c2,The bulk export times out after ten thousand rows on our tenant,service_issue,"
        "yellow,,email,,enterprise,2026-11-21,bob\n"
        f'c3,"{in_calibration.item.text}",review,green,,g2,5,smb,2026-11-21,ann\n',
        encoding="utf-8",
    )
    before = {str(v["version"]) for v in version_rows(store.client)}
    suspects = tmp_path / "suspects.csv"
    done = triage(
        store,
        "retrain",
        "--corrections",
        str(corrections),
        "--data",
        str(train_set.path),
        "--family",
        "tfidf_svm",
        "--folds",
        "2",
        "--suspects-out",
        str(suspects),
        "--out",
        str(tmp_path / "retrained.joblib"),
    )
    assert done.returncode == 0, done.stderr
    assert "1 overridden" in done.stdout and "1 added" in done.stdout
    assert "not used (text is in a calibration set): c3" in done.stdout
    assert "c1: severity 'red'" in done.stdout  # praise "corrected" to red is suspect
    assert suspects.read_text().count("\n") >= 2
    new = {str(v["version"]) for v in version_rows(store.client)} - before
    assert len(new) == 1
    (version,) = new
    challenger = alias_version(store.client, "challenger")
    assert challenger is not None and str(challenger.version) == version
    run = store.client.get_run(challenger.run_id)
    assert run.data.tags["retrain"] == "true" and run.data.params["training_rows"] == str(
        len(train_set) + 1
    )
    assert history(store.client)[-1].action == "challenger"


def test_run_names_and_the_experiment_kind_of_an_older_store(tmp_path: Path) -> None:
    at = datetime(2026, 12, 5, 7, 9, 59, tzinfo=UTC)
    assert training_run_name("tfidf_logreg", "0123456789abcdef", at) == (
        "tfidf_logreg-01234567-20261205-0709"
    )
    settings = Settings(mlflow_dir=tmp_path / "mlflow")
    client = connect(settings)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment.tags[EXPERIMENT_KIND_TAG] == "custom_model_development"
    # A store made before the tag existed (or set to GenAI by hand) gets it at next use.
    client.set_experiment_tag(experiment.experiment_id, EXPERIMENT_KIND_TAG, "genai_development")
    client = connect(settings)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment.tags[EXPERIMENT_KIND_TAG] == "custom_model_development"


def test_the_download_cache_is_keyed_by_store_and_version(tmp_path: Path) -> None:
    """Two tracking servers both have a version 3: their artifacts must not share a folder."""
    one = version_cache(tmp_path, "http://mlflow-a:5000", "3")
    other = version_cache(tmp_path, "http://mlflow-b:5000", "3")
    assert one != other and one.name == other.name == "3"
    assert version_cache(tmp_path, "http://mlflow-a:5000", "3") == one  # stable across calls
    assert version_cache(tmp_path, "http://mlflow-a:5000", "4").parent == one.parent
