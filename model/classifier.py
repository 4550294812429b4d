"""The two-headed text classifier: category and severity, with calibrated probabilities."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression

from model.calibration import FloatArray, IntArray, VectorScaling, fit_calibration
from model.features import FeatureBuilder
from model.labels import CATEGORIES, SEVERITIES
from model.records import FeedbackItem

HEADS = ("category", "severity")
HEAD_LABELS: dict[str, tuple[str, ...]] = {
    "category": tuple(c.value for c in CATEGORIES),
    "severity": tuple(s.value for s in SEVERITIES),
}


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """Training options of the classifier; saved in the model manifest."""

    family: str = "tfidf_logreg"
    c_category: float = 20.0
    c_severity: float = 20.0
    class_weight: str | None = "balanced"
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    use_metadata: bool = True
    max_iter: int = 3000
    seed: int = 13
    n_jobs: int | None = None  # processes for fitting; None = one per core

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class HeadProbabilities:
    """Calibrated probabilities of both heads; columns follow `HEAD_LABELS`."""

    category: FloatArray
    severity: FloatArray

    def of(self, head: str) -> FloatArray:
        result: FloatArray = getattr(self, head)
        return result


class TwoHeadClassifier:
    """Shared features, one logistic regression per head, one calibration map per head.

    The calibration maps are fitted on held-out labelled data (the calibration set), never
    on the training rows, whose logits are over-confident by construction.
    """

    def __init__(self, config: ClassifierConfig | None = None) -> None:
        self.config = config or ClassifierConfig()
        if self.config.family != "tfidf_logreg":
            raise ValueError(f"unknown model family {self.config.family!r}")
        self.features: FeatureBuilder | None = None
        self.heads: dict[str, LogisticRegression] = {}
        self.calibration = {head: VectorScaling.identity(len(HEAD_LABELS[head])) for head in HEADS}

    def _new_features(self) -> FeatureBuilder:
        return FeatureBuilder(
            word_ngrams=self.config.word_ngrams,
            char_ngrams=self.config.char_ngrams,
            use_metadata=self.config.use_metadata,
        )

    def _new_head(self, head: str) -> LogisticRegression:
        c = self.config.c_category if head == "category" else self.config.c_severity
        return LogisticRegression(
            C=c,
            class_weight=self.config.class_weight,
            max_iter=self.config.max_iter,
            random_state=self.config.seed,
        )

    def _fit_heads(
        self, jobs: list[tuple[str, sp.csr_matrix, IntArray]]
    ) -> list[LogisticRegression]:
        """Fit one head per job, in parallel processes (the solver holds the GIL)."""
        n_jobs = min(len(jobs), self.config.n_jobs or os.cpu_count() or 1)
        fitted: list[LogisticRegression] = Parallel(n_jobs=n_jobs)(
            delayed(_fit_head)(self._new_head(head), matrix, y) for head, matrix, y in jobs
        )
        return fitted

    def fit(self, items: Sequence[FeedbackItem], targets: dict[str, IntArray]) -> TwoHeadClassifier:
        """Fit the features and both heads; temperatures stay 1 until `calibrate`."""
        for head in HEADS:
            missing = set(range(len(HEAD_LABELS[head]))) - set(np.unique(targets[head]).tolist())
            if missing:
                names = [HEAD_LABELS[head][i] for i in sorted(missing)]
                raise ValueError(f"training data has no example of {head} {names}")
        self.features = self._new_features().fit(items)
        matrix = self.features.transform(items)
        fitted = self._fit_heads([(head, matrix, targets[head]) for head in HEADS])
        self.heads = dict(zip(HEADS, fitted, strict=True))
        self.calibration = {head: VectorScaling.identity(len(HEAD_LABELS[head])) for head in HEADS}
        return self

    def calibrate(
        self, items: Sequence[FeedbackItem], targets: dict[str, IntArray]
    ) -> dict[str, FloatArray]:
        """Fit each head's calibration map on held-out labelled items; returns their raw logits."""
        logits = self.logits(items)
        self.calibration = {head: fit_calibration(logits[head], targets[head]) for head in HEADS}
        return logits

    def logits(self, items: Sequence[FeedbackItem]) -> dict[str, FloatArray]:
        if self.features is None:
            raise RuntimeError("the classifier is not fitted")
        matrix = self.features.transform(items)
        return {head: self.heads[head].decision_function(matrix) for head in HEADS}

    def predict_proba(self, items: Sequence[FeedbackItem]) -> HeadProbabilities:
        logits = self.logits(items)
        return HeadProbabilities(
            category=self.calibration["category"].apply(logits["category"]),
            severity=self.calibration["severity"].apply(logits["severity"]),
        )


def _fit_head(model: LogisticRegression, matrix: sp.csr_matrix, y: IntArray) -> LogisticRegression:
    return model.fit(matrix, y)
