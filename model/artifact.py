"""Saving and loading a model: one joblib file holding the classifier, its scorer and manifest.

The file holds the fitted scikit-learn classifier (for evaluation, retraining and the stock
pipeline) as pickled bytes, and beside it the `FastScorer` that serving uses. Loading for
serving (`load_triager`) unpickles only the scorer, which is numpy arrays and dicts, so a
server starts without importing scikit-learn or scipy. Files of format version 1 (the
classifier alone) still load; their scorer is derived from the classifier.

A joblib file is a pickle: load only artifacts you trained or trust.
"""

from __future__ import annotations

import pickle
import platform
import warnings
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib

from core.errors import ArtifactError, ModelNotFoundError
from model.engine import Triager
from model.files import write_atomically
from model.labels import HEAD_LABELS
from model.manifest import ARTIFACT_FORMAT, ARTIFACT_FORMAT_VERSION, ModelManifest
from model.policy import Thresholds
from model.rules import RedFlagRules
from model.scoring import FastScorer, ProbabilityModel

if TYPE_CHECKING:
    from model.classifier import TwoHeadClassifier

# Pickled estimators are only safe to load with the scikit-learn (major.minor) that made them.
_PINNED_LIBRARIES = ("scikit-learn",)
# Format versions this install reads: 1 held the classifier object itself.
_READABLE_VERSIONS = (1, ARTIFACT_FORMAT_VERSION)


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("review-triage", "scikit-learn", "numpy", "scipy", "spacy", "joblib"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def save_model(path: Path, *, classifier: TwoHeadClassifier, manifest: ModelManifest) -> None:
    """Write the artifact atomically: a crash mid-write never leaves a half-written model."""
    scorer = classifier.fast_scorer()
    payload = {
        "format": ARTIFACT_FORMAT,
        "format_version": ARTIFACT_FORMAT_VERSION,
        "manifest": manifest.to_dict(),
        # Vectorizer settings the scorer cannot reproduce leave it out: serving then loads
        # the classifier, as it did before.
        "scorer": scorer if scorer.portable else None,
        "classifier": pickle.dumps(classifier, protocol=pickle.HIGHEST_PROTOCOL),
    }
    write_atomically(path, lambda tmp: joblib.dump(payload, tmp, compress=3))


def _read_payload(path: Path) -> tuple[dict[str, Any], ModelManifest]:
    """The artifact's contents and manifest, after checking its format and labels."""
    if not path.is_file():
        raise ModelNotFoundError(f"no model at {path}: train one with `triage train`")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # version mismatches are reported below, clearly
            payload: Any = joblib.load(path)
    except Exception as exc:
        raise ArtifactError(
            f"{path} is corrupt or not a review-triage model: cannot be read ({exc!r})"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != ARTIFACT_FORMAT:
        raise ArtifactError(f"{path} is not a review-triage model artifact")
    version = payload.get("format_version")
    if version not in _READABLE_VERSIONS:
        raise ArtifactError(
            f"{path} has artifact format version {version}; this install reads versions "
            f"{', '.join(map(str, _READABLE_VERSIONS))}: retrain the model"
        )
    try:
        manifest = ModelManifest.from_dict(payload["manifest"])
    except (KeyError, TypeError) as exc:
        raise ArtifactError(f"{path} has an incomplete manifest ({exc})") from exc
    expected_labels = {head: list(labels) for head, labels in HEAD_LABELS.items()}
    if manifest.labels != expected_labels:
        raise ArtifactError(
            f"{path} was trained for labels {manifest.labels}, this install uses "
            f"{expected_labels}: retrain the model"
        )
    return payload, manifest


def _classifier(path: Path, payload: dict[str, Any], manifest: ModelManifest) -> TwoHeadClassifier:
    """The fitted classifier of a payload (imports scikit-learn, whose version must match)."""
    from model.classifier import TwoHeadClassifier

    installed = library_versions()
    for name in _PINNED_LIBRARIES:
        made_with = manifest.libraries.get(name, "unknown")
        if _major_minor(made_with) != _major_minor(installed[name]):
            raise ArtifactError(
                f"{path} was made with {name} {made_with}, this install has {installed[name]}: "
                "retrain the model or install the matching version"
            )
    classifier = payload.get("classifier")
    if isinstance(classifier, bytes):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                classifier = pickle.loads(classifier)
        except Exception as exc:
            raise ArtifactError(f"{path} holds an unreadable classifier ({exc!r})") from exc
    if not isinstance(classifier, TwoHeadClassifier) or classifier.features is None:
        raise ArtifactError(f"{path} holds no fitted review-triage classifier")
    return classifier


def read_artifact(path: Path) -> tuple[TwoHeadClassifier, ModelManifest]:
    """The classifier and manifest of an artifact, after checking it can be used here."""
    payload, manifest = _read_payload(path)
    return _classifier(path, payload, manifest), manifest


def load_triager(path: Path, *, rules: RedFlagRules | None = None) -> Triager:
    """A ready Triager from an artifact (rules are compiled unless given). It scores with the
    saved `FastScorer` and never imports scikit-learn, unless the file has no scorer."""
    payload, manifest = _read_payload(path)
    scorer: ProbabilityModel
    if payload.get("scorer") is not None:
        scorer = payload["scorer"]
        if not isinstance(scorer, FastScorer):
            raise ArtifactError(f"{path} holds no usable scorer")
    else:
        scorer = _classifier(path, payload, manifest)
    return Triager(
        scorer=scorer,
        thresholds=Thresholds.from_dict(manifest.thresholds),
        manifest=manifest,
        rules=rules,
    )


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])
