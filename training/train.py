"""Training job: fit the classifier, derive thresholds on the calibration set, evaluate, save."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from core.errors import DatasetError
from model.artifact import library_versions, save_model
from model.calibration import cross_fitted_probabilities, expected_calibration_error
from model.classifier import ClassifierConfig, TwoHeadClassifier
from model.engine import Triager
from model.labels import HEAD_LABELS, HEADS
from model.manifest import ModelManifest
from model.policy import DEFAULT_TARGET_PRECISION
from model.rules import RULES_VERSION, RedFlagRules
from training.datasets import LabelledDataset
from training.evaluate import evaluate
from training.policy_fit import DEFAULT_RED_RECALL, PolicyFit
from training.reports import HEAD_NAMES, EvaluationReport, EvaluationSummary


@dataclass(frozen=True, slots=True)
class TrainedModel:
    triager: Triager
    classifier: TwoHeadClassifier
    manifest: ModelManifest
    evaluation: EvaluationReport


def normalized_text(text: str) -> str:
    """Lower case, letters and digits only: the key for spotting copied texts."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def check_disjoint(train: LabelledDataset, calibration: LabelledDataset) -> None:
    """Refuse a calibration set that shares texts with the training data."""
    seen = {normalized_text(row.item.text) for row in train.rows}
    shared = [
        f"calibration id {row.id} also appears in {train.name}"
        for row in calibration.rows
        if normalized_text(row.item.text) in seen
    ]
    if shared:
        raise DatasetError(str(calibration.path), shared)


def train_model(
    *,
    train: LabelledDataset,
    calibration: LabelledDataset,
    config: ClassifierConfig | None = None,
    target_precision: float = DEFAULT_TARGET_PRECISION,
    red_target_recall: float = DEFAULT_RED_RECALL,
    rules: RedFlagRules | None = None,
) -> TrainedModel:
    """Fit on `train`; fit the calibration maps and thresholds and report figures on
    `calibration`, with an out-of-fold estimate of what the fitted policy achieves."""
    check_disjoint(train, calibration)
    config = config or ClassifierConfig()
    rules = rules or RedFlagRules()
    classifier = TwoHeadClassifier(config).fit(train.items, train.targets())
    cal_targets = calibration.targets()
    cal_logits = classifier.calibrate(calibration.items, cal_targets)
    cal_probs = classifier.predict_proba(calibration.items)
    fired = np.array(
        [bool(hits) for hits in rules.find_many(r.item.text for r in calibration.rows)]
    )
    # Probabilities of each row from a calibration map fitted without it: what new items see.
    honest = {
        head: cross_fitted_probabilities(
            cal_logits[head], cal_targets[head], fit=classifier.calibration_fitter()
        )
        for head in HEADS
    }
    policy_fit = PolicyFit(
        target_precision=target_precision,
        red_target_recall=red_target_recall,
        category_true=cal_targets["category"],
        severity_true=cal_targets["severity"],
        rule_fired=fired,
    )
    # Chosen on the cross-fitted probabilities (what new items look like) and on the fitted
    # ones (what this set is measured with): the lower of the two keeps the target in both.
    candidates = [
        policy_fit.red_threshold(honest["severity"]),
        policy_fit.red_threshold(cal_probs.severity),
    ]
    chosen = [t for t in candidates if t is not None]
    red_threshold = min(chosen) if chosen else None
    thresholds = policy_fit.thresholds(cal_probs.category, cal_probs.severity, red_threshold)

    created = datetime.now(UTC)
    fingerprint = hashlib.sha256(
        json.dumps(
            [
                train.sha256,
                calibration.sha256,
                config.to_dict(),
                RULES_VERSION,
                target_precision,
                red_target_recall,
            ],
            sort_keys=True,
        ).encode()
    ).hexdigest()
    manifest = ModelManifest(
        model_version=f"{created:%Y%m%d-%H%M%S}-{fingerprint[:8]}",
        created_at=created.isoformat(timespec="seconds"),
        labels={head: list(labels) for head, labels in HEAD_LABELS.items()},
        thresholds=thresholds.to_dict(),
        calibration={head: classifier.calibration[head].to_dict() for head in HEADS},
        rules_version=RULES_VERSION,
        libraries=library_versions(),
        config=config.to_dict(),
        training_data=train.digest,
        calibration_data=calibration.digest,
    )
    triager = Triager(scorer=classifier, thresholds=thresholds, manifest=manifest, rules=rules)
    evaluation = evaluate(triager, calibration)
    for head in HEAD_NAMES:
        # Calibration was fitted on this set: also report ECE with it fitted on other folds.
        evaluation["model"][head]["ece_cross_fitted"] = expected_calibration_error(
            honest[head], cal_targets[head]
        )
    evaluation["out_of_fold"] = policy_fit.out_of_fold(honest["category"], honest["severity"])
    manifest = ModelManifest.from_dict(manifest.to_dict() | {"evaluation": _summary(evaluation)})
    triager.manifest = manifest
    return TrainedModel(triager, classifier, manifest, evaluation)


def save_trained(model: TrainedModel, path: Path) -> None:
    save_model(path, classifier=model.classifier, manifest=model.manifest)


def _summary(evaluation: EvaluationReport) -> EvaluationSummary:
    """The headline figures kept in the manifest."""
    model, rules, combined = evaluation["model"], evaluation["rules"], evaluation["combined"]
    return {
        "dataset": evaluation["dataset"]["name"],
        "category_macro_f1": model["category"]["macro_f1"],
        "severity_macro_f1": model["severity"]["macro_f1"],
        "category_ece": model["category"]["ece"],
        "severity_ece": model["severity"]["ece"],
        "category_ece_cross_fitted": model["category"].get("ece_cross_fitted"),
        "severity_ece_cross_fitted": model["severity"].get("ece_cross_fitted"),
        "red_recall": combined["red_recall"],
        "rules_red_recall": rules["red_recall"],
        "rules_green_fire_rate": rules["green_fire_rate"],
        "coverage": combined["coverage"],
        "green_flagged_red": combined["green_flagged_red"],
        "out_of_fold": evaluation.get("out_of_fold"),
    }
