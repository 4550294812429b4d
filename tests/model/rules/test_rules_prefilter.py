"""The red-flag prefilter may skip spaCy, never a hit: `find` must equal `find_unfiltered`."""

from __future__ import annotations

import csv
import gzip
import json
import sys
from pathlib import Path

import pytest
import spacy_lookups_data
from spacy.lang.norm_exceptions import BASE_NORMS

import model.rules.prefilter
from model.rules import RedFlagRules, compile_phrase

DATA = Path(__file__).resolve().parents[3] / "data"

FILLER = "The export finished overnight and the dashboard looks tidy. "

TRICKY = [
    # contractions, straight and curly apostrophes
    "we'll sue",
    "We'll SUE you",
    "they’re suing us",
    "They’ll sue, they're suing, they've sued.",
    "don't think they'll sue",
    "I'm gonna sue",
    "we're gonna take legal action",
    "y'all scammed us",
    "I'd kill for a dark mode",
    "can't believe they stole it",
    "cannot believe they stole it",
    "it' s a scam",
    "customers' lawyer",
    "'lawyer'",
    "‘fraud’",
    # hyphens and dashes
    "law-suit",
    "a law - suit",
    "e-mail from my lawyer",
    "cease-and-desist",
    "cease – and — desist",
    "legal—action",
    "re-hacked",
    "co-founder sued",
    "class-action",
    # capitalisation and the exact-case rules
    "SUED",
    "Sue",
    "sue",
    "SUE",
    "Thanks Sue!",
    "Sue from support fixed it.",
    "Sue was great",
    "we reported them to the SEC",
    "the sec filing",
    "Sec. 4",
    "CMA and FCA",
    "C&D letter",
    "c&d",
    # British and other spellings
    "We will take legal action; our solicitor is organising it.",
    "an unauthorised transaction",
    "the judgement was against us",
    "our defence lawyer",
    "the cheque was fraudulent",
    # numbers, units, times
    "5kg of data was leaked",
    "at 10am the lawyer called",
    "at 9p.m. they hacked us",
    "2fa bypassed",
    "a 0day exploit",
    "3rd party accessed our account",
    "$400 unauthorized charge",
    "£50 scam fee",
    "charged 2x",
    # URLs and emails containing rule words
    "lawyer@firm.com",
    "write to lawyer@firm.com today",
    "https://scam.example.com/fraud?sue=1",
    "see www.sue-them.com",
    "mailto:fraud@bank.co.uk",
    # Unicode letters, accents, lookalikes
    "naïve fraudster",
    "café scam",
    "sue\u0301d",
    "Ｌａｗｙｅｒ",
    "\u212aill them",
    "İ will sue",
    "our lawyer\u200b",
    "Straße scam",
    "ΣΥΝΗΓΟΡΟΣ lawyer",
    # emoji and emoticons
    "scam 😡",
    "😡scam😡",
    ":) lawyer",
    ": ) lawyer",
    "tab: 'Error",
    ":-) sue",
    "<3 fraud",
    # whitespace of every kind
    "",
    " ",
    "\n\t ",
    "\u00a0",
    "our\u00a0lawyer",
    "our\nlawyer",
    "sue\u2003them",
    "  we   will    sue  ",
    "legal\n\naction",
    "legal \u00a0action",
    # long texts
    FILLER * 400,
    FILLER * 400 + "We will sue.",
    "We will sue. " + FILLER * 400,
    "sue " * 2000,
]


def _texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def data_texts() -> list[str]:
    return _texts(DATA / "train.csv") + _texts(DATA / "calibration.csv")


def rule_matches(rules: RedFlagRules, text: str) -> bool:
    """Whether spaCy finds any rule (not exception) match, vetoed or not."""
    doc = rules.nlp(text)
    return any(rules._keys[match_id][1] is not None for match_id, _, _ in rules._matches(doc))


def test_prefilter_never_changes_hits_on_the_data(
    rules: RedFlagRules, data_texts: list[str]
) -> None:
    mismatches = [t for t in data_texts if rules.find(t) != rules.find_unfiltered(t)]
    assert mismatches == []
    # Stronger: a skipped text has no rule match at all, not even one an exception vetoes.
    skipped = [t for t in data_texts if not rules.may_hit(t)]
    assert [t for t in skipped if rule_matches(rules, t)] == []
    # And it must skip something: most harmless feedback.
    assert len(skipped) > len(data_texts) / 2


