"""Hard-coded, versioned red-flag rules: legal, security, fraud and safety.

The rules run beside the classifier and can only raise an item's severity to red. They are built
on spaCy: a blank English tokenizer and lemmas from spaCy's English lookup table (`pipeline`).
Phrases, written in a small phrase language (`language.compile_phrase`), compile to spaCy
`Matcher` token patterns, which a trie matcher (`matcher`) runs with the Matcher's semantics.

One module per family (`legal`, `security`, `fraud`, `safety`) returns its rules and its
exceptions, and gives every rule examples that must match and near-misses that must not
(`EXAMPLES`, run as tests); `multilingual` holds the other languages' phrases and
`multilingual_examples` their examples. An exception is a harmless use of a scary word
("fraud detection module", "killer feature"); a hit that overlaps an exception is dropped.
When in doubt a rule fires: a human confirms every red item.

Most feedback can match no rule at all; a prefilter (`prefilter`) recognises such texts from
cached per-word facts, without running spaCy. The engine (`engine.RedFlagRules`) puts it
together; `cache.load_rules` keeps the compiled rules in a pickle cache.

Change any phrase and you must bump `RULES_VERSION` (`version.py`) and rewrite the lock
(`python -m model.rules.lock`); every prediction records the version, and a test fails when the
rules and the lock disagree.
"""

from model.rules.base import Examples, FamilyRules, RedFlagHit
from model.rules.cache import load_rules
from model.rules.engine import RedFlagRules
from model.rules.families import default_families, rule_examples
from model.rules.language import compile_phrase
from model.rules.version import RULES_VERSION

__all__ = [
    "RULES_VERSION",
    "Examples",
    "FamilyRules",
    "RedFlagHit",
    "RedFlagRules",
    "compile_phrase",
    "default_families",
    "load_rules",
    "rule_examples",
]
