"""Shared fixtures: the real rules, the real data files, and one model trained on them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from model.rules import RedFlagRules
from training.datasets import LabelledDataset, load_labelled
from training.train import TrainedModel, save_trained, train_model
from triage.settings import get_settings

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
