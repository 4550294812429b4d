"""The triage engine: classifier + red-flag rules + decision policy, for one item or many."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.labels import HEAD_LABELS, Category, Decision, Severity
from model.manifest import ModelManifest
from model.policy import ModelProposal, Thresholds, decide
from model.records import FeedbackItem
from model.rules import RULES_VERSION, RedFlagHit, RedFlagRules
from model.scoring import HeadProbabilities, ProbabilityModel

_RED = HEAD_LABELS["severity"].index(Severity.RED.value)

# Output keys of one result, in order; the CLI, the service and the pyfunc all use them.
RESULT_KEYS = (
    "category",
    "severity",
    "category_confidence",
    "severity_confidence",
    "probabilities",
    "red_flags",
    "decision",
    "reasons",
    "model_version",
    "rules_version",
)


@dataclass(frozen=True, slots=True)
class TriageResult:
    """The triage of one item: the model's proposal, the rule hits and the decision."""

    category: Category | None
    severity: Severity | None
    model_severity: Severity | None
    category_confidence: float | None
    severity_confidence: float | None
    probabilities: dict[str, dict[str, float]]
    red_flags: list[RedFlagHit]
    decision: Decision
    reasons: list[str]
    model_version: str | None
    rules_version: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category.value if self.category else None,
            "severity": self.severity.value if self.severity else None,
            "category_confidence": self.category_confidence,
            "severity_confidence": self.severity_confidence,
            "probabilities": self.probabilities,
            "red_flags": [hit.to_dict() for hit in self.red_flags],
            "decision": self.decision.value,
            "reasons": list(self.reasons),
            "model_version": self.model_version,
            "rules_version": self.rules_version,
        }


class Triager:
    """Classifies feedback. Build once (rules compile in about a second) and reuse.

    `scorer` is a fitted `TwoHeadClassifier` or, in a served model, its saved `FastScorer`.
    With `scorer=None` it still runs: the rules apply and every item goes to a human
    with the reason `model_unavailable`.
    """

    def __init__(
        self,
        *,
        scorer: ProbabilityModel | None,
        thresholds: Thresholds | None,
        manifest: ModelManifest | None,
        rules: RedFlagRules | None = None,
    ) -> None:
        self.scorer = scorer
        self.thresholds = thresholds
        self.manifest = manifest
        self.rules = rules or RedFlagRules()

    @property
    def model_version(self) -> str | None:
        return self.manifest.model_version if self.manifest else None

    def classify(self, item: FeedbackItem) -> TriageResult:
        return self.classify_many([item])[0]

    def classify_many(self, items: Sequence[FeedbackItem]) -> list[TriageResult]:
        if not items:
            return []
        hits = self.rules.find_many(item.text for item in items)
        probs = self.scorer.predict_proba(items) if self.scorer is not None else None
        return [self._result(i, hits[i], probs) for i in range(len(items))]

    def _result(
        self, index: int, hits: list[RedFlagHit], probs: HeadProbabilities | None
    ) -> TriageResult:
        if probs is None:
            outcome = decide(proposal=None, hits=hits, thresholds=None)
            return TriageResult(
                category=None,
                severity=outcome.severity,
                model_severity=None,
                category_confidence=None,
                severity_confidence=None,
                probabilities={},
                red_flags=hits,
                decision=outcome.decision,
                reasons=outcome.reasons,
                model_version=None,
                rules_version=RULES_VERSION,
            )
        cat_row, sev_row = probs.category[index], probs.severity[index]
        cat_index, sev_index = int(np.argmax(cat_row)), int(np.argmax(sev_row))
        proposal = ModelProposal(
            category=Category(HEAD_LABELS["category"][cat_index]),
            category_confidence=float(cat_row[cat_index]),
            severity=Severity(HEAD_LABELS["severity"][sev_index]),
            severity_confidence=float(sev_row[sev_index]),
            red_probability=float(sev_row[_RED]),
        )
        outcome = decide(proposal=proposal, hits=hits, thresholds=self.thresholds)
        return TriageResult(
            category=proposal.category,
            severity=outcome.severity,
            model_severity=proposal.severity,
            category_confidence=proposal.category_confidence,
            severity_confidence=proposal.severity_confidence,
            probabilities={
                "category": _as_dict(HEAD_LABELS["category"], cat_row),
                "severity": _as_dict(HEAD_LABELS["severity"], sev_row),
            },
            red_flags=hits,
            decision=outcome.decision,
            reasons=outcome.reasons,
            model_version=self.model_version,
            rules_version=RULES_VERSION,
        )


def _as_dict(labels: Sequence[str], row: np.ndarray[Any, Any]) -> dict[str, float]:
    return {label: float(p) for label, p in zip(labels, row, strict=True)}
