"""Evaluation of a triager on a labelled set: the model alone, the rules alone, and both.

The result is a plain nested dict (easy to print, save as JSON and log to a tracker), typed
by `training.reports`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from model.calibration import (
    FloatArray,
    IntArray,
    brier_score,
    expected_calibration_error,
    reliability_bins,
)
from model.engine import Triager, TriageResult
from model.labels import HEAD_LABELS, Decision, FlagFamily, Severity
from model.scoring import HeadProbabilities
from training.datasets import LabelledDataset, LabelledItem
from training.policy_fit import head_lower_bounds, head_shares
from training.reports import (
    HEAD_NAMES,
    AutoApplied,
    CalibratedHeadReport,
    CombinedFigures,
    EvaluationReport,
    FamilyFigures,
    Figures,
    Head,
    HeadReport,
    ModelFigures,
    RulesFigures,
)

_CATEGORY = {label: i for i, label in enumerate(HEAD_LABELS["category"])}
_SEVERITY = {label: i for i, label in enumerate(HEAD_LABELS["severity"])}
_RED = _SEVERITY[Severity.RED.value]
_GREEN = _SEVERITY[Severity.GREEN.value]


@overload
def head_report(
    y_true: IntArray, y_pred: IntArray, labels: tuple[str, ...], probs: None = None
) -> HeadReport: ...


@overload
def head_report(
    y_true: IntArray, y_pred: IntArray, labels: tuple[str, ...], probs: FloatArray
) -> CalibratedHeadReport: ...


def head_report(
    y_true: IntArray, y_pred: IntArray, labels: tuple[str, ...], probs: FloatArray | None = None
) -> HeadReport | CalibratedHeadReport:
    """Macro-F1, accuracy, per-class precision/recall/F1 and the confusion matrix (rows: truth).

    Macro-F1 averages the classes the set has rows of: a class a set lacks (real feedback holds
    no misinformation) would count as an F1 of 0 and say nothing about the model. Predicting
    such a class still costs the recall of the true one.
    With probabilities, also ECE, Brier score and the reliability bins behind the ECE.
    """
    indices = list(range(len(labels)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=indices, zero_division=0
    )
    present = [i for i in indices if support[i] > 0]
    report: HeadReport = {
        "macro_f1": float(
            f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)
        )
        if present
        else 0.0,
        "macro_f1_classes": [labels[i] for i in present],
        "accuracy": float(np.mean(y_true == y_pred)),
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion": confusion_matrix(y_true, y_pred, labels=indices).tolist(),
    }
    if probs is None:
        return report
    bins = reliability_bins(probs, y_true)
    return {
        "macro_f1": report["macro_f1"],
        "macro_f1_classes": report["macro_f1_classes"],
        "accuracy": report["accuracy"],
        "per_class": report["per_class"],
        "confusion": report["confusion"],
        "ece": expected_calibration_error(probs, y_true),
        "brier": brier_score(probs, y_true),
        # `bins.to_dict()` spelled out: its declared type is dict[str, list[Any]].
        "reliability": {
            "confidence": bins.confidence,
            "accuracy": bins.accuracy,
            "count": bins.count,
        },
    }


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True, slots=True)
class Scored:
    """What a triager said about each row of a set: its decisions and the model's probabilities."""

    results: list[TriageResult]
    probs: HeadProbabilities


def score(triager: Triager, dataset: LabelledDataset) -> Scored:
    if triager.scorer is None:
        raise ValueError("evaluation needs a model")
    items = dataset.items
    return Scored(triager.classify_many(items), triager.scorer.predict_proba(items))


def evaluate(
    triager: Triager, dataset: LabelledDataset, scored: Scored | None = None
) -> EvaluationReport:
    """Every figure of the model alone, the rules alone and the combined decision; with rows
    of several origins (authored, each real source) the same figures per origin too.

    `scored`: the triager's output on `dataset` when the caller already has it."""
    scored = scored or score(triager, dataset)
    results, probs = scored.results, scored.probs
    rows = np.arange(len(dataset))
    digest = dataset.digest
    figures = _figures(dataset.rows, results, probs, rows)
    report: EvaluationReport = {
        "dataset": {
            "name": digest.name,
            "rows": digest.rows,
            "sha256": digest.sha256,
            "path": str(dataset.path),
        },
        "model": figures["model"],
        "rules": figures["rules"],
        "combined": figures["combined"],
    }
    origins = dataset.origins
    if len(origins) > 1:
        of_row = np.array([row.origin for row in dataset.rows])
        report["origins"] = {}
        for origin in sorted(origins):
            part = _figures(dataset.rows, results, probs, np.flatnonzero(of_row == origin))
            report["origins"][origin] = {
                "rows": int((of_row == origin).sum()),
                "model": part["model"],
                "rules": part["rules"],
                "combined": part["combined"],
            }
    return report


