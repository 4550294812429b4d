"""Promotion gates: candidate against champion on the same calibration rows, with intervals.

Every gate figure comes with a paired bootstrap interval (`training.bootstrap`), so a gate
refuses a regression the rows show, not one that sampling noise of a ~1,000-row set could
produce:

- macro-F1 per head: refused when the candidate is lower than the champion by more than the
  margin AND the whole interval of the difference is below zero (a real, material drop);
- ECE per head (on the fit set): refused when the whole interval is above the bound, or when
  the point is above the bound and the candidate is clearly worse than the champion (whole
  interval of the difference above zero); the intervals take ECE's upward bias on a resample
  out (`training.bootstrap.BIASED`), so a figure a little over the bound is not a breach;
- combined red recall stays strict: refused when lower than the champion's at all. Both are
  measured on the same rows, so lower means red items the champion catches and the candidate
  misses: legal threats, hacked accounts, fraud, injuries nobody is asked to look at. The
  interval is shown to tell how much, not used to excuse it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from model.labels import HEADS
from training.bootstrap import (
    BootstrapConfig,
    Comparison,
    Interval,
    PairedBootstrap,
    RowScores,
)

_TOLERANCE = 1e-9  # figures equal up to float noise count as equal


@dataclass(frozen=True, slots=True)
class GateCheck:
    calibration_set: str
    figure: str
    candidate: Interval | None
    champion: Interval | None
    difference: Interval | None  # candidate - champion on the same bootstrap draws
    limit: str  # what the gate asks
    verdict: str  # why it passed or failed, in words
    passed: bool
    confidence: float = 0.95

    def describe(self) -> str:
        """`real: category ECE 0.0325 (95 % CI 0.0260 to 0.0390) vs champion 0.0268:
        difference +0.0057 (CI -0.0021 to +0.0130): within noise of the bound <= 0.05`."""
        level = f"{self.confidence * 100:g} %"
        if self.candidate is None:
            text = f"{self.calibration_set}: {self.figure} n/a"
        else:
            c = self.candidate
            text = (
                f"{self.calibration_set}: {self.figure} {c.point:.4f} "
                f"({level} CI {c.low:.4f} to {c.high:.4f})"
            )
        if self.champion is not None:
            text += f" vs champion {self.champion.point:.4f}"
        if self.difference is not None:
            d = self.difference
            text += f": difference {d.point:+.4f} (CI {d.low:+.4f} to {d.high:+.4f})"
        return f"{text}: {self.verdict}"


@dataclass(frozen=True, slots=True)
class GateReport:
    checks: list[GateCheck]
    method: str = ""  # how the intervals were made, printed once above the gates

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> list[str]:
        return [check.describe() for check in self.checks if not check.passed]


def check_gates(
    candidate: Mapping[str, RowScores],
    champion: Mapping[str, RowScores] | None,
    *,
    f1_margin: float,
    max_ece: float,
    ece_min_rows: int = 0,
    ece_sets: Collection[str] | None = None,
    config: BootstrapConfig | None = None,
) -> GateReport:
    """Gate a candidate against the champion, per calibration set and per origin in a set
    (`real/cfpb`, ...): red recall and macro-F1 per head; ECE per head on the sets in
    `ece_sets` (default: all) of at least `ece_min_rows` rows: the set the probabilities were
    calibrated for; on a set with another class mix (authored text) they are not meant to be
    calibrated. Without a champion only the ECE bound applies.
    """
    config = config or BootstrapConfig()
    checks: list[GateCheck] = []
    for set_name, rows in candidate.items():
        base = champion.get(set_name) if champion else None
        boot = PairedBootstrap(rows, base, config)
        if base is not None:
            checks += _comparison_checks(set_name, boot, f1_margin)
            origins = sorted(set(rows.origin.tolist()))
            for origin in origins if len(origins) > 1 else []:
                picked = rows.origin == origin
                part = PairedBootstrap(rows.subset(picked), base.subset(picked), config)
                checks += _comparison_checks(f"{set_name}/{origin}", part, f1_margin)
        if len(rows) < ece_min_rows or (ece_sets is not None and set_name not in ece_sets):
            continue
        for head in HEADS:
            found = boot.compare(f"{head} ECE")
            checks.append(_ece_check(set_name, f"{head} ECE", found, max_ece, config.confidence))
    return GateReport(checks, config.describe())


def _check(
    name: str, figure: str, found: Comparison, limit: str, verdict: str, ok: bool, level: float
) -> GateCheck:
    return GateCheck(
        name, figure, found.candidate, found.champion, found.difference, limit, verdict, ok, level
    )


def _comparison_checks(name: str, boot: PairedBootstrap, f1_margin: float) -> list[GateCheck]:
    level = boot.config.confidence
    red = boot.compare("red recall")
    if red.difference is None:
        ok, verdict = True, "no red rows here"
    elif red.difference.point >= -_TOLERANCE:
        ok, verdict = True, "not lower"
    else:
        ok, verdict = False, "lower: red recall may not drop at all (strict gate)"
    checks = [_check(name, "red recall", red, "not lower", verdict, ok, level)]
    for head in HEADS:
        found = boot.compare(f"{head} macro-F1")
        diff = found.difference
        assert diff is not None
        if diff.point >= -f1_margin - _TOLERANCE:
            ok, verdict = True, f"within the {f1_margin:g} margin"
        elif diff.high >= 0:
            ok, verdict = True, f"more than {f1_margin:g} lower, but within noise"
        else:
            ok, verdict = False, f"real regression, more than {f1_margin:g} lower"
        checks.append(
            _check(
                name, f"{head} macro-F1", found, f">= champion - {f1_margin:g}", verdict, ok, level
            )
        )
    return checks


def _ece_check(
    name: str, figure: str, found: Comparison, max_ece: float, level: float
) -> GateCheck:
    ece, diff = found.candidate, found.difference
    assert ece is not None
    bound = max_ece + _TOLERANCE
    if ece.point <= bound:
        ok, verdict = True, f"within the bound {max_ece:g}"
    elif ece.low > bound:
        ok, verdict = False, f"above the bound {max_ece:g} beyond noise"
    elif diff is not None and diff.low > 0:
        ok, verdict = False, f"above the bound {max_ece:g} and clearly worse than the champion"
    else:
        ok, verdict = True, f"above the bound {max_ece:g} but within noise"
    return _check(name, figure, found, f"<= {max_ece:g}", verdict, ok, level)
