"""The shapes of the evaluation reports `training.evaluate` builds.

They stay plain dicts at run time (printed, saved as JSON, flattened into MLflow metric names,
summarised in the manifest), so these TypedDicts name their keys without changing a byte of
what is written. The key order of the JSON is the order the builders write, not this file's.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

Head = Literal["category", "severity"]
# `model.labels.HEADS` with literal types, so a loop over the heads can index these dicts.
HEAD_NAMES: tuple[Head, Head] = ("category", "severity")


class ClassFigures(TypedDict):
    precision: float
    recall: float
    f1: float
    support: int


class ReliabilityFigures(TypedDict):
    """`model.calibration.ReliabilityBins` as a dict."""

    confidence: list[float]
    accuracy: list[float]
    count: list[int]


class HeadReport(TypedDict):
    """One head's labels against the truth (`evaluate.head_report`)."""

    macro_f1: float
    macro_f1_classes: list[str]
    accuracy: float
    per_class: dict[str, ClassFigures]
    confusion: list[list[int]]  # rows: truth


class CalibratedHeadReport(HeadReport):
    """A head with its probabilities: the calibration figures too."""

    ece: float
    brier: float
    reliability: ReliabilityFigures
    # Added by `train_model` on the set the calibration was fitted on.
    ece_cross_fitted: NotRequired[float]


class HeadShares(TypedDict):
    """A share per head; None when nothing was counted."""

    category: float | None
    severity: float | None


class ModelFigures(TypedDict):
    category: CalibratedHeadReport
    severity: CalibratedHeadReport
    red_recall: float | None
    red_precision: float | None


class FamilyFigures(TypedDict):
    support: int
    fired: int
    recall: float | None
    precision: float | None


class RulesFigures(TypedDict):
    red_recall: float | None
    red_precision: float | None
    fire_rate: float
    green_fire_rate: float | None
    hard_negative_fire_rate: float | None
    families: dict[str, FamilyFigures]


class AutoApplied(TypedDict):
    """Precision of the auto-applied labels, with its one-sided 95 % lower bound."""

    auto_applied_precision: HeadShares
    auto_applied_precision_lower: HeadShares


class CombinedFigures(AutoApplied):
    severity: HeadReport
    red_recall: float | None
    red_precision: float | None
    green_flagged_red: float | None
    decisions: dict[str, int]
    coverage: float


class OutOfFold(AutoApplied):
    """`PolicyFit.out_of_fold`: each row decided by a policy fitted without it."""

    folds: int
    red_recall: float | None
    green_flagged_red: float | None
    coverage: float


class Figures(TypedDict):
    model: ModelFigures
    rules: RulesFigures
    combined: CombinedFigures


class OriginFigures(Figures):
    rows: int


class DatasetFigures(TypedDict):
    """`DataDigest` and the path of the set measured."""

    name: str
    rows: int
    sha256: str
    path: str


class EvaluationReport(Figures):
    """`evaluate`'s result."""

    dataset: DatasetFigures
    origins: NotRequired[dict[str, OriginFigures]]  # with rows of several origins
    out_of_fold: NotRequired[OutOfFold]  # added by `train_model` on its calibration set


class EvaluationSummary(TypedDict):
    """The headline figures `train_model` keeps in the manifest."""

    dataset: str
    category_macro_f1: float
    severity_macro_f1: float
    category_ece: float
    severity_ece: float
    category_ece_cross_fitted: float | None
    severity_ece_cross_fitted: float | None
    red_recall: float | None
    rules_red_recall: float | None
    rules_green_fire_rate: float | None
    coverage: float
    green_flagged_red: float | None
    out_of_fold: OutOfFold | None