def _figures(
    all_rows: list[LabelledItem],
    all_results: list[TriageResult],
    all_probs: HeadProbabilities,
    picked: IntArray,
) -> Figures:
    """The model, rules and combined figures of the rows at `picked`."""
    rows = [all_rows[i] for i in picked]
    results = [all_results[i] for i in picked]
    probs = HeadProbabilities(
        category=all_probs.category[picked], severity=all_probs.severity[picked]
    )
    targets = {
        "category": np.array([_CATEGORY[r.category.value] for r in rows], dtype=np.int64),
        "severity": np.array([_SEVERITY[r.severity.value] for r in rows], dtype=np.int64),
    }
    true_red = targets["severity"] == _RED
    true_green = targets["severity"] == _GREEN

    heads = {
        head: head_report(
            targets[head], probs.of(head).argmax(axis=1), HEAD_LABELS[head], probs.of(head)
        )
        for head in HEAD_NAMES
    }
    model_red = probs.severity.argmax(axis=1) == _RED
    model: ModelFigures = {
        "category": heads["category"],
        "severity": heads["severity"],
        "red_recall": _ratio(int((model_red & true_red).sum()), int(true_red.sum())),
        "red_precision": _ratio(int((model_red & true_red).sum()), int(model_red.sum())),
    }
    return {
        "model": model,
        "rules": _rules_report(rows, results, true_red, true_green),
        "combined": _combined_report(results, targets, true_red, true_green),
    }


def _rules_report(
    rows: list[LabelledItem],
    results: list[TriageResult],
    true_red: NDArray[np.bool_],
    true_green: NDArray[np.bool_],
) -> RulesFigures:
    fired = np.array([bool(r.red_flags) for r in results], dtype=bool)
    hard_negative = np.array([row.hard_negative for row in rows], dtype=bool)
    families: dict[str, FamilyFigures] = {}
    for family in FlagFamily:
        truth = np.array([family in row.flags for row in rows], dtype=bool)
        hit = np.array([any(h.family is family for h in r.red_flags) for r in results], dtype=bool)
        families[family.value] = {
            "support": int(truth.sum()),
            "fired": int(hit.sum()),
            "recall": _ratio(int((hit & truth).sum()), int(truth.sum())),
            "precision": _ratio(int((hit & truth).sum()), int(hit.sum())),
        }
    return {
        "red_recall": _ratio(int((fired & true_red).sum()), int(true_red.sum())),
        "red_precision": _ratio(int((fired & true_red).sum()), int(fired.sum())),
        "fire_rate": float(fired.mean()) if len(fired) else 0.0,
        "green_fire_rate": _ratio(int((fired & true_green).sum()), int(true_green.sum())),
        "hard_negative_fire_rate": _ratio(
            int((fired & hard_negative).sum()), int(hard_negative.sum())
        ),
        "families": families,
    }


def _combined_report(
    results: list[TriageResult],
    targets: dict[str, IntArray],
    true_red: NDArray[np.bool_],
    true_green: NDArray[np.bool_],
) -> CombinedFigures:
    final = np.array([_SEVERITY[r.severity.value] if r.severity else -1 for r in results])
    final_red = final == _RED
    decisions = {d.value: sum(r.decision is d for r in results) for d in Decision}
    auto = np.array([r.decision is Decision.AUTO_APPLIED for r in results], dtype=bool)
    predicted_category = np.array(
        [_CATEGORY[r.category.value] if r.category else -1 for r in results]
    )
    right: dict[Head, int] = {
        "category": int((predicted_category[auto] == targets["category"][auto]).sum()),
        "severity": int((final[auto] == targets["severity"][auto]).sum()),
    }
    n_auto = int(auto.sum())
    return {
        "severity": head_report(targets["severity"], final, HEAD_LABELS["severity"]),
        "red_recall": _ratio(int((final_red & true_red).sum()), int(true_red.sum())),
        "red_precision": _ratio(int((final_red & true_red).sum()), int(final_red.sum())),
        # The price of red recall: green items a human is asked to treat as red.
        "green_flagged_red": _ratio(int((final_red & true_green).sum()), int(true_green.sum())),
        "decisions": decisions,
        "coverage": float(auto.mean()) if len(auto) else 0.0,
        "auto_applied_precision": head_shares(right, n_auto),
        # One-sided 95 % Clopper-Pearson lower bound: what the precision is at least.
        "auto_applied_precision_lower": head_lower_bounds(right, n_auto),
    }


def _fmt(value: object) -> str:
    if value is None:
        return "  n/a"
    if isinstance(value, float):
        return f"{value:5.3f}"
    return str(value)


