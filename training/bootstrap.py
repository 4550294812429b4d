"""Paired bootstrap intervals of the promotion-gate figures.

Candidate and champion are scored on the same calibration rows. One replicate draws the row
indices once (with replacement) and computes a figure for both models on that same draw, so
the difference between them keeps only the noise of the rows they disagree on. A replicate
is held as counts (how often each row was drawn): every figure here is a sum over rows, so
all replicates of a figure come out of one matrix product.

Figures, each as `evaluate` computes it on the full set: macro-F1 per head (model alone,
over the classes the draw has rows of), combined red recall (model + rules), top-label ECE
per head (15 equal-width bins). Intervals are percentile intervals, ECE's moved by the
bootstrap estimate of its bias (`BIASED`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from model.calibration import FloatArray, IntArray
from model.labels import HEAD_LABELS, HEADS, Severity
from training.datasets import LabelledDataset
from training.evaluate import Scored

# 1,000 replicates on ~1,200 rows: the percentile ends move by about 0.001 between seeds,
# and all the gates of one promotion take well under a second.
REPLICATES = 1000
CONFIDENCE = 0.95
SEED = 16  # fixed: the same two models on the same rows always get the same verdicts
ECE_BINS = 15

BoolArray = NDArray[np.bool_]
Weights = FloatArray  # (replicates, rows): how many times each row is in each replicate

_SEVERITY = {label: i for i, label in enumerate(HEAD_LABELS["severity"])}
_RED = _SEVERITY[Severity.RED.value]


@dataclass(frozen=True, slots=True)
class BootstrapConfig:
    replicates: int = REPLICATES
    confidence: float = CONFIDENCE
    seed: int = SEED

    def __post_init__(self) -> None:
        if self.replicates < 1:
            raise ValueError(f"bootstrap replicates must be at least 1, not {self.replicates}")
        if not 0.0 < self.confidence < 1.0:
            raise ValueError(f"confidence must be between 0 and 1, not {self.confidence}")

    def describe(self) -> str:
        return (
            f"paired bootstrap, {self.replicates} replicates, "
            f"{self.confidence * 100:g} % intervals, seed {self.seed}"
        )


@dataclass(frozen=True, slots=True)
class RowScores:
    """What one model said about each row of one set, beside the truth, row for row."""

    category_true: IntArray
    category_probs: FloatArray
    severity_true: IntArray
    severity_probs: FloatArray
    red_caught: BoolArray  # the combined decision (model + rules) is red
    origin: NDArray[np.str_]

    @classmethod
    def from_scored(cls, dataset: LabelledDataset, scored: Scored) -> RowScores:
        category = {label: i for i, label in enumerate(HEAD_LABELS["category"])}
        final = [r.severity.value if r.severity else None for r in scored.results]
        return cls(
            category_true=np.array([category[r.category.value] for r in dataset.rows], np.int64),
            category_probs=np.asarray(scored.probs.category, dtype=np.float64),
            severity_true=np.array([_SEVERITY[r.severity.value] for r in dataset.rows], np.int64),
            severity_probs=np.asarray(scored.probs.severity, dtype=np.float64),
            red_caught=np.array([s == Severity.RED.value for s in final], dtype=bool),
            origin=np.array([row.origin for row in dataset.rows]),
        )

    def __len__(self) -> int:
        return len(self.category_true)

    def truth(self, head: str) -> IntArray:
        return self.category_true if head == "category" else self.severity_true

    def probs(self, head: str) -> FloatArray:
        return self.category_probs if head == "category" else self.severity_probs

    def subset(self, picked: BoolArray) -> RowScores:
        return RowScores(
            self.category_true[picked],
            self.category_probs[picked],
            self.severity_true[picked],
            self.severity_probs[picked],
            self.red_caught[picked],
            self.origin[picked],
        )

    def same_rows(self, other: RowScores) -> bool:
        """Both were scored on the same rows in the same order (the truth is identical)."""
        return (
            np.array_equal(self.category_true, other.category_true)
            and np.array_equal(self.severity_true, other.severity_true)
            and np.array_equal(self.origin, other.origin)
        )


def resample_weights(rows: int, replicates: int, seed: int) -> Weights:
    """Row counts of `replicates` draws of `rows` indices with replacement."""
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, rows, size=(replicates, rows))
    return resample_counts(indices, rows)


def resample_counts(indices: IntArray, rows: int) -> Weights:
    """Counts per row of each replicate's drawn indices (one row of `indices` per replicate)."""
    replicates = indices.shape[0]
    offsets = (np.arange(replicates) * rows)[:, None]
    counts = np.bincount((indices + offsets).ravel(), minlength=replicates * rows)
    return counts.reshape(replicates, rows).astype(np.float64)


def _onehot(values: IntArray, classes: int) -> FloatArray:
    out = np.zeros((len(values), classes))
    out[np.arange(len(values)), values] = 1.0
    return out


