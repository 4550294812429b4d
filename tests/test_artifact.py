"""Model artifacts: round trip, and clear errors for missing, corrupt or incompatible files."""

from __future__ import annotations

from pathlib import Path

import joblib
import pytest

from model.artifact import load_triager, read_artifact
from model.errors import ArtifactError, ModelNotFoundError
from model.records import FeedbackItem
from model.rules import RULES_VERSION, RedFlagRules


def test_round_trip_keeps_manifest_and_predictions(model_path: Path, rules: RedFlagRules) -> None:
    classifier, manifest = read_artifact(model_path)
    assert manifest.rules_version == RULES_VERSION
    assert manifest.labels["severity"] == ["green", "yellow", "red"]
    assert set(manifest.thresholds["category"]) == set(manifest.labels["category"])
    assert manifest.training_data.rows >= 2000 and len(manifest.training_data.sha256) == 64
    assert manifest.calibration_data is not None
    assert "scikit-learn" in manifest.libraries and manifest.created_at
    triager = load_triager(model_path, rules=rules)
    item = FeedbackItem("The export has been failing since Monday's update.")
    result = triager.classify(item)
    assert result.model_version == manifest.model_version
    probs = classifier.predict_proba([item])
    assert result.category_confidence == pytest.approx(probs.category.max())


def test_missing_model(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="triage train"):
        read_artifact(tmp_path / "none.joblib")


def test_corrupt_or_truncated_file(tmp_path: Path, model_path: Path) -> None:
    garbage = tmp_path / "garbage.joblib"
    garbage.write_bytes(b"definitely not a pickle")
    with pytest.raises(ArtifactError, match="corrupt"):
        read_artifact(garbage)
    truncated = tmp_path / "truncated.joblib"
    truncated.write_bytes(model_path.read_bytes()[:2000])
    with pytest.raises(ArtifactError, match="corrupt"):
        read_artifact(truncated)


def _rewrite(model_path: Path, target: Path, change: dict[str, object]) -> Path:
    payload = joblib.load(model_path)
    for dotted, value in change.items():
        node = payload
        *parents, leaf = dotted.split(".")
        for name in parents:
            node = node[name]
        node[leaf] = value
    joblib.dump(payload, target)
    return target


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "something-else"}, "not a review-triage model"),
        ({"format_version": 99}, "format version 99"),
        ({"manifest.labels": {"category": ["a"], "severity": ["b"]}}, "trained for labels"),
        ({"manifest.libraries.scikit-learn": "0.24.2"}, "scikit-learn 0.24.2"),
        ({"classifier": None}, "no fitted"),
    ],
)
def test_incompatible_artifacts_name_the_problem(
    tmp_path: Path, model_path: Path, change: dict[str, object], message: str
) -> None:
    path = _rewrite(model_path, tmp_path / "changed.joblib", change)
    with pytest.raises(ArtifactError, match=message):
        read_artifact(path)