def format_evaluation(report: EvaluationReport, *, target_precision: float | None = None) -> str:
    """A readable text rendering of `evaluate`'s result."""
    data = report["dataset"]
    lines = [f"Evaluation on {data['name']} ({data['rows']} rows, sha256 {data['sha256'][:12]})"]
    for head in HEAD_NAMES:
        head_data = report["model"][head]
        lines.append("")
        lines.append(
            f"Model alone, {head}: macro-F1 {_fmt(head_data['macro_f1'])}  accuracy "
            f"{_fmt(head_data['accuracy'])}  ECE {_fmt(head_data['ece'])}  Brier "
            f"{_fmt(head_data['brier'])}"
        )
        if "ece_cross_fitted" in head_data:
            lines.append(
                f"  ECE with calibration fitted on the other folds of this set: "
                f"{_fmt(head_data['ece_cross_fitted'])}"
            )
        lines.append(f"  {'label':<18}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
        for label, values in head_data["per_class"].items():
            lines.append(
                f"  {label:<18}{_fmt(values['precision']):>10}{_fmt(values['recall']):>10}"
                f"{_fmt(values['f1']):>10}{values['support']:>9}"
            )
    model = report["model"]
    lines.append(
        f"  model red recall {_fmt(model['red_recall'])}  red precision "
        f"{_fmt(model['red_precision'])}"
    )

    rules = report["rules"]
    lines.append("")
    lines.append(
        f"Rules alone: red recall {_fmt(rules['red_recall'])}  red precision "
        f"{_fmt(rules['red_precision'])}  fire rate on green {_fmt(rules['green_fire_rate'])}  "
        f"on hard negatives {_fmt(rules['hard_negative_fire_rate'])}"
    )
    lines.append(f"  {'family':<18}{'recall':>10}{'precision':>10}{'support':>9}{'fired':>7}")
    for family, counts in rules["families"].items():
        lines.append(
            f"  {family:<18}{_fmt(counts['recall']):>10}{_fmt(counts['precision']):>10}"
            f"{counts['support']:>9}{counts['fired']:>7}"
        )

    combined = report["combined"]
    lines.append("")
    lines.append(
        f"Model + rules: severity macro-F1 {_fmt(combined['severity']['macro_f1'])}  red recall "
        f"{_fmt(combined['red_recall'])}  red precision {_fmt(combined['red_precision'])}"
    )
    decisions = ", ".join(f"{k} {v}" for k, v in combined["decisions"].items())
    target = f" (target {target_precision:.2f})" if target_precision is not None else ""
    lines.append(f"  green items made red {_fmt(combined['green_flagged_red'])}")
    lines.append(f"  decisions: {decisions}")
    lines.append(
        f"  coverage (auto-applied share) {_fmt(combined['coverage'])}; precision of "
        f"auto-applied labels{target} (and its 95 % lower bound): {_auto(combined)}"
    )
    if "out_of_fold" in report:
        oof = report["out_of_fold"]
        lines.append("")
        lines.append(
            f"Out of fold (the policy fitted on {oof['folds'] - 1}/{oof['folds']} of this set, "
            f"applied to the rest): red recall {_fmt(oof['red_recall'])}  green items made red "
            f"{_fmt(oof['green_flagged_red'])}  coverage {_fmt(oof['coverage'])}; {_auto(oof)}"
        )
    if "origins" in report:
        lines.append("")
        lines.append(
            f"  {'origin':<12}{'rows':>6}{'cat F1':>8}{'sev F1':>8}{'red rec':>9}"
            f"{'green>red':>10}{'coverage':>10}{'auto cat':>10}{'auto sev':>10}"
        )
        for origin, part in report["origins"].items():
            auto = part["combined"]["auto_applied_precision"]
            lines.append(
                f"  {origin:<12}{part['rows']:>6}{_fmt(part['model']['category']['macro_f1']):>8}"
                f"{_fmt(part['model']['severity']['macro_f1']):>8}"
                f"{_fmt(part['combined']['red_recall']):>9}"
                f"{_fmt(part['combined']['green_flagged_red']):>10}"
                f"{_fmt(part['combined']['coverage']):>10}{_fmt(auto['category']):>10}"
                f"{_fmt(auto['severity']):>10}"
            )
    return "\n".join(lines)


def _auto(figures: AutoApplied) -> str:
    """Auto-applied precision per head with its one-sided 95 % lower bound."""
    precision, lower = figures["auto_applied_precision"], figures["auto_applied_precision_lower"]
    return ", ".join(
        f"{head} {_fmt(precision[head])} (>= {_fmt(lower[head])})" for head in HEAD_NAMES
    )
