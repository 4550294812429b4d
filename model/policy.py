"""The decision policy: combine the model's proposal with the red-flag rules.

- Final severity is the higher of the model's and the rules' (a rule hit means red), and red
  when the model's P(red) reaches the red threshold (chosen for red recall, so an item the
  model thinks may well be red is seen by a human even when red is not its top label).
- `rule_forced` when any rule fired; else `needs_review` when the item is red, the model is
  below its per-class confidence threshold, or no model is loaded; else `auto_applied`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from model.calibration import (
    FloatArray,
    HeadThresholds,
    IntArray,
    precision_lower_bound,
    thresholds_for_precision,
)
from model.labels import Category, Decision, Severity, higher_severity
from model.rules import RedFlagHit

DEFAULT_TARGET_PRECISION = 0.95


class Reason(StrEnum):
    """What a decision's reasons start with; the whole code (with `:<family>` or `:<head>`)
    comes before any detail in brackets, e.g. `low_confidence:severity (red is never
    auto-applied)`. The console words every one of them (service/console/reasons.py)."""

    RED_FLAG = "red_flag"  # red_flag:<family> (rule ids)
    MODEL_UNAVAILABLE = "model_unavailable"
    MODEL_SEVERITY_RED = "model_severity_red"
    MODEL_RED_PROBABILITY = "model_red_probability"  # (p >= threshold)
    LOW_CONFIDENCE = "low_confidence"  # low_confidence:<head> (label p < threshold)
    CONFIDENT = "confident"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Per-class confidence thresholds of both heads, derived on a calibration set."""

    target_precision: float
    category: HeadThresholds
    severity: HeadThresholds
    # What the thresholds achieved on the calibration set they were derived from.
    coverage: float = 0.0
    achieved_precision: dict[str, float | None] = field(default_factory=dict)
    calibration_rows: int = 0
    # P(red) from which the item is red; None: only a red top label (or a rule) makes it red.
    red_probability: float | None = None
    red_target_recall: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "target_precision": self.target_precision,
            "category": dict(self.category.by_label),
            "severity": dict(self.severity.by_label),
            "coverage": self.coverage,
            "achieved_precision": dict(self.achieved_precision),
            "calibration_rows": self.calibration_rows,
            "red_probability": self.red_probability,
            "red_target_recall": self.red_target_recall,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Thresholds:
        return cls(
            target_precision=float(data["target_precision"]),
            category=HeadThresholds(dict(data["category"])),
            severity=HeadThresholds(dict(data["severity"])),
            coverage=float(data.get("coverage", 0.0)),
            achieved_precision=dict(data.get("achieved_precision", {})),
            calibration_rows=int(data.get("calibration_rows", 0)),
            red_probability=_optional_float(data.get("red_probability")),
            red_target_recall=_optional_float(data.get("red_target_recall")),
        )


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True, slots=True)
class ModelProposal:
    """What the model says about one item: its top label and confidence per head."""

    category: Category
    category_confidence: float
    severity: Severity
    severity_confidence: float
    red_probability: float = 0.0


@dataclass(frozen=True, slots=True)
class PolicyOutcome:
    severity: Severity | None
    decision: Decision
    reasons: list[str]


