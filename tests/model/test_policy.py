"""The decision policy, case by case."""

from __future__ import annotations

import pytest

from model.calibration import HeadThresholds
from model.labels import Category, Decision, FlagFamily, Severity
from model.policy import ModelProposal, Thresholds, decide
from model.rules import RedFlagHit

THRESHOLDS = Thresholds(
    target_precision=0.95,
    category=HeadThresholds({c.value: 0.8 for c in Category} | {"misinformation": None}),
    severity=HeadThresholds({"green": 0.7, "yellow": 0.9, "red": None}),
)
HIT = RedFlagHit(FlagFamily.LEGAL, "legal.sue", "sue", 8, 11)


def proposal(
    category: Category = Category.REVIEW,
    category_confidence: float = 0.99,
    severity: Severity = Severity.GREEN,
    severity_confidence: float = 0.99,
) -> ModelProposal:
    return ModelProposal(category, category_confidence, severity, severity_confidence)


def test_confident_green_is_auto_applied() -> None:
    outcome = decide(proposal=proposal(), hits=[], thresholds=THRESHOLDS)
    assert outcome.decision is Decision.AUTO_APPLIED
    assert outcome.severity is Severity.GREEN
    assert outcome.reasons == ["confident"]


def test_rule_hit_forces_red_and_rule_forced() -> None:
    outcome = decide(proposal=proposal(), hits=[HIT], thresholds=THRESHOLDS)
    assert outcome.decision is Decision.RULE_FORCED
    assert outcome.severity is Severity.RED
    assert outcome.reasons[0] == "red_flag:legal (legal.sue)"


@pytest.mark.parametrize("model_severity", list(Severity))
def test_rules_only_raise_never_lower(model_severity: Severity) -> None:
    with_hit = decide(proposal=proposal(severity=model_severity), hits=[HIT], thresholds=THRESHOLDS)
    without = decide(proposal=proposal(severity=model_severity), hits=[], thresholds=THRESHOLDS)
    assert with_hit.severity is Severity.RED
    assert without.severity is model_severity


def test_model_red_needs_review_even_when_confident() -> None:
    outcome = decide(proposal=proposal(severity=Severity.RED), hits=[], thresholds=THRESHOLDS)
    assert outcome.decision is Decision.NEEDS_REVIEW
    assert "model_severity_red" in outcome.reasons


def test_low_category_confidence_needs_review() -> None:
    outcome = decide(proposal=proposal(category_confidence=0.79), hits=[], thresholds=THRESHOLDS)
    assert outcome.decision is Decision.NEEDS_REVIEW
    assert outcome.reasons == ["low_confidence:category (review 0.79 < 0.80)"]


def test_low_severity_confidence_needs_review() -> None:
    outcome = decide(
        proposal=proposal(severity=Severity.YELLOW, severity_confidence=0.85),
        hits=[],
        thresholds=THRESHOLDS,
    )
    assert outcome.decision is Decision.NEEDS_REVIEW
    assert outcome.severity is Severity.YELLOW
    assert outcome.reasons == ["low_confidence:severity (yellow 0.85 < 0.90)"]


def test_threshold_is_inclusive() -> None:
    outcome = decide(
        proposal=proposal(category_confidence=0.8, severity_confidence=0.7),
        hits=[],
        thresholds=THRESHOLDS,
    )
    assert outcome.decision is Decision.AUTO_APPLIED


def test_label_without_threshold_is_never_auto_applied() -> None:
    outcome = decide(
        proposal=proposal(category=Category.MISINFORMATION), hits=[], thresholds=THRESHOLDS
    )
    assert outcome.decision is Decision.NEEDS_REVIEW
    assert "never auto-applied" in outcome.reasons[0]


def test_no_model_sends_everything_to_a_human() -> None:
    plain = decide(proposal=None, hits=[], thresholds=None)
    assert plain.decision is Decision.NEEDS_REVIEW
    assert plain.severity is None
    assert plain.reasons == ["model_unavailable"]
    flagged = decide(proposal=None, hits=[HIT], thresholds=None)
    assert flagged.decision is Decision.RULE_FORCED
    assert flagged.severity is Severity.RED
    assert flagged.reasons[-1] == "model_unavailable"


def test_thresholds_round_trip() -> None:
    assert Thresholds.from_dict(THRESHOLDS.to_dict()) == THRESHOLDS