def test_find_many_keeps_order_and_results(rules: RedFlagRules, data_texts: list[str]) -> None:
    texts = data_texts[:400] + TRICKY
    expected = [rules.find_unfiltered(t) for t in texts]
    assert rules.find_many(iter(texts)) == expected
    assert rules.find_many([]) == []


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_prefilter_never_changes_hits_on_tricky_text(rules: RedFlagRules, text: str) -> None:
    assert rules.find(text) == rules.find_unfiltered(text)
    assert rules.may_hit(text) or not rule_matches(rules, text)


def test_tricky_texts_exercise_both_sides(rules: RedFlagRules) -> None:
    found = [bool(rules.find_unfiltered(t)) for t in TRICKY]
    assert any(found)
    assert not all(found)


@pytest.mark.parametrize(
    "separator", [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
)
def test_every_whitespace_character(rules: RedFlagRules, separator: str) -> None:
    for text in (
        f"our{separator}lawyer{separator}{separator}will sue",
        f"{separator}legal{separator}action{separator}",
        f"cease{separator}and{separator}desist",
        f"he{separator}said{separator}:{separator})",
    ):
        assert rules.find(text) == rules.find_unfiltered(text), repr(text)


def test_harmless_text_skips_spacy_and_hits_do_not(rules: RedFlagRules) -> None:
    assert not rules.may_hit("Great product, smooth onboarding.")
    assert rules.may_hit("We will sue you if this is not fixed.")
    assert rules.may_hit("My laywer has the paperwork.")


def test_special_case_across_whitespace_is_let_through(rules: RedFlagRules) -> None:
    # ":" ending one chunk and "'" starting the next could be one special case (":'(").
    assert rules.may_hit("tab: 'Error")
    assert not rules.may_hit("tab: Error")


def test_disabled_prefilter_always_runs_spacy() -> None:
    rules = RedFlagRules(prefilter=False)
    assert rules.may_hit("Great product, smooth onboarding.")
    assert rules.find("They sued us.") == rules.find_unfiltered("They sued us.")


def test_cache_stays_bounded(
    rules: RedFlagRules, data_texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model.rules.prefilter, "_CACHE_LIMIT", 50)
    prefilter = rules._prefilter
    assert prefilter is not None
    prefilter._masks.clear()
    prefilter._tokens.clear()
    prefilter._cuts.clear()
    for text in data_texts[:200]:
        assert rules.find(text) == rules.find_unfiltered(text)
        assert len(prefilter._masks) <= 50
        assert len(prefilter._tokens) <= 50


def test_whitespace_tokens_never_fill_a_slot(rules: RedFlagRules) -> None:
    """The prefilter drops whitespace tokens; that is safe only if none can match a word."""
    table = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    with gzip.open(table, "rt", encoding="utf-8") as handle:
        lemmas: dict[str, str] = json.load(handle)
    # A whitespace token's lemma is its norm, looked up: no whitespace key in the table,
    assert not [key for key in lemmas if key.strip() == ""]
    # and its norm is whitespace: its lower case, a whitespace norm exception, or a special
    # case's whitespace NORM.
    assert [key for key in BASE_NORMS if key.strip() == ""] == []
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert all(rules.nlp.vocab[space * 2].norm_.strip() == "" for space in spaces)
    for case, pieces in rules.nlp.tokenizer.rules.items():
        if case.strip() == "":
            assert all(str(value).strip() == "" for piece in pieces for value in piece.values())
    for text in ("a\n\nb", "a \t b", "a\u00a0\u00a0b", "a  \u2003 b", "\n\na"):
        for token in rules.nlp(text):
            if token.is_space:
                assert not (token.lemma_ + token.lower_ + token.text).strip()


def test_unsupported_patterns_fail_loudly(rules: RedFlagRules) -> None:
    patterns = compile_phrase("sue", rules._analyze)
    with pytest.raises(ValueError, match="OP"):
        model.rules.prefilter._Prefilter(rules.nlp.tokenizer, [[{**patterns[0][0], "OP": "+"}]])
    with pytest.raises(ValueError, match="whitespace"):
        model.rules.prefilter._Prefilter(rules.nlp.tokenizer, [[{"LOWER": {"IN": ["a b"]}}]])
