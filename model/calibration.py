"""Probability calibration and confidence thresholds.

Vector scaling (temperature scaling with one temperature and one bias per class) maps a
head's logits to calibrated probabilities. With one temperature and no bias it is plain
temperature scaling; the per-class terms also absorb the shift in class priors between the
training data and the data the model meets. Thresholds per predicted class are then set so
that the labels applied without a human reach a target precision.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def softmax(logits: FloatArray, temperature: float = 1.0) -> FloatArray:
    scaled = logits / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    result: FloatArray = exp / exp.sum(axis=1, keepdims=True)
    return result


def negative_log_likelihood(probs: FloatArray, y: IntArray) -> float:
    picked = np.clip(probs[np.arange(len(y)), y], 1e-15, 1.0)
    return float(-np.mean(np.log(picked)))


def fit_temperature(logits: FloatArray, y: IntArray) -> float:
    """The temperature that minimises the negative log-likelihood of held-out logits."""
    if len(y) == 0:
        raise ValueError("cannot fit a temperature on no examples")

    def loss(log_t: float) -> float:
        return negative_log_likelihood(softmax(logits, math.exp(log_t)), y)

    from scipy.optimize import minimize_scalar  # fitting only: serving never imports scipy

    result = minimize_scalar(loss, bounds=(math.log(0.02), math.log(50.0)), method="bounded")
    return float(math.exp(result.x))


@dataclass(frozen=True, slots=True)
class VectorScaling:
    """probabilities = softmax(logits / temperatures + biases), fitted on held-out data."""

    temperatures: tuple[float, ...]
    biases: tuple[float, ...]

    @classmethod
    def identity(cls, n_classes: int) -> VectorScaling:
        return cls((1.0,) * n_classes, (0.0,) * n_classes)

    def apply(self, logits: FloatArray) -> FloatArray:
        scaled = logits / np.asarray(self.temperatures) + np.asarray(self.biases)
        return softmax(scaled)

    def to_dict(self) -> dict[str, list[float]]:
        return {"temperatures": list(self.temperatures), "biases": list(self.biases)}


def fit_vector_scaling(
    logits: FloatArray, y: IntArray, *, bias_penalty: float = 1e-3
) -> VectorScaling:
    """Per-class temperatures and biases minimising held-out negative log-likelihood.

    A small L2 penalty keeps the biases near zero for classes with few held-out examples.
    """
    if len(y) == 0:
        raise ValueError("cannot calibrate on no examples")
    n_classes = logits.shape[1]
    rows = np.arange(len(y))

    onehot = np.zeros_like(logits)
    onehot[rows, y] = 1.0

    def loss_and_gradient(params: FloatArray) -> tuple[float, FloatArray]:
        temperatures, biases = np.exp(params[:n_classes]), params[n_classes:]
        scaled = logits / temperatures + biases
        scaled = scaled - scaled.max(axis=1, keepdims=True)
        log_probs = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
        loss = float(-log_probs[rows, y].mean()) + bias_penalty * float(np.sum(biases**2))
        d_scaled = (np.exp(log_probs) - onehot) / len(y)
        d_log_t = -(d_scaled * logits / temperatures).sum(axis=0)
        d_bias = d_scaled.sum(axis=0) + 2 * bias_penalty * biases
        return loss, np.concatenate([d_log_t, d_bias])

    from scipy.optimize import minimize  # fitting only: serving never imports scipy

    result = minimize(loss_and_gradient, np.zeros(2 * n_classes), jac=True, method="L-BFGS-B")
    temperatures = tuple(float(t) for t in np.exp(result.x[:n_classes]))
    biases = tuple(float(b) for b in result.x[n_classes:])
    return VectorScaling(temperatures, biases)


def fit_temperature_scaling(logits: FloatArray, y: IntArray) -> VectorScaling:
    """Plain temperature scaling: one temperature, no biases (the top label never changes)."""
    n_classes = logits.shape[1]
    return VectorScaling((fit_temperature(logits, y),) * n_classes, (0.0,) * n_classes)


def fit_calibration(
    logits: FloatArray, y: IntArray, *, folds: int = 5, seed: int = 13
) -> VectorScaling:
    """Vector scaling or plain temperature scaling, whichever predicts held-out rows better.

    Vector scaling has two parameters per class: with many classes and few calibration rows
    it overfits, and one temperature is better. The choice is made by cross-fitted
    negative log-likelihood on the calibration rows themselves.
    """
    rng = np.random.default_rng(seed)
    fold_of = rng.permutation(len(y)) % folds
    losses = {}
    for name, fit in (("vector", fit_vector_scaling), ("temperature", fit_temperature_scaling)):
        probs = np.zeros_like(logits)
        for fold in range(folds):
            held = fold_of == fold
            probs[held] = fit(logits[~held], y[~held]).apply(logits[held])
        losses[name] = negative_log_likelihood(probs, y)
    if losses["vector"] <= losses["temperature"]:
        return fit_vector_scaling(logits, y)
    return fit_temperature_scaling(logits, y)


@dataclass(frozen=True, slots=True)
class ReliabilityBins:
    """Top-label confidence against accuracy in equal-width bins (empty bins have count 0)."""

    confidence: list[float]
    accuracy: list[float]
    count: list[int]

    def to_dict(self) -> dict[str, list[Any]]:
        return {"confidence": self.confidence, "accuracy": self.accuracy, "count": self.count}


def reliability_bins(probs: FloatArray, y: IntArray, n_bins: int = 15) -> ReliabilityBins:
    """Mean confidence and accuracy of the top label per confidence bin."""
    confidence = probs.max(axis=1) if len(y) else np.zeros(0)
    correct = (probs.argmax(axis=1) == y).astype(np.float64) if len(y) else np.zeros(0)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    means, accuracies, counts = [], [], []
    for b in range(n_bins):
        mask = bins == b
        counts.append(int(mask.sum()))
        means.append(float(confidence[mask].mean()) if mask.any() else 0.0)
        accuracies.append(float(correct[mask].mean()) if mask.any() else 0.0)
    return ReliabilityBins(means, accuracies, counts)


def expected_calibration_error(probs: FloatArray, y: IntArray, n_bins: int = 15) -> float:
    """Top-label ECE: the gap between confidence and accuracy, averaged over equal-width bins."""
    if len(y) == 0:
        return 0.0
    bins = reliability_bins(probs, y, n_bins)
    total = sum(
        n * abs(c - a) for c, a, n in zip(bins.confidence, bins.accuracy, bins.count, strict=True)
    )
    return float(total / len(y))


def brier_score(probs: FloatArray, y: IntArray) -> float:
    """Mean squared distance between the probability vector and the one-hot truth."""
    onehot = np.zeros_like(probs)
    onehot[np.arange(len(y)), y] = 1.0
    return float(np.mean(np.sum((probs - onehot) ** 2, axis=1)))


@dataclass(frozen=True, slots=True)
class HeadThresholds:
    """Minimum confidence per predicted label for one head; None means never auto-apply."""

    by_label: dict[str, float | None]

    def passes(self, label: str, confidence: float) -> bool:
        threshold = self.by_label.get(label)
        return threshold is not None and confidence >= threshold


def precision_lower_bound(correct: int, total: int, *, confidence: float = 0.95) -> float:
    """One-sided Clopper-Pearson lower bound of a proportion: with `confidence`, the true
    precision is at least this, given `correct` right out of `total`."""
    return float(precision_lower_bounds(np.array([correct]), np.array([total]), confidence)[0])


def precision_lower_bounds(
    correct: NDArray[np.int64], total: NDArray[np.int64], confidence: float = 0.95
) -> FloatArray:
    """`precision_lower_bound` for arrays of counts (0 where nothing is right)."""
    from scipy.stats import beta  # fitting and reporting only: serving never imports scipy

    correct = np.asarray(correct)
    total = np.asarray(total)
    bounds = np.zeros(len(correct), dtype=np.float64)
    some = (correct > 0) & (total > 0)
    bounds[some] = beta.ppf(1.0 - confidence, correct[some], total[some] - correct[some] + 1)
    return bounds


def thresholds_for_precision(
    probs: FloatArray,
    y: IntArray,
    labels: Sequence[str],
    *,
    target_precision: float,
    min_support: int = 5,
    confidence: float = 0.95,
) -> HeadThresholds:
    """Per predicted label, the lowest confidence at which the items predicted with at least
    that confidence reach `target_precision`, as the one-sided `confidence` Clopper-Pearson
    lower bound of their precision (not the point estimate, which a small set flatters).

    A label that no cut makes precise enough gets None: its predictions always go to a human.
    With a 0.95 target that takes at least 59 predictions all right, so a class with few
    calibration rows is never auto-applied.
    """
    predicted = probs.argmax(axis=1)
    confidence_of = probs.max(axis=1)
    by_label: dict[str, float | None] = {}
    for index, label in enumerate(labels):
        mask = predicted == index
        if mask.sum() < min_support:
            by_label[label] = None
            continue
        order = np.argsort(-confidence_of[mask], kind="stable")
        sorted_conf = confidence_of[mask][order]
        correct = np.cumsum(y[mask][order] == index)
        total = np.arange(1, len(order) + 1)
        lower = precision_lower_bounds(correct, total, confidence)
        # Only cut between distinct confidences: ties must be all in or all out.
        boundary = np.append(sorted_conf[1:] < sorted_conf[:-1], True)
        ok = np.flatnonzero((lower >= target_precision) & boundary)
        ok = ok[ok + 1 >= min_support]
        by_label[label] = float(sorted_conf[ok[-1]]) if len(ok) else None
    return HeadThresholds(by_label)


def red_threshold_for_recall(
    red_probability: FloatArray,
    true_red: NDArray[np.bool_],
    already_red: NDArray[np.bool_],
    *,
    target_recall: float,
) -> float | None:
    """The highest P(red) threshold at which the red items are caught at `target_recall`:
    those `already_red` (a rule fired, or the model's top label is red) plus those whose P(red)
    reaches the threshold. None when the items already red reach the target alone."""
    reds = int(true_red.sum())
    needed = math.ceil(target_recall * reds - 1e-9) - int((true_red & already_red).sum())
    if reds == 0 or needed <= 0:
        return None
    missed = np.sort(red_probability[true_red & ~already_red])[::-1]
    return float(missed[min(needed, len(missed)) - 1])


def cross_fitted_probabilities(
    logits: FloatArray,
    y: IntArray,
    *,
    folds: int = 5,
    seed: int = 13,
    fit: Callable[[FloatArray, IntArray], VectorScaling] | None = None,
) -> FloatArray:
    """Probabilities where each row's calibration was fitted on the other folds only.

    The ECE of these is an honest estimate for a calibration fitted on this same set.
    """
    rng = np.random.default_rng(seed)
    fold_of = rng.permutation(len(y)) % folds
    probs = np.zeros_like(logits)
    for fold in range(folds):
        held = fold_of == fold
        probs[held] = (fit or fit_calibration)(logits[~held], y[~held]).apply(logits[held])
    return probs
