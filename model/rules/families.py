"""Every built-in family, in the order the engine compiles them (the order breaks ties between
equal spans, so it is part of the rules), and every rule's examples."""

from __future__ import annotations

from model.rules import fraud, legal, multilingual, multilingual_examples, safety, security
from model.rules.base import Examples, FamilyRules

_FAMILY_MODULES = (legal, security, fraud, safety)


def default_families() -> list[FamilyRules]:
    """The original English tables, then the English ones added for real feedback, then the
    other languages'."""
    return [
        legal.pattern_legal(),
        security.pattern_security(),
        fraud.pattern_fraud(),
        safety.pattern_safety(),
        legal.english_legal(),
        security.english_security(),
        fraud.english_fraud(),
        safety.english_safety(),
        *multilingual.multilingual_families(),
    ]


def rule_examples() -> dict[str, Examples]:
    """Rule id as hits report it ("legal.sue", "legal.de.sue") -> its examples."""
    found: dict[str, Examples] = {}
    for table in [module.EXAMPLES for module in _FAMILY_MODULES] + [multilingual_examples.EXAMPLES]:
        for rule, examples in table.items():
            if rule in found:
                raise ValueError(f"examples for rule {rule} are given twice")
            found[rule] = examples
    return found
