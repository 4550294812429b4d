"""Every rule's examples, run through the real engine: each example must be reported with the
rule's id, and on each near-miss the rule's family must stay silent. The examples live beside
the phrases (`EXAMPLES` in model/rules/<family>.py and model/rules/multilingual_examples.py)."""

from __future__ import annotations

import pytest

from model.rules import RedFlagRules, default_families, rule_examples

EXAMPLES = rule_examples()
MATCHES = [(rule, text) for rule, e in EXAMPLES.items() for text in e.match]
NEAR_MISSES = [(rule, text) for rule, e in EXAMPLES.items() for text in e.near_miss]


def _rule_ids() -> set[str]:
    return {
        f"{f.family.value}.{rule}"
        if f.language == "en"
        else f"{f.family.value}.{f.language}.{rule}"
        for f in default_families()
        for rule in f.rules
    }


def test_every_rule_has_an_example_and_a_near_miss() -> None:
    rules = _rule_ids()
    assert sorted(rules - set(EXAMPLES)) == [], "rules without examples"
    assert sorted(set(EXAMPLES) - rules) == [], "examples of rules that do not exist"
    assert [rule for rule, e in EXAMPLES.items() if not e.match or not e.near_miss] == []


@pytest.mark.parametrize(("rule", "text"), MATCHES, ids=[f"{r}:{t[:40]}" for r, t in MATCHES])
def test_example_matches_its_rule(rules: RedFlagRules, rule: str, text: str) -> None:
    found = [(hit.rule, hit.text) for hit in rules.find(text)]
    assert rule in {found_rule for found_rule, _ in found}, f"{text!r} gave {found}"


@pytest.mark.parametrize(
    ("rule", "text"), NEAR_MISSES, ids=[f"{r}:{t[:40]}" for r, t in NEAR_MISSES]
)
def test_near_miss_leaves_its_family_silent(rules: RedFlagRules, rule: str, text: str) -> None:
    family = rule.split(".", 1)[0]
    found = [(hit.rule, hit.text) for hit in rules.find(text) if hit.family.value == family]
    assert found == [], f"near-miss {text!r} fired {found}"
