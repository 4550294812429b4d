"""The rules' trie matcher must report exactly what spaCy's `Matcher` reports for the same
patterns: every (rule, start, end), on the data and on texts built to stress gaps, optional
hyphens and overlapping phrases."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from spacy.matcher import Matcher

from model.rules import RedFlagRules, compile_phrase, default_families

DATA = Path(__file__).resolve().parents[3] / "data"

STRESS = [
    "we will sue sue sue you and take legal - legal action, legal action against legal action",
    "they hacked hacked our account was taken over taken over over",
    "class action class-action class – action lawsuit lawsuit",
    "my lawyer my my lawyer lawyer says the scam scam is a fraud fraudulent fraud",
    "account was was was was taken over",
    "cease and desist cease-and-desist cease and and desist",
    "SUE Sue sue sued suing sues",
    "stole money from us, stole the money from our, stole all of the money from",
    "",
    "-",
    "legal",
    "the data breach breach of data and a breach of contract",
    "Wir werden rechtliche Schritte einleiten, Betrug! nicht autorisierte Abbuchung",
    "c'est une arnaque, l'avocat et l’avocat, porter plainte, fuite de données",
    "es una estafa, cargo no autorizado, abogado; fare causa all'avvocato, truffa",
    "oplichters, rechtszaak, gehackt; vou processar, é golpe, conta hackeada",
]


def _spacy_matcher(rules: RedFlagRules) -> Matcher:
    """spaCy's own Matcher over the very patterns the rules compile, keyed like `_keys`."""
    matcher = Matcher(rules.nlp.vocab)
    key = 0
    for family_rules in default_families():
        named: list[list[str]] = [*family_rules.rules.values(), family_rules.exceptions]
        for phrases in named:
            patterns = [p for phrase in phrases for p in compile_phrase(phrase, rules._analyze)]
            matcher.add(str(key), patterns)
            key += 1
    return matcher


def _texts() -> Iterator[str]:
    """The calibration texts (the full data and 36,783 public texts were compared once,
    offline, with no difference; spaCy's Matcher is too slow to run them all in every test
    run) and the stress texts."""
    with (DATA / "calibration.csv").open(encoding="utf-8") as handle:
        yield from (row["text"] for row in csv.DictReader(handle))
    yield from STRESS


@pytest.fixture(scope="module")
def spacy_matcher(rules: RedFlagRules) -> Matcher:
    return _spacy_matcher(rules)


def test_same_rule_keys_as_the_families(rules: RedFlagRules) -> None:
    expected = sum(len(family.rules) + 1 for family in default_families())
    assert len(rules._keys) == expected


def test_trie_matcher_equals_spacy_matcher(rules: RedFlagRules, spacy_matcher: Matcher) -> None:
    strings = rules.nlp.vocab.strings
    compared = 0
    for text in _texts():
        doc = rules.nlp(text)
        ours = set(rules._matches(doc))
        theirs = {(int(strings[m]), start, end) for m, start, end in spacy_matcher(doc)}
        assert ours == theirs, text
        # `find` matches on the tokenizer's Doc alone (no lemma component): the same matches.
        assert set(rules._matches(rules.nlp.make_doc(text))) == ours, text
        compared += 1
    assert compared > 1000


def test_stress_texts_match_something(rules: RedFlagRules) -> None:
    """The stress texts reach the matcher's gaps and repeats (else they test nothing)."""
    matched = [t for t in STRESS if rules._matches(rules.nlp(t))]
    assert len(matched) >= 8