def decide(
    *,
    proposal: ModelProposal | None,
    hits: Sequence[RedFlagHit],
    thresholds: Thresholds | None,
) -> PolicyOutcome:
    """Apply the policy to one item. `proposal` is None when no model could be loaded."""
    reasons: list[str] = []
    rule_severity = Severity.RED if hits else None
    for family in dict.fromkeys(hit.family.value for hit in hits):
        rules = sorted({hit.rule for hit in hits if hit.family.value == family})
        reasons.append(f"{Reason.RED_FLAG}:{family} ({', '.join(rules)})")

    if proposal is None or thresholds is None:
        reasons.append(Reason.MODEL_UNAVAILABLE.value)
        decision = Decision.RULE_FORCED if hits else Decision.NEEDS_REVIEW
        return PolicyOutcome(severity=rule_severity, decision=decision, reasons=reasons)

    severity = proposal.severity
    if rule_severity is not None:
        severity = higher_severity(severity, rule_severity)
    if proposal.severity is Severity.RED:
        reasons.append(Reason.MODEL_SEVERITY_RED.value)
    elif (
        thresholds.red_probability is not None
        and proposal.red_probability >= thresholds.red_probability
    ):
        severity = Severity.RED
        reasons.append(
            f"{Reason.MODEL_RED_PROBABILITY} ({proposal.red_probability:.2f} >= "
            f"{thresholds.red_probability:.2f})"
        )
    if not thresholds.category.passes(proposal.category.value, proposal.category_confidence):
        reasons.append(
            _low_confidence(
                "category",
                proposal.category.value,
                proposal.category_confidence,
                thresholds.category,
            )
        )
    if not thresholds.severity.passes(proposal.severity.value, proposal.severity_confidence):
        reasons.append(
            _low_confidence(
                "severity",
                proposal.severity.value,
                proposal.severity_confidence,
                thresholds.severity,
            )
        )

    if hits:
        decision = Decision.RULE_FORCED
    elif severity is Severity.RED or len(reasons) > 0:
        decision = Decision.NEEDS_REVIEW
    else:
        decision = Decision.AUTO_APPLIED
        reasons.append(Reason.CONFIDENT.value)
    return PolicyOutcome(severity=severity, decision=decision, reasons=reasons)


def _low_confidence(head: str, label: str, confidence: float, thresholds: HeadThresholds) -> str:
    threshold = thresholds.by_label.get(label)
    if threshold is None:
        return f"{Reason.LOW_CONFIDENCE}:{head} ({label} is never auto-applied)"
    return f"{Reason.LOW_CONFIDENCE}:{head} ({label} {confidence:.2f} < {threshold:.2f})"


def derive_thresholds(
    *,
    category_probs: FloatArray,
    severity_probs: FloatArray,
    category_true: IntArray,
    severity_true: IntArray,
    rule_fired: NDArray[np.bool_],
    target_precision: float = DEFAULT_TARGET_PRECISION,
    red_probability: float | None = None,
    red_target_recall: float | None = None,
    min_support: int = 5,
    max_rounds: int = 10,
) -> Thresholds:
    """Thresholds so that labels auto-applied on this calibration set reach `target_precision`
    (as the one-sided 95 % Clopper-Pearson lower bound, see `thresholds_for_precision`).

    Only items the policy could auto-apply count (no rule hit, model severity not red, P(red)
    below `red_probability`). Each
    head's thresholds are derived on the items the other head lets through, alternating until
    both heads' auto-applied precision reaches the target, so the two heads together (not just
    each alone) meet it.
    """
    severity_labels = [s.value for s in Severity]
    category_labels = [c.value for c in Category]
    red = severity_labels.index(Severity.RED.value)
    eligible = ~rule_fired & (severity_probs.argmax(axis=1) != red)
    if red_probability is not None:
        eligible &= severity_probs[:, red] < red_probability
    cat_conf, cat_pred = category_probs.max(axis=1), category_probs.argmax(axis=1)
    sev_conf, sev_pred = severity_probs.max(axis=1), severity_probs.argmax(axis=1)

    def passing(
        head: HeadThresholds, labels: list[str], pred: IntArray, conf: FloatArray
    ) -> NDArray[np.bool_]:
        return np.array(
            [head.passes(labels[p], c) for p, c in zip(pred, conf, strict=True)], dtype=bool
        )

    def fit(
        mask: NDArray[np.bool_], probs: FloatArray, y: IntArray, labels: list[str]
    ) -> HeadThresholds:
        return thresholds_for_precision(
            probs[mask], y[mask], labels, target_precision=target_precision, min_support=min_support
        )

    category = fit(eligible, category_probs, category_true, category_labels)
    severity = fit(eligible, severity_probs, severity_true, severity_labels)
    for _ in range(max_rounds):
        cat_ok = passing(category, category_labels, cat_pred, cat_conf)
        sev_ok = passing(severity, severity_labels, sev_pred, sev_conf)
        auto = eligible & cat_ok & sev_ok
        lower = _precisions(
            auto, cat_pred, category_true, sev_pred, severity_true, lower_bound=True
        )
        if all(bound is None or bound >= target_precision for bound in lower.values()):
            break
        category = fit(eligible & sev_ok, category_probs, category_true, category_labels)
        severity = fit(eligible & cat_ok, severity_probs, severity_true, severity_labels)
    # The alternation need not settle: raise the threshold of the class whose auto-applied
    # labels fall furthest below the target (refitted on what the other head lets through),
    # or switch it off when raising cannot help, until every class reaches the target.
    while True:
        cat_ok = passing(category, category_labels, cat_pred, cat_conf)
        sev_ok = passing(severity, severity_labels, sev_pred, sev_conf)
        auto = eligible & cat_ok & sev_ok
        worst = _worst_class(
            auto,
            {"category": (category, category_labels, cat_pred, category_true)}
            | {"severity": (severity, severity_labels, sev_pred, severity_true)},
            target_precision,
        )
        if worst is None:
            break
        head_name, label = worst
        if head_name == "category":
            refit = fit(eligible & sev_ok, category_probs, category_true, category_labels)
            category = _raised(category, refit, label)
        else:
            refit = fit(eligible & cat_ok, severity_probs, severity_true, severity_labels)
            severity = _raised(severity, refit, label)
    return Thresholds(
        target_precision=target_precision,
        category=category,
        severity=severity,
        coverage=float(auto.mean()) if len(auto) else 0.0,
        achieved_precision=_precisions(auto, cat_pred, category_true, sev_pred, severity_true),
        calibration_rows=len(auto),
        red_probability=red_probability,
        red_target_recall=red_target_recall,
    )


