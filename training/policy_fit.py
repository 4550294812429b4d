"""Fitting the decision policy on a calibration set, and an honest estimate of what it does.

The thresholds are fitted on the calibration set, so figures measured on that same set flatter
them. `PolicyFit.out_of_fold` fits them on four fifths of the set and applies them to the
fifth left out, five times: the pooled figures are what to expect on new items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from model.calibration import (
    FloatArray,
    IntArray,
    precision_lower_bound,
    red_threshold_for_recall,
)
from model.labels import HEAD_LABELS, Severity
from model.policy import Thresholds, derive_thresholds
from training.reports import Head, HeadShares, OutOfFold

DEFAULT_RED_RECALL = 0.98
_RED = HEAD_LABELS["severity"].index(Severity.RED.value)
_GREEN = HEAD_LABELS["severity"].index(Severity.GREEN.value)


@dataclass(frozen=True, slots=True)
class PolicyFit:
    """The targets and the calibration rows' truth the policy is fitted to."""

    target_precision: float
    red_target_recall: float
    category_true: IntArray
    severity_true: IntArray
    rule_fired: NDArray[np.bool_]
    folds: int = 5
    seed: int = 13

    def red_threshold(
        self, severity_probs: FloatArray, rows: NDArray[np.bool_] | None = None
    ) -> float | None:
        """The P(red) threshold for the red recall target (rules included) on `rows`."""
        rows = np.ones(len(self.severity_true), dtype=bool) if rows is None else rows
        already_red = self.rule_fired | (severity_probs.argmax(axis=1) == _RED)
        return red_threshold_for_recall(
            severity_probs[rows, _RED],
            self.severity_true[rows] == _RED,
            already_red[rows],
            target_recall=self.red_target_recall,
        )

    def thresholds(
        self,
        category_probs: FloatArray,
        severity_probs: FloatArray,
        red_threshold: float | None,
        rows: NDArray[np.bool_] | None = None,
    ) -> Thresholds:
        rows = np.ones(len(self.severity_true), dtype=bool) if rows is None else rows
        return derive_thresholds(
            category_probs=category_probs[rows],
            severity_probs=severity_probs[rows],
            category_true=self.category_true[rows],
            severity_true=self.severity_true[rows],
            rule_fired=self.rule_fired[rows],
            target_precision=self.target_precision,
            red_probability=red_threshold,
            red_target_recall=self.red_target_recall,
        )

    def out_of_fold(self, category_probs: FloatArray, severity_probs: FloatArray) -> OutOfFold:
        """Red recall, green items made red, coverage and auto-applied precision (with its
        Clopper-Pearson lower bound), each row decided by a policy fitted without it.

        Pass probabilities that are themselves cross-fitted (`cross_fitted_probabilities`).
        """
        n = len(self.severity_true)
        fold_of = np.random.default_rng(self.seed).permutation(n) % self.folds
        final_red = np.zeros(n, dtype=bool)
        auto = np.zeros(n, dtype=bool)
        for fold in range(self.folds):
            held = fold_of == fold
            fitted = ~held
            red_threshold = self.red_threshold(severity_probs, fitted)
            thresholds = self.thresholds(category_probs, severity_probs, red_threshold, fitted)
            red = self.rule_fired[held] | (severity_probs[held].argmax(axis=1) == _RED)
            if red_threshold is not None:
                red |= severity_probs[held, _RED] >= red_threshold
            final_red[held] = red
            auto[held] = ~red & _passes(thresholds, category_probs[held], severity_probs[held])
        true_red = self.severity_true == _RED
        true_green = self.severity_true == _GREEN
        n_auto = int(auto.sum())
        right: dict[Head, int] = {
            "category": int((category_probs.argmax(axis=1) == self.category_true)[auto].sum()),
            "severity": int((severity_probs.argmax(axis=1) == self.severity_true)[auto].sum()),
        }
        return {
            "folds": self.folds,
            "red_recall": _ratio(int((final_red & true_red).sum()), int(true_red.sum())),
            "green_flagged_red": _ratio(int((final_red & true_green).sum()), int(true_green.sum())),
            "coverage": float(auto.mean()) if n else 0.0,
            "auto_applied_precision": head_shares(right, n_auto),
            "auto_applied_precision_lower": head_lower_bounds(right, n_auto),
        }


def head_shares(right: dict[Head, int], n_auto: int) -> HeadShares:
    """Per head, the share of `n_auto` auto-applied labels that are right."""
    return {
        "category": _ratio(right["category"], n_auto),
        "severity": _ratio(right["severity"], n_auto),
    }


def head_lower_bounds(right: dict[Head, int], n_auto: int) -> HeadShares:
    """Per head, the one-sided 95 % lower bound of that share; None with nothing applied."""
    if not n_auto:
        return {"category": None, "severity": None}
    return {
        "category": precision_lower_bound(right["category"], n_auto),
        "severity": precision_lower_bound(right["severity"], n_auto),
    }


def _passes(
    thresholds: Thresholds, category_probs: FloatArray, severity_probs: FloatArray
) -> NDArray[np.bool_]:
    labels = {"category": HEAD_LABELS["category"], "severity": HEAD_LABELS["severity"]}
    ok = np.ones(len(category_probs), dtype=bool)
    for head, probs, head_thresholds in (
        ("category", category_probs, thresholds.category),
        ("severity", severity_probs, thresholds.severity),
    ):
        top, confidence = probs.argmax(axis=1), probs.max(axis=1)
        ok &= np.array(
            [
                head_thresholds.passes(labels[head][t], c)
                for t, c in zip(top, confidence, strict=True)
            ],
            dtype=bool,
        )
    return ok


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None
