"""Paired bootstrap gates: parity with plain references, and the verdicts they lead to."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import f1_score

from model.calibration import expected_calibration_error
from model.labels import HEAD_LABELS
from training.bootstrap import (
    BootstrapConfig,
    PairedBootstrap,
    RowScores,
    ece,
    macro_f1,
    recall,
    resample_counts,
    resample_weights,
)
from training.gates import GateCheck, check_gates

N_CATEGORY = len(HEAD_LABELS["category"])
N_SEVERITY = len(HEAD_LABELS["severity"])
RED = HEAD_LABELS["severity"].index("red")


def _probs(truth: np.ndarray, right: np.ndarray, classes: int, seed: int) -> np.ndarray:
    """Probabilities whose top label is the truth where `right`, another label elsewhere."""
    rng = np.random.default_rng(seed)
    top = np.where(right, truth, (truth + rng.integers(1, classes, len(truth))) % classes)
    confidence = rng.uniform(0.45, 0.95, len(truth))
    probs = np.repeat(((1 - confidence) / (classes - 1))[:, None], classes, axis=1)
    probs[np.arange(len(truth)), top] = confidence
    return probs


def _rows(
    category_right: np.ndarray, severity_right: np.ndarray, red_caught: np.ndarray, seed: int = 1
) -> RowScores:
    n = len(category_right)
    rng = np.random.default_rng(0)  # the truth is the same for every model
    category = rng.integers(0, N_CATEGORY, n)
    severity = rng.integers(0, N_SEVERITY, n)
    return RowScores(
        category_true=category,
        category_probs=_probs(category, category_right, N_CATEGORY, seed),
        severity_true=severity,
        severity_probs=_probs(severity, severity_right, N_SEVERITY, seed + 1),
        red_caught=red_caught,
        origin=np.array(["a" if i % 3 else "b" for i in range(n)]),
    )


N = 1000


def _champion_parts() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    category_right = rng.random(N) < 0.85
    severity_right = rng.random(N) < 0.85
    rows = _rows(category_right, severity_right, np.zeros(N, dtype=bool))
    caught = (rows.severity_true == RED) & (rng.random(N) < 0.9)
    return category_right, severity_right, caught


def _flip(right: np.ndarray, worse: int, better: int, seed: int) -> np.ndarray:
    """`worse` right rows made wrong and `better` wrong rows made right."""
    rng = np.random.default_rng(seed)
    out = right.copy()
    out[rng.choice(np.flatnonzero(right), worse, replace=False)] = False
    out[rng.choice(np.flatnonzero(~right), better, replace=False)] = True
    return out


# ---- parity with plain references -----------------------------------------------------------


def test_point_figures_equal_the_evaluation_code() -> None:
    cat, sev, caught = _champion_parts()
    rows = _rows(cat, sev, caught)
    everything = np.ones((1, N))
    predicted = rows.category_probs.argmax(axis=1)
    present = sorted(set(rows.category_true.tolist()))
    want = f1_score(rows.category_true, predicted, labels=present, average="macro")
    assert macro_f1(everything, rows.category_true, predicted, N_CATEGORY)[0] == pytest.approx(
        want, abs=1e-12
    )
    assert ece(everything, rows.severity_probs, rows.severity_true)[0] == pytest.approx(
        expected_calibration_error(rows.severity_probs, rows.severity_true), abs=1e-12
    )
    red = rows.severity_true == RED
    assert recall(everything, caught, red)[0] == pytest.approx(caught[red].mean(), abs=1e-12)


def test_every_replicate_equals_a_plain_loop_over_the_same_draws() -> None:
    cat, sev, caught = _champion_parts()
    rows = _rows(cat, sev, caught)
    indices = np.random.default_rng(3).integers(0, N, size=(50, N))
    weights = resample_counts(indices, N)
    predicted = rows.category_probs.argmax(axis=1)
    f1s = macro_f1(weights, rows.category_true, predicted, N_CATEGORY)
    eces = ece(weights, rows.category_probs, rows.category_true)
    red = rows.severity_true == RED
    recalls = recall(weights, caught, red)
    for b, draw in enumerate(indices):
        truth = rows.category_true[draw]
        present = sorted(set(truth.tolist()))
        assert f1s[b] == pytest.approx(
            f1_score(truth, predicted[draw], labels=present, average="macro"), abs=1e-12
        )
        assert eces[b] == pytest.approx(
            expected_calibration_error(rows.category_probs[draw], truth), abs=1e-12
        )
        assert recalls[b] == pytest.approx(caught[draw][red[draw]].mean(), abs=1e-12)
    # The seeded draws are the same indices drawn by the same generator.
    again = np.random.default_rng(5).integers(0, N, size=(20, N))
    assert np.array_equal(resample_weights(N, 20, 5), resample_counts(again, N))


def test_paired_interval_matches_scipy_bootstrap() -> None:
    # All rows red: red recall is the share caught, a plain mean scipy can bootstrap.
    rng = np.random.default_rng(11)
    n = 400
    ours_caught = rng.random(n) < 0.80
    theirs_caught = np.where(rng.random(n) < 0.9, ours_caught, ~ours_caught)
    base = _rows(np.ones(n, bool), np.ones(n, bool), ours_caught)
    red = RowScores(
        base.category_true,
        base.category_probs,
        np.full(n, RED),
        base.severity_probs,
        ours_caught,
        base.origin,
    )
    champion = RowScores(
        red.category_true,
        red.category_probs,
        red.severity_true,
        red.severity_probs,
        theirs_caught,
        red.origin,
    )
    found = PairedBootstrap(red, champion, BootstrapConfig(replicates=20000, seed=1)).compare(
        "red recall"
    )
    reference = stats.bootstrap(
        (ours_caught.astype(float), theirs_caught.astype(float)),
        lambda a, b, axis=-1: a.mean(axis=axis) - b.mean(axis=axis),
        paired=True,
        n_resamples=20000,
        confidence_level=0.95,
        method="percentile",
        random_state=np.random.default_rng(2),
    ).confidence_interval
    assert found.difference is not None
    assert found.difference.point == pytest.approx(ours_caught.mean() - theirs_caught.mean())
    assert found.difference.low == pytest.approx(reference.low, abs=0.004)
    assert found.difference.high == pytest.approx(reference.high, abs=0.004)


# ---- verdicts -------------------------------------------------------------------------------


def _gate(
    candidate: RowScores, champion: RowScores | None, **kwargs: float
) -> dict[str, GateCheck]:
    report = check_gates(
        {"real": candidate},
        {"real": champion} if champion is not None else None,
        f1_margin=kwargs.get("f1_margin", 0.01),
        max_ece=kwargs.get("max_ece", 1.0),
        config=BootstrapConfig(seed=int(kwargs.get("seed", 16))),
    )
    return {f"{c.calibration_set}: {c.figure}": c for c in report.checks}


def test_a_noise_level_drop_passes_and_a_real_regression_is_refused() -> None:
    cat, sev, caught = _champion_parts()
    champion = _rows(cat, sev, caught)
    noisy = _rows(_flip(cat, 40, 28, seed=1), sev, caught)
    check = _gate(noisy, champion)["real: category macro-F1"]
    assert check.difference.point < -0.01  # lower than the margin allows, on the point
    assert check.difference.high > 0  # but the interval reaches zero
    assert check.passed and "within noise" in check.verdict
    assert "(95 % CI" in check.describe() and "difference -0.0" in check.describe()

    worse = _rows(_flip(cat, 150, 0, seed=2), sev, caught)
    check = _gate(worse, champion)["real: category macro-F1"]
    assert not check.passed and check.difference.high < 0
    assert "real regression" in check.describe()


def test_red_recall_stays_strict() -> None:
    cat, sev, caught = _champion_parts()
    champion = _rows(cat, sev, caught)
    one_missed = caught.copy()
    one_missed[np.flatnonzero(caught)[0]] = False
    checks = _gate(_rows(cat, sev, one_missed), champion)
    red = checks["real: red recall"]
    assert not red.passed and red.difference.high >= 0  # within noise, refused anyway
    assert "strict" in red.describe()
    assert checks["real/a: red recall"].passed != checks["real/b: red recall"].passed


def test_ece_bound_refuses_only_a_clear_breach() -> None:
    cat, sev, caught = _champion_parts()
    rows = _rows(cat, sev, caught)
    point = _gate(rows, None)["real: category ECE"].candidate
    assert point.low < point.point < point.high
    just_above = _gate(rows, None, max_ece=point.point - 0.002)["real: category ECE"]
    assert just_above.passed and "within noise" in just_above.verdict
    breached = _gate(rows, None, max_ece=point.low - 0.002)["real: category ECE"]
    assert not breached.passed and "beyond noise" in breached.verdict


def test_a_calibrated_model_just_over_the_ece_bound_passes_as_noise() -> None:
    # The case: probabilities right on average (true ECE 0) still measure a few
    # hundredths on ~1,200 rows; a bound just below that must not refuse them.
    rng = np.random.default_rng(5)
    n = 1200
    confidence = rng.uniform(0.4, 1.0, n)
    right = rng.random(n) < confidence
    truth = rng.integers(0, N_CATEGORY, n)
    top = np.where(right, truth, (truth + rng.integers(1, N_CATEGORY, n)) % N_CATEGORY)
    probs = np.repeat(((1 - confidence) / (N_CATEGORY - 1))[:, None], N_CATEGORY, axis=1)
    probs[np.arange(n), top] = confidence
    severity = np.zeros(n, dtype=np.int64)
    rows = RowScores(
        truth, probs, severity, _probs(severity, right, N_SEVERITY, 1), right, np.full(n, "a")
    )
    measured = expected_calibration_error(probs, truth)
    assert 0.01 < measured < 0.05
    check = _gate(rows, None, max_ece=measured - 0.005)["real: category ECE"]
    assert check.passed and "within noise" in check.verdict, check.describe()
    # Resamples measure more than the full set (ECE's own bias); the interval is moved back
    # by that much, so it holds the figure instead of lying above it.
    boot = PairedBootstrap(rows, None, BootstrapConfig())
    replicates = ece(boot.weights, probs, truth)
    bias = replicates.mean() - measured
    assert bias > 0.005
    low, high = np.percentile(replicates, [2.5, 97.5]) - bias
    assert (check.candidate.low, check.candidate.high) == pytest.approx((low, high))
    assert check.candidate.low < measured < check.candidate.high


def test_same_seed_same_verdicts_other_seed_other_draws() -> None:
    cat, sev, caught = _champion_parts()
    champion = _rows(cat, sev, caught)
    noisy = _rows(_flip(cat, 40, 28, seed=1), sev, caught)
    first = [c.describe() for c in _gate(noisy, champion).values()]
    assert first == [c.describe() for c in _gate(noisy, champion).values()]
    other = _gate(noisy, champion, seed=17)
    assert [c.describe() for c in other.values()] != first
    assert [c.passed for c in other.values()] == [c.passed for c in _gate(noisy, champion).values()]


def test_models_scored_on_different_rows_are_refused_with_a_clear_error() -> None:
    cat, sev, caught = _champion_parts()
    rows = _rows(cat, sev, caught)
    shorter = rows.subset(np.arange(N) < N - 1)
    with pytest.raises(ValueError, match="same rows"):
        PairedBootstrap(shorter, rows, BootstrapConfig())
    with pytest.raises(ValueError, match="at least 1"):
        BootstrapConfig(replicates=0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        BootstrapConfig(confidence=1.0)