def _precisions(
    auto: NDArray[np.bool_],
    cat_pred: IntArray,
    cat_true: IntArray,
    sev_pred: IntArray,
    sev_true: IntArray,
    *,
    lower_bound: bool = False,
) -> dict[str, float | None]:
    """Precision of the auto-applied labels per head, or its one-sided 95 % lower bound."""
    n = int(auto.sum())
    right = {
        "category": int((cat_pred[auto] == cat_true[auto]).sum()),
        "severity": int((sev_pred[auto] == sev_true[auto]).sum()),
    }
    if n == 0:
        return {head: None for head in right}
    if lower_bound:
        return {head: precision_lower_bound(k, n) for head, k in right.items()}
    return {head: k / n for head, k in right.items()}


def _worst_class(
    auto: NDArray[np.bool_],
    heads: dict[str, tuple[HeadThresholds, list[str], IntArray, IntArray]],
    target_precision: float,
) -> tuple[str, str] | None:
    """The (head, label) auto-applied with the lowest precision lower bound under the target."""
    worst: tuple[float, str, str] | None = None
    for head_name, (thresholds, labels, predicted, truth) in heads.items():
        for index, label in enumerate(labels):
            if thresholds.by_label.get(label) is None:
                continue
            mask = auto & (predicted == index)
            total = int(mask.sum())
            if total == 0:
                continue
            bound = precision_lower_bound(int((truth[mask] == index).sum()), total)
            if bound < target_precision and (worst is None or bound < worst[0]):
                worst = (bound, head_name, label)
    return None if worst is None else (worst[1], worst[2])


def _raised(current: HeadThresholds, refit: HeadThresholds, label: str) -> HeadThresholds:
    """`current` with `label`'s threshold raised to the refitted one, or off if not higher."""
    old, new = current.by_label.get(label), refit.by_label.get(label)
    raised = new if new is not None and old is not None and new > old else None
    return HeadThresholds(current.by_label | {label: raised})
