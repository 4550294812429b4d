"""Decision reasons in words: every reason the policy and the audit gate can give has wording
in the console; the API keeps the codes."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from model.calibration import HeadThresholds
from model.labels import CATEGORIES, HEAD_LABELS, HEADS, SEVERITIES, FlagFamily, Severity
from model.policy import ModelProposal, Reason, Thresholds, decide
from model.rules import RedFlagHit
from service.console.reasons import WORDING, in_words, split_reason
from service.serving.audit import AUDIT_REASON, AUTO_APPLY_OFF, off_reason

ROOT = Path(__file__).resolve().parents[3]


def every_policy_reason() -> set[str]:
    """What `decide` says over a grid that reaches each of its branches: no model; each rule
    family; every top label of both heads, confident, unsure, and never auto-applied; a red
    top label; P(red) over the red threshold."""
    reasons: set[str] = set()
    hit_sets = [[]] + [[RedFlagHit(f, f"{f.value}.x", "x", 0, 1)] for f in FlagFamily]
    for hits in hit_sets:
        reasons.update(decide(proposal=None, hits=hits, thresholds=None).reasons)
    for never in (False, True):
        # One label per head without a threshold: that class is never auto-applied.
        category = {c.value: 0.6 for c in CATEGORIES} | ({"complaint": None} if never else {})
        severity = {s.value: 0.6 for s in SEVERITIES} | {"red": None}
        thresholds = Thresholds(
            target_precision=0.95,
            category=HeadThresholds(category),
            severity=HeadThresholds(severity),
            red_probability=0.3,
        )
        for cat, sev, conf, p_red, hits in itertools.product(
            CATEGORIES, SEVERITIES, (0.5, 0.9), (0.1, 0.5), hit_sets[:2]
        ):
            proposal = ModelProposal(cat, conf, sev, conf, red_probability=p_red)
            reasons.update(decide(proposal=proposal, hits=hits, thresholds=thresholds).reasons)
    return reasons


def every_audit_reason() -> set[str]:
    return {AUDIT_REASON} | {
        off_reason(head, label) for head in HEADS for label in HEAD_LABELS[head]
    }


def test_every_reason_kind_of_the_policy_and_the_audit_gate_has_wording() -> None:
    kinds = {reason.value for reason in Reason} | {AUDIT_REASON, AUTO_APPLY_OFF}
    assert kinds <= set(WORDING), kinds - set(WORDING)
    produced = every_policy_reason()
    assert {split_reason(r)[0] for r in produced} == {reason.value for reason in Reason}


@pytest.mark.parametrize("reason", sorted(every_policy_reason() | every_audit_reason()))
def test_each_reason_reads_as_a_sentence(reason: str) -> None:
    words = in_words(reason)
    assert words != reason
    assert words[0].isupper() and words.endswith(".")
    kind, args, _ = split_reason(reason)
    assert "_" not in kind or kind not in words  # no machine code left in the sentence
    assert ":" not in kind or reason.split(" (")[0] not in words
    for arg in args:
        assert arg in words  # ...but the family, head or label it names is


def test_the_policy_builds_its_reasons_from_the_reason_codes() -> None:
    """A reason written as a bare string would escape the wording check above."""
    source = (ROOT / "model" / "policy.py").read_text()
    assert not re.findall(r'reasons\.append\(\s*f?"[a-z]', source)


def test_wording_keeps_the_figures_of_a_reason() -> None:
    assert in_words("low_confidence:severity (red is never auto-applied)") == (
        "The model is unsure of the severity: red is never applied without a person."
    )
    assert in_words("low_confidence:category (complaint 0.62 < 0.80)") == (
        "The model is unsure of the category: complaint at 62 % confidence, below the 80 % "
        "needed to apply it without a person."
    )
    assert "31 %" in in_words("model_red_probability (0.31 >= 0.25)")
    assert "(legal.sue, legal.lawsuit)" in in_words("red_flag:legal (legal.sue, legal.lawsuit)")
    assert "category complaint" in in_words("auto_apply_off:category:complaint")


def test_an_unknown_reason_is_shown_as_it_is() -> None:
    assert in_words("brand_new_code:x (detail)") == "brand_new_code:x (detail)"
    assert in_words("") == ""
    # A known kind whose detail has another shape still reads as words.
    assert in_words("low_confidence:category (odd)") == "The model is unsure of the category."


def test_the_red_model_severity_reason_names_red() -> None:
    outcome = decide(
        proposal=ModelProposal(CATEGORIES[0], 0.99, Severity.RED, 0.99),
        hits=[],
        thresholds=Thresholds(0.95, HeadThresholds({}), HeadThresholds({})),
    )
    assert Reason.MODEL_SEVERITY_RED.value in outcome.reasons
    assert "red" in in_words(Reason.MODEL_SEVERITY_RED.value)