def macro_f1(weights: Weights, y_true: IntArray, y_pred: IntArray, classes: int) -> FloatArray:
    """Macro-F1 per replicate over the classes the replicate has rows of (as `head_report`)."""
    truth = _onehot(y_true, classes)
    support = weights @ truth
    predicted = weights @ _onehot(y_pred, classes)
    hits = weights @ (truth * (y_true == y_pred)[:, None])
    present = support > 0
    denominator = support + predicted  # > 0 wherever the class is present
    f1 = np.divide(2 * hits, denominator, out=np.zeros_like(hits), where=present)
    count = present.sum(axis=1)
    result: FloatArray = np.divide(
        f1.sum(axis=1), count, out=np.zeros(len(weights)), where=count > 0
    )
    return result


def recall(weights: Weights, hit: BoolArray, truth: BoolArray) -> FloatArray:
    """Share of the true rows that were hit, per replicate (NaN when a replicate has none)."""
    positives = weights @ truth.astype(np.float64)
    caught = weights @ (hit & truth).astype(np.float64)
    result: FloatArray = np.divide(
        caught, positives, out=np.full(len(weights), np.nan), where=positives > 0
    )
    return result


def ece(weights: Weights, probs: FloatArray, y_true: IntArray, bins: int = ECE_BINS) -> FloatArray:
    """Top-label ECE per replicate, binned as `model.calibration.reliability_bins`."""
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == y_true).astype(np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    member = _onehot(
        np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1).astype(np.int64),
        bins,
    )
    # Per bin, count * |mean confidence - accuracy| is |sum of confidence - sum of correct|.
    gap = np.abs(weights @ (member * confidence[:, None]) - weights @ (member * correct[:, None]))
    total = weights.sum(axis=1)
    result: FloatArray = np.divide(
        gap.sum(axis=1), total, out=np.zeros(len(weights)), where=total > 0
    )
    return result


Figure = Callable[[Weights, RowScores], FloatArray]


def _f1_of(head: str) -> Figure:
    classes = len(HEAD_LABELS[head])
    return lambda w, s: macro_f1(w, s.truth(head), s.probs(head).argmax(axis=1), classes)


def _ece_of(head: str) -> Figure:
    return lambda w, s: ece(w, s.probs(head), s.truth(head))


# Binned ECE measures more on fewer distinct rows: a bootstrap draw holds about 63 % distinct
# rows and measures 0.005-0.03 more than the full set, so its percentile interval would lie
# almost wholly above the figure. Its intervals are moved down by that bias. (The other
# figures' replicates are centred on the figure; moving their discrete, bounded intervals
# would only blur the exact zero of "no difference".)
BIASED = frozenset(f"{head} ECE" for head in HEADS)

FIGURES: dict[str, Figure] = {
    "red recall": lambda w, s: recall(w, s.red_caught, s.severity_true == _RED),
    **{f"{head} macro-F1": _f1_of(head) for head in HEADS},
    **{f"{head} ECE": _ece_of(head) for head in HEADS},
}


@dataclass(frozen=True, slots=True)
class Interval:
    """A figure on all rows and the percentile interval of its bootstrap replicates."""

    point: float
    low: float
    high: float


def interval(
    point: float, replicates: FloatArray, confidence: float, *, debias: bool = False
) -> Interval:
    """The percentile interval of the replicates; with `debias`, moved by the bootstrap's
    estimate of the figure's bias (mean replicate - figure)."""
    tail = (1.0 - confidence) / 2 * 100
    finite = replicates[~np.isnan(replicates)]
    if len(finite) == 0:  # no replicate had a row to measure: the point is all there is
        return Interval(point, point, point)
    bias = float(finite.mean()) - point if debias else 0.0
    low, high = (float(q) - bias for q in np.percentile(finite, [tail, 100 - tail]))
    return Interval(point, low, high)


@dataclass(frozen=True, slots=True)
class Comparison:
    """One figure of the candidate, and of the champion and the difference when there is one."""

    candidate: Interval | None  # None: the figure is undefined here (no red rows)
    champion: Interval | None
    difference: Interval | None  # candidate - champion, on the same draws


class PairedBootstrap:
    """The draws of one set (or one origin of a set), shared by every figure and both models."""

    def __init__(
        self, candidate: RowScores, champion: RowScores | None, config: BootstrapConfig
    ) -> None:
        if champion is not None and not candidate.same_rows(champion):
            raise ValueError("candidate and champion were not scored on the same rows")
        self.candidate = candidate
        self.champion = champion
        self.config = config
        self.weights = resample_weights(len(candidate), config.replicates, config.seed)
        self._all = np.ones((1, len(candidate)))

    def compare(self, figure: str) -> Comparison:
        compute = FIGURES[figure]
        ours = compute(self.weights, self.candidate)
        ours_point = float(compute(self._all, self.candidate)[0])
        if np.isnan(ours_point):
            return Comparison(None, None, None)
        level, debias = self.config.confidence, figure in BIASED
        mine = interval(ours_point, ours, level, debias=debias)
        if self.champion is None:
            return Comparison(mine, None, None)
        theirs = compute(self.weights, self.champion)
        theirs_point = float(compute(self._all, self.champion)[0])
        return Comparison(
            mine,
            interval(theirs_point, theirs, level, debias=debias),
            interval(ours_point - theirs_point, ours - theirs, level, debias=debias),
        )
