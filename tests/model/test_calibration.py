"""Calibration maps, calibration error and confidence thresholds on controlled data."""

from __future__ import annotations

import numpy as np

from model.calibration import (
    expected_calibration_error,
    fit_temperature,
    fit_vector_scaling,
    negative_log_likelihood,
    softmax,
    thresholds_for_precision,
)
from model.policy import derive_thresholds


def _calibrated_sample(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from the probabilities themselves: perfectly calibrated by construction."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, 3)) * 2.5
    probs = softmax(logits)
    y = np.array([rng.choice(3, p=row) for row in probs])
    return logits, y


def test_ece_is_small_for_calibrated_and_large_for_overconfident() -> None:
    logits, y = _calibrated_sample(20_000)
    assert expected_calibration_error(softmax(logits), y) < 0.015
    assert expected_calibration_error(softmax(logits * 4), y) > 0.08


def test_temperature_scaling_recovers_the_true_temperature() -> None:
    logits, y = _calibrated_sample(20_000, seed=1)
    assert abs(fit_temperature(logits * 3, y) - 3.0) < 0.25


def test_vector_scaling_fixes_prior_shift_and_lowers_nll() -> None:
    logits, y = _calibrated_sample(20_000, seed=2)
    shifted = logits + np.array([1.5, 0.0, -1.5])  # a model with wrong class priors
    before = negative_log_likelihood(softmax(shifted), y)
    scaling = fit_vector_scaling(shifted, y)
    after = negative_log_likelihood(scaling.apply(shifted), y)
    assert after < before - 0.05
    assert expected_calibration_error(scaling.apply(shifted), y) < 0.02


def test_thresholds_reach_target_precision() -> None:
    logits, y = _calibrated_sample(5_000, seed=3)
    probs = softmax(logits)
    thresholds = thresholds_for_precision(probs, y, ["a", "b", "c"], target_precision=0.9)
    predicted, confidence = probs.argmax(axis=1), probs.max(axis=1)
    for index, label in enumerate("abc"):
        threshold = thresholds.by_label[label]
        assert threshold is not None
        chosen = (predicted == index) & (confidence >= threshold)
        assert (y[chosen] == index).mean() >= 0.9
        # Lowering the threshold to the next confidence below it would break the target.
        below = (predicted == index) & (confidence >= threshold - 0.05)
        assert (y[below] == index).mean() < 0.9 + 0.02


def test_rare_or_imprecise_labels_get_no_threshold() -> None:
    probs = np.array([[0.6, 0.4], [0.6, 0.4], [0.9, 0.1]])
    y = np.array([1, 1, 1])
    thresholds = thresholds_for_precision(
        probs, y, ["a", "b"], target_precision=0.95, min_support=1
    )
    assert thresholds.by_label == {"a": None, "b": None}


def test_derived_thresholds_meet_target_jointly_and_report_coverage() -> None:
    cat_logits, cat_y = _calibrated_sample(4_000, seed=4)
    sev_logits, sev_y = _calibrated_sample(4_000, seed=5)
    fired = np.zeros(4_000, dtype=bool)
    fired[:400] = True
    result = derive_thresholds(
        category_probs=np.hstack([softmax(cat_logits), np.zeros((4_000, 3))]),
        severity_probs=softmax(sev_logits),
        category_true=cat_y,
        severity_true=sev_y,
        rule_fired=fired,
        target_precision=0.9,
    )
    assert result.achieved_precision["category"] >= 0.9
    assert result.achieved_precision["severity"] >= 0.9
    assert 0.0 < result.coverage < 0.9
    assert result.calibration_rows == 4_000
