"""Agreement figures against references: sklearn's Cohen's kappa on the same labels, and the
Fleiss' kappa worked example (10 items, 14 raters, 5 classes: kappa 0.210) that Wikipedia's
"Fleiss' kappa" article computes from Fleiss (1971)'s formulas (statsmodels is not installed)."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import cohen_kappa_score

from model.agreement import head_agreement
from model.labels import HEAD_LABELS

CATEGORIES = HEAD_LABELS["category"]

# Each row: how many of the 14 raters put the item in classes 1..5.
FLEISS_EXAMPLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def _two_raters(seed: int, items: int = 80) -> tuple[list[str], list[str]]:
    draw = random.Random(seed)
    first = [draw.choice(CATEGORIES) for _ in range(items)]
    # The second rater agrees most of the time and otherwise picks at random.
    second = [a if draw.random() < 0.7 else draw.choice(CATEGORIES) for a in first]
    return first, second


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cohen_kappa_matches_sklearn_overall_and_per_class(seed: int) -> None:
    first, second = _two_raters(seed)
    found = head_agreement(list(zip(first, second, strict=True)), CATEGORIES, seed=7)
    assert found.method == "cohen"
    assert found.overall.kappa == pytest.approx(cohen_kappa_score(first, second))
    assert found.overall.observed == pytest.approx(
        sum(a == b for a, b in zip(first, second, strict=True)) / len(first)
    )
    for label in CATEGORIES:
        expected = cohen_kappa_score([a == label for a in first], [b == label for b in second])
        assert found.per_class[label].kappa == pytest.approx(expected)
    assert found.support == {c: first.count(c) + second.count(c) for c in CATEGORIES}


def test_bootstrap_interval_holds_the_estimate_and_is_seeded() -> None:
    first, second = _two_raters(5)
    pairs = list(zip(first, second, strict=True))
    found = head_agreement(pairs, CATEGORIES, seed=11)
    assert found.overall.ci is not None and found.overall.kappa is not None
    low, high = found.overall.ci
    assert 0 < low < found.overall.kappa < high < 1
    assert head_agreement(pairs, CATEGORIES, seed=11).overall.ci == found.overall.ci
    assert head_agreement(pairs, CATEGORIES, seed=12).overall.ci != found.overall.ci


def test_fleiss_kappa_matches_the_worked_example() -> None:
    labels = ["1", "2", "3", "4", "5"]
    ratings = [
        [label for label, n in zip(labels, row, strict=True) for _ in range(n)]
        for row in FLEISS_EXAMPLE
    ]
    found = head_agreement(ratings, labels, seed=1)
    assert found.method == "fleiss"
    assert found.overall.kappa == pytest.approx(0.2099, abs=5e-4)
    assert found.overall.observed == pytest.approx(0.3778, abs=5e-4)  # P-bar


def test_fleiss_is_perfect_when_all_raters_agree() -> None:
    ratings = [[c, c, c] for c in CATEGORIES[:4]] * 3
    found = head_agreement(ratings, CATEGORIES, seed=1)
    assert found.overall.kappa == pytest.approx(1.0)
    # A class nobody used has no defined kappa, and no interval.
    assert found.per_class["competitor_claim"].kappa is None
    assert found.per_class["competitor_claim"].ci is None


def test_undefined_and_invalid_inputs() -> None:
    same = head_agreement([["review", "review"]] * 4, CATEGORIES, seed=1)
    assert same.overall.kappa is None and same.overall.observed == 1.0
    assert head_agreement([], CATEGORIES, seed=1).overall.items == 0
    with pytest.raises(ValueError, match="every rater"):
        head_agreement([["review", "review"], ["review"]], CATEGORIES, seed=1)
    with pytest.raises(ValueError, match="two raters"):
        head_agreement([["review"]], CATEGORIES, seed=1)
