"""Shared fixtures: the real rules, the real data files, and one model trained on them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.settings import Settings, get_settings
from model.rules import RedFlagRules
from training.calibration_sets import load_sets
from training.datasets import LabelledDataset, load_labelled, load_many
from training.lifecycle import train_and_track
from training.registry import promote
from training.tracking import connect
from training.train import TrainedModel, save_trained, train_model

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session", autouse=True)
def isolated_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No test writes to the repository's var/ folder or to a user's tracking server."""
    patch = pytest.MonkeyPatch()
    folder = tmp_path_factory.mktemp("mlflow")
    patch.setenv("TRIAGE_MLFLOW_DIR", str(folder))
    patch.setenv("TRIAGE_MODEL_PATH", str(folder / "model.joblib"))
    patch.delenv("MLFLOW_TRACKING_URI", raising=False)
    patch.delenv("TRIAGE_MLFLOW_TRACKING_URI", raising=False)
    get_settings.cache_clear()
    yield folder
    patch.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def rules() -> RedFlagRules:
    return RedFlagRules()


@pytest.fixture(scope="session")
def train_set() -> LabelledDataset:
    return load_labelled(DATA / "train.csv")


@pytest.fixture(scope="session")
def calibration_set() -> LabelledDataset:
    return load_labelled(DATA / "calibration.csv")


@pytest.fixture(scope="session")
def trained(
    train_set: LabelledDataset, calibration_set: LabelledDataset, rules: RedFlagRules
) -> TrainedModel:
    """The recipe trained on the authored files (about 30 s, once per session)."""
    return train_model(train=train_set, calibration=calibration_set, rules=rules)


@pytest.fixture(scope="session")
def model_path(trained: TrainedModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "model.joblib"
    save_trained(trained, path)
    return path


@dataclass(frozen=True)
class Store:
    """An MLflow store in a temporary folder whose champion is a quick tfidf_svm model."""

    mlflow_dir: Path
    registry_version: str
    model_file: Path  # the champion's artifact, as trained
    model_version: str


def _every(dataset: LabelledDataset, path: Path, step: int) -> Path:
    lines = dataset.path.read_text(encoding="utf-8").splitlines()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([lines[0], *lines[1::step]]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def store(
    tmp_path_factory: pytest.TempPathFactory,
    train_set: LabelledDataset,
    calibration_set: LabelledDataset,
) -> Store:
    """Train (on a quarter of the data, to be quick), track, register and promote one model."""
    folder = tmp_path_factory.mktemp("champion")
    _every(train_set, folder / "data" / "train.csv", 4)
    _every(calibration_set, folder / "data" / "calibration.csv", 4)
    settings = Settings(
        mlflow_dir=folder / "mlflow", data_dir=folder / "data", model_path=folder / "unused"
    )
    # connect() leaves MLFLOW_TRACKING_URI in the environment (mlflow.set_tracking_uri does),
    # which every later Settings() would read: put the environment back afterwards.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", "unset-by-test")
        patch.delenv("MLFLOW_TRACKING_URI")
        client = connect(settings)
        outcome = train_and_track(
            client=client,
            settings=settings,
            train_set=load_many(settings.train_paths),
            out=folder / "svm.joblib",
            family="tfidf_svm",
            target_precision=0.95,
        )
        promoted = promote(
            client,
            version=None,
            sets=load_sets(client, settings.calibration_sets),
            cache_dir=settings.mlflow_dir / "cache",
            f1_margin=settings.promotion_f1_margin,
            max_ece=settings.promotion_max_ece,
            ece_min_rows=settings.promotion_ece_min_rows,
            actor="tester",
        )
    assert promoted.promoted, promoted.gates.failures
    return Store(
        settings.mlflow_dir,
        promoted.version,
        folder / "svm.joblib",
        outcome.trained.manifest.model_version,
    )
