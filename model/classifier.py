"""The two-headed text classifier: category and severity, with calibrated probabilities."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TypeAlias

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from model.calibration import (
    FloatArray,
    IntArray,
    VectorScaling,
    fit_calibration,
    fit_temperature_scaling,
)
from model.features import FeatureBuilder
from model.labels import HEAD_LABELS, HEADS
from model.records import FeedbackItem
from model.scoring import FastScorer, HeadProbabilities

# Model families a config can select: the same word+char TF-IDF features, a different linear
# head. Both heads' scores are mapped to probabilities by the calibration step.
# tfidf_minilm adds a dense block: the text's all-MiniLM-L6-v2 sentence embedding (more
# accurate, about 7 ms more per text; see model/embeddings.py). tfidf_static adds a
# multilingual static embedding instead (tens of microseconds; model/static_embeddings.py).
MODEL_FAMILIES = ("tfidf_logreg", "tfidf_svm", "tfidf_minilm", "tfidf_static")
# Regularisation that suits each family (chosen on the public intent benchmarks).
_FAMILY_C = {"tfidf_logreg": 20.0, "tfidf_svm": 1.0, "tfidf_minilm": 20.0, "tfidf_static": 20.0}
# Weight of the unit-length embedding against the L2-normalised TF-IDF blocks: 1 to 2 scored
# alike on BANKING77 and CLINC150; 3 and more lost accuracy.
_FAMILY_EMBEDDING_WEIGHT = {"tfidf_minilm": 1.5, "tfidf_static": 1.5}
# The sentence encoder (a key of `model.encoders.ENCODERS`) of each family with embeddings.
FAMILY_ENCODER = {"tfidf_minilm": "minilm", "tfidf_static": "static"}

LinearHead: TypeAlias = LogisticRegression | LinearSVC


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
    embedding_weight: float = 0.0
    # "auto": vector scaling when it predicts held-out rows better (see `fit_calibration`).
    # "temperature": one temperature per head, which keeps the model's top label, so a
    # calibration set with another class mix than the training data (real feedback) does not
    # move the decision boundaries the training data set.
    calibration: str = "auto"
    max_iter: int = 3000
    seed: int = 13
    n_jobs: int | None = None  # processes for fitting; None = one per core

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def for_family(cls, family: str, **overrides: object) -> ClassifierConfig:
        """The default config of a model family, with its own regularisation strength."""
        if family not in MODEL_FAMILIES:
            raise ValueError(f"unknown model family {family!r}; choose from {MODEL_FAMILIES}")
        c = _FAMILY_C[family]
        values: dict[str, object] = {
            "family": family,
            "c_category": c,
            "c_severity": c,
            "embedding_weight": _FAMILY_EMBEDDING_WEIGHT.get(family, 0.0),
        }
        return cls(**(values | overrides))  # type: ignore[arg-type]


class TwoHeadClassifier:
    """Shared features, one linear model per head, one calibration map per head.

    The calibration maps are fitted on held-out labelled data (the calibration set), never
    on the training rows, whose logits are over-confident by construction.
    """

    def __init__(self, config: ClassifierConfig | None = None) -> None:
        self.config = config or ClassifierConfig()
        if self.config.family not in MODEL_FAMILIES:
            raise ValueError(
                f"unknown model family {self.config.family!r}; choose from {MODEL_FAMILIES}"
            )
        self.features: FeatureBuilder | None = None
        self.heads: dict[str, LinearHead] = {}
        self.calibration = {head: VectorScaling.identity(len(HEAD_LABELS[head])) for head in HEADS}

    def _new_features(self) -> FeatureBuilder:
        return FeatureBuilder(
            word_ngrams=self.config.word_ngrams,
            char_ngrams=self.config.char_ngrams,
            use_metadata=self.config.use_metadata,
            embedding_weight=self.config.embedding_weight,
            embedding_encoder=FAMILY_ENCODER.get(self.config.family, "minilm"),
        )

    def _new_head(self, head: str) -> LinearHead:
        c = self.config.c_category if head == "category" else self.config.c_severity
        return linear_head(self.config, c)

    def _fit_heads(self, jobs: list[tuple[str, sp.csr_matrix, IntArray]]) -> list[LinearHead]:
        """Fit one head per job, in parallel processes (the solver holds the GIL)."""
        n_jobs = min(len(jobs), self.config.n_jobs or os.cpu_count() or 1)
        fitted: list[LinearHead] = Parallel(n_jobs=n_jobs)(
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
        self.__dict__.pop("_fast", None)
        return self

    def calibrate(
        self, items: Sequence[FeedbackItem], targets: dict[str, IntArray]
    ) -> dict[str, FloatArray]:
        """Fit each head's calibration map on held-out labelled items; returns their raw logits."""
        logits = self.logits(items)
        fit = (
            fit_temperature_scaling if self.config.calibration == "temperature" else fit_calibration
        )
        self.calibration = {head: fit(logits[head], targets[head]) for head in HEADS}
        self.__dict__.pop("_fast", None)  # the scorer holds the calibration maps
        return logits

    def calibration_fitter(self) -> Callable[[FloatArray, IntArray], VectorScaling]:
        """How this config fits a head's calibration map on held-out logits."""
        if self.config.calibration == "temperature":
            return fit_temperature_scaling
        return fit_calibration

    def logits(self, items: Sequence[FeedbackItem]) -> dict[str, FloatArray]:
        if self.features is None:
            raise RuntimeError("the classifier is not fitted")
        matrix = self.features.transform(items)
        return {head: self.heads[head].decision_function(matrix) for head in HEADS}

    def predict_proba(self, items: Sequence[FeedbackItem]) -> HeadProbabilities:
        """Calibrated probabilities through the fast scorer (`pipeline_proba` gives the same
        figures through the stock scikit-learn pipeline, which tests compare it with)."""
        return self.fast_scorer().predict_proba(items)

    def pipeline_proba(self, items: Sequence[FeedbackItem]) -> HeadProbabilities:
        """Calibrated probabilities through the stock scikit-learn pipeline."""
        logits = self.logits(items)
        return HeadProbabilities(
            category=self.calibration["category"].apply(logits["category"]),
            severity=self.calibration["severity"].apply(logits["severity"]),
        )

    def fast_scorer(self) -> FastScorer:
        """The fitted model as a `FastScorer`, built on first use (not saved with the model)."""
        scorer: FastScorer | None = self.__dict__.get("_fast")
        if scorer is None:
            if self.features is None:
                raise RuntimeError("the classifier is not fitted")
            scorer = FastScorer.from_fitted(
                self.features,
                {
                    head: (
                        np.asarray(self.heads[head].coef_, dtype=np.float64),
                        np.asarray(self.heads[head].intercept_, dtype=np.float64),
                        self.calibration[head],
                    )
                    for head in HEADS
                },
            )
            self.__dict__["_fast"] = scorer
        return scorer

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_fast", None)  # derived data: rebuilt after loading
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)


def linear_head(config: ClassifierConfig, c: float) -> LinearHead:
    """An unfitted linear model of the config's family with regularisation strength `c`."""
    if config.family == "tfidf_svm":
        return LinearSVC(
            C=c,
            class_weight=config.class_weight,
            max_iter=config.max_iter,
            random_state=config.seed,
        )
    return LogisticRegression(
        C=c, class_weight=config.class_weight, max_iter=config.max_iter, random_state=config.seed
    )


def _fit_head(model: LinearHead, matrix: sp.csr_matrix, y: IntArray) -> LinearHead:
    return model.fit(matrix, y)
