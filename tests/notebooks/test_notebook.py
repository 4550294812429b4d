"""notebooks/compare_runs.ipynb executed by a real kernel, on a real MLflow store.

The store is made by the `triage` CLI in a subprocess: version 1 measured on the `default`
calibration set, then a second set `holdout` is registered and version 2 is measured on both;
version 1 is promoted to @champion.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "compare_runs.ipynb"
KERNEL_NAME = "review-triage-tests"
STORE_VARIABLES = ("MLFLOW_TRACKING_URI", "TRIAGE_MLFLOW_TRACKING_URI", "TRIAGE_MLFLOW_DIR")
SET_HEADING = re.compile(r"calibration set '([^']+)'")


def triage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "triage.cli", *args],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        cwd=REPO,
    )
    assert result.returncode == 0, f"triage {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def every_third_row(source: Path, target: Path) -> Path:
    """A labelled file with every third row of `source` (texts may span lines, so via csv)."""
    with source.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    with target.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows[::3]])
    return target


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """TRIAGE_MLFLOW_DIR of a store with versions 1 (@champion) and 2 and sets default, holdout."""
    folder = tmp_path_factory.mktemp("notebook-store")
    mlflow_dir = folder / "mlflow"
    env = {k: v for k, v in os.environ.items() if k not in STORE_VARIABLES}
    env |= {"TRIAGE_MLFLOW_DIR": str(mlflow_dir), "TRIAGE_MODEL_PATH": str(folder / "m.joblib")}
    # A served file: the first training then leaves @champion to the promotion below.
    env["TRIAGE_MODEL_SOURCE"] = "file"
    train = ("train", "--family", "tfidf_svm", "--out")
    triage(env, *train, str(folder / "v1.joblib"))
    holdout = every_third_row(REPO / "data" / "calibration.csv", folder / "holdout.csv")
    triage(env, "calibration", "add", "holdout", str(holdout))
    triage(env, *train, str(folder / "v2.joblib"))
    # Forced: the gates may refuse v1 on the small holdout set; the notebook needs an alias only.
    triage(env, "promote", "1", "--force", "--reason", "notebook test")
    return mlflow_dir


@pytest.fixture
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernelspec running this interpreter, so the kernel sees the venv whatever is installed
    globally; it lives in a temporary JUPYTER_PATH, which is searched first."""
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "review-triage tests",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # e.g. Agg would hide the inline figures
    for name in STORE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return KERNEL_NAME


def run_notebook(kernel_name: str) -> Any:
    """The notebook executed in its own folder; the kernel inherits os.environ."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook,
        kernel_name=kernel_name,
        timeout=600,
        startup_timeout=180,
        allow_errors=True,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()
    return notebook


def outputs(notebook: Any) -> list[Any]:
    return [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]


def texts(output: Any) -> str:
    """Everything readable in one output: stream text, plain/markdown/html data, errors."""
    if output.output_type == "stream":
        return str(output.text)
    if output.output_type == "error":
        return f"{output.ename}: {output.evalue}"
    data = output.get("data", {})
    return "\n".join(
        str(data[kind]) for kind in ("text/plain", "text/markdown", "text/html") if kind in data
    )


def errors(notebook: Any) -> list[str]:
    return [
        f"cell {n}: {out.ename}: {out.evalue}"
        for n, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]


def test_committed_notebook_has_no_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:80]


@pytest.mark.slow
def test_notebook_plots_and_tabulates_every_run_on_every_set(
    store: Path, kernel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_MLFLOW_DIR", str(store))
    notebook = run_notebook(kernel)
    assert errors(notebook) == []

    # Each chart follows a markdown heading naming its calibration set.
    images: Counter[str] = Counter()
    current = None
    for out in outputs(notebook):
        if "text/markdown" in out.get("data", {}):
            match = SET_HEADING.search(out.data["text/markdown"])
            current = match.group(1) if match else None
        elif "image/png" in out.get("data", {}):
            images[current] += 1
    assert images["authored"] >= 2 and images["holdout"] >= 2, images
    assert None not in images, images

    table = next(texts(o) for o in outputs(notebook) if "category macro-F1" in texts(o))
    assert re.search(r"\bv1 @champion\b", table) and re.search(r"\bv2\b", table), table
    assert "holdout" in table and "authored" in table


def test_notebook_says_so_when_there_is_no_store(
    tmp_path: Path, kernel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no-store"
    monkeypatch.setenv("TRIAGE_MLFLOW_DIR", str(missing))
    notebook = run_notebook(kernel)
    assert errors(notebook) == []
    text = "\n".join(texts(o) for o in outputs(notebook))
    assert "No MLflow store" in text and "triage train" in text
    assert not any("image/png" in o.get("data", {}) for o in outputs(notebook))
    assert not missing.exists()  # reading never creates a store
