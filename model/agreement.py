"""Agreement between human labellers (calibration sessions): Cohen's kappa for two raters,
Fleiss' kappa for more, per-class kappa from the one-vs-rest split, and a percentile
bootstrap confidence interval over items. Pure: label lists in, figures out.

Every item must carry one label from every rater (the caller keeps only items labelled by
all). A kappa whose chance agreement is 1 (every rating the same class) is undefined: None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

BOOTSTRAP_ROUNDS = 1000
CONFIDENCE = 0.95
FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Kappa:
    """One kappa with its bootstrap interval (None where undefined) and what it rests on."""

    kappa: float | None
    ci: tuple[float, float] | None
    observed: float | None  # the share of agreeing pairs of ratings
    items: int


@dataclass(frozen=True, slots=True)
class HeadAgreement:
    """Agreement on one head: overall and per class (one class against the rest)."""

    method: str  # cohen | fleiss
    overall: Kappa
    per_class: dict[str, Kappa]
    support: dict[str, int]  # ratings given to each class


def _one_hot(ratings: Sequence[Sequence[str]], labels: Sequence[str]) -> NDArray[np.int64]:
    """(items, raters, classes) indicator array."""
    index = {label: i for i, label in enumerate(labels)}
    cube = np.zeros((len(ratings), len(ratings[0]) if ratings else 0, len(labels)), dtype=np.int64)
    for i, row in enumerate(ratings):
        for r, label in enumerate(row):
            cube[i, r, index[label]] = 1
    return cube


def _kappa_from(observed: FloatArray, chance: FloatArray) -> FloatArray:
    """(po - pe) / (1 - pe), NaN where pe is 1 (undefined)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = 1.0 - chance
        return np.where(np.isclose(denominator, 0.0), np.nan, (observed - chance) / denominator)


def _cohen(cube: NDArray[np.int64], rows: NDArray[np.int64]) -> tuple[FloatArray, FloatArray]:
    """Cohen's kappa of two raters for each row of item indices `rows` (rounds, n)."""
    first = cube[:, 0, :][rows].astype(np.float64)  # (rounds, n, classes)
    second = cube[:, 1, :][rows].astype(np.float64)
    observed = (first * second).sum(axis=2).mean(axis=1)
    chance = (first.mean(axis=1) * second.mean(axis=1)).sum(axis=1)
    return _kappa_from(observed, chance), observed


def _fleiss(cube: NDArray[np.int64], rows: NDArray[np.int64]) -> tuple[FloatArray, FloatArray]:
    """Fleiss' kappa of m raters for each row of item indices `rows` (rounds, n)."""
    counts = cube.sum(axis=1).astype(np.float64)  # (items, classes)
    raters = cube.shape[1]
    per_item = ((counts**2).sum(axis=1) - raters) / (raters * (raters - 1))
    observed = per_item[rows].mean(axis=1)
    shares = counts[rows].sum(axis=1) / (rows.shape[1] * raters)  # (rounds, classes)
    chance = (shares**2).sum(axis=1)
    return _kappa_from(observed, chance), observed


def _estimate(cube: NDArray[np.int64], rounds: NDArray[np.int64] | None) -> Kappa:
    items = cube.shape[0]
    statistic = _cohen if cube.shape[1] == 2 else _fleiss
    kappa, observed = statistic(cube, np.arange(items)[None, :])
    point = None if np.isnan(kappa[0]) else float(kappa[0])
    ci = None
    if point is not None and rounds is not None:
        sampled, _ = statistic(cube, rounds)
        sampled = sampled[~np.isnan(sampled)]
        if sampled.size:
            tail = (1 - CONFIDENCE) / 2 * 100
            low, high = np.percentile(sampled, [tail, 100 - tail])
            ci = (float(low), float(high))
    return Kappa(point, ci, float(observed[0]), items)


def head_agreement(
    ratings: Sequence[Sequence[str]],
    labels: Sequence[str],
    *,
    seed: int,
    rounds: int = BOOTSTRAP_ROUNDS,
) -> HeadAgreement:
    """Agreement of the raters on one head: `ratings[i][r]` is rater r's label of item i
    (every item rated by the same raters, at least two). The bootstrap resamples items with
    replacement `rounds` times from `seed`, the same draws for every class."""
    if ratings and len({len(row) for row in ratings}) != 1:
        raise ValueError("every item needs a label from every rater")
    raters = len(ratings[0]) if ratings else 2
    if raters < 2:
        raise ValueError("agreement needs at least two raters")
    method = "cohen" if raters == 2 else "fleiss"
    support = {label: sum(row.count(label) for row in ratings) for label in labels}
    if not ratings:
        empty = Kappa(None, None, None, 0)
        return HeadAgreement(method, empty, dict.fromkeys(labels, empty), support)
    cube = _one_hot(ratings, labels)
    draws = np.random.default_rng(seed).integers(0, len(ratings), size=(rounds, len(ratings)))
    overall = _estimate(cube, draws)
    per_class = {}
    for k, label in enumerate(labels):
        chosen = cube[:, :, k]
        binary = np.stack([1 - chosen, chosen], axis=2)  # this class against the rest
        per_class[label] = _estimate(binary, draws)
    return HeadAgreement(method, overall, per_class, support)
