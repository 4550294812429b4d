"""Model artifacts: round trip, and clear errors for missing, corrupt or incompatible files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import joblib
import pytest

from core.errors import ArtifactError, ModelNotFoundError
from model.artifact import load_triager, read_artifact
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


def test_a_broken_scorer_is_named(tmp_path: Path, model_path: Path, rules: RedFlagRules) -> None:
    path = _rewrite(model_path, tmp_path / "changed.joblib", {"scorer": "not a scorer"})
    with pytest.raises(ArtifactError, match="no usable scorer"):
        load_triager(path, rules=rules)


def test_unreadable_classifier_bytes_are_named(tmp_path: Path, model_path: Path) -> None:
    path = _rewrite(model_path, tmp_path / "changed.joblib", {"classifier": b"\x80\x05junk"})
    with pytest.raises(ArtifactError, match="unreadable classifier"):
        read_artifact(path)


def test_serving_scores_with_the_saved_scorer_like_the_pipeline(
    model_path: Path, rules: RedFlagRules
) -> None:
    classifier, _ = read_artifact(model_path)
    triager = load_triager(model_path, rules=rules)
    assert type(triager.scorer).__name__ == "FastScorer"
    items = [
        FeedbackItem("They charged our card twice and support never answered.", rating=1),
        FeedbackItem("Great onboarding, the HR module saved us hours.", source="g2"),
    ]
    served = triager.scorer.predict_proba(items) if triager.scorer else None
    assert served is not None
    reference = classifier.pipeline_proba(items)
    assert abs(served.category - reference.category).max() < 1e-9
    assert abs(served.severity - reference.severity).max() < 1e-9


def test_format_version_1_files_still_load(
    tmp_path: Path, model_path: Path, rules: RedFlagRules
) -> None:
    """Version 1 held the classifier object itself and no scorer."""
    payload = joblib.load(model_path)
    classifier, manifest = read_artifact(model_path)
    old = tmp_path / "v1.joblib"
    joblib.dump(
        {
            "format": payload["format"],
            "format_version": 1,
            "manifest": payload["manifest"],
            "classifier": classifier,
        },
        old,
    )
    triager = load_triager(old, rules=rules)
    item = FeedbackItem("The invoice export has been broken since the update.")
    assert triager.classify(item).category_confidence == pytest.approx(
        load_triager(model_path, rules=rules).classify(item).category_confidence, abs=1e-12
    )
    assert read_artifact(old)[1].model_version == manifest.model_version


def test_loading_for_serving_imports_neither_scikit_learn_nor_scipy(model_path: Path) -> None:
    """They cost a server about two seconds of start-up; the saved scorer needs only numpy."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from model.artifact import load_triager\n"
        "from model.records import FeedbackItem\n"
        "triager = load_triager(Path(sys.argv[1]))\n"
        "print(triager.classify(FeedbackItem('our lawyer will be in touch')).decision)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy', 'pandas'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(model_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    decision, heavy = done.stdout.split()[-2:]
    assert decision == "rule_forced"
    assert heavy == "[]"
