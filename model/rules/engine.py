"""The engine: compiles every family's phrases into the trie matcher and the prefilter, runs them
over a text and resolves overlaps and exceptions into `RedFlagHit`s."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

from spacy.tokens import Doc

from model.labels import FlagFamily
from model.rules.base import FamilyRules, RedFlagHit
from model.rules.families import default_families
from model.rules.language import compile_phrase
from model.rules.matcher import _columns, _compile, _CompiledStep, _Node
from model.rules.multilingual import COMMON_WORDS
from model.rules.pipeline import build_nlp
from model.rules.prefilter import _Prefilter
from model.rules.version import RULES_VERSION


class RedFlagRules:
    """Runs every family's rules over a text. Build once; `find` is thread-safe.

    The phrases compile to a few thousand Matcher patterns, merged into tries by their steps
    (patterns that begin alike test their beginning once) and indexed by the words their first
    token accepts (the anchor): a text tries only the tries whose anchor words it has, at
    those positions. Before that, a prefilter (`_Prefilter`) skips spaCy for texts no rule
    pattern can match, which is most feedback; `prefilter=False` (or `find_unfiltered`) always
    builds the Doc.
    """

    version = RULES_VERSION

    def __init__(
        self, families: Iterable[FamilyRules] | None = None, *, prefilter: bool = True
    ) -> None:
        self.nlp = build_nlp()
        self._analyzed_words: dict[str, list[tuple[str, str]]] = {}
        self.families = tuple(families or default_families())
        # Patterns are compiled into tries of steps over the token columns LEMMA, LOWER, ORTH
        # (0, 1, 2), one trie per first step, so patterns that share a beginning test it once.
        # A key is (family, rule id or None for an exception, language).
        self._keys: list[tuple[FlagFamily, str | None, str]] = []
        tries: dict[_CompiledStep, _Node] = {}
        rule_patterns: list[list[dict[str, Any]]] = []  # exceptions only veto, never hit
        for family_rules in self.families:
            named: list[tuple[str | None, list[str]]] = list(family_rules.rules.items())
            named.append((None, family_rules.exceptions))
            for rule, phrases in named:
                key = len(self._keys)
                language = family_rules.language
                if rule is not None and language != "en":
                    rule = f"{language}.{rule}"
                self._keys.append((family_rules.family, rule, language))
                for phrase in phrases:
                    for pattern in compile_phrase(phrase, self._analyze):
                        first, *rest = _compile(pattern)
                        node = tries.setdefault(first, _Node())
                        for step in rest:
                            node = node.child(step)
                        node.keys.append(key)
                        if rule is not None:
                            rule_patterns.append(pattern)
        # column -> anchor word -> the tries whose first step accepts that word.
        self._by_anchor: tuple[dict[str, list[_Node]], ...] = ({}, {}, {})
        for (column, words, _, _), node in tries.items():
            node.freeze()
            for word in words or ():
                self._by_anchor[column].setdefault(word, []).append(node)
        self._prefilter = _Prefilter(self.nlp.tokenizer, rule_patterns) if prefilter else None

    def _matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """Every (rule key, start, end) where a pattern matches: all ends of every start, as
        spaCy's `Matcher` reports them, sorted. Tried only where a pattern's anchor is."""
        columns = _columns(doc)
        lemmas, lowers, orths = columns
        by_lemma, by_lower, by_orth = self._by_anchor
        found: set[tuple[int, int, int]] = set()
        for start in range(len(orths)):
            for node in chain(
                by_lemma.get(lemmas[start], ()),
                by_lower.get(lowers[start], ()),
                by_orth.get(orths[start], ()),
            ):
                node.walk(start, start + 1, columns, found)
        return sorted(found)

    def __getstate__(self) -> dict[str, Any]:
        """The compiled rules without the spaCy pipeline (rebuilt on loading; see `load_rules`)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("nlp", "_analyzed_words")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.nlp = build_nlp()
        self._analyzed_words = {}
        if self._prefilter is not None:
            self._prefilter.attach(self.nlp.tokenizer)

    def _analyze(self, word: str) -> list[tuple[str, str]]:
        """(lower, lemma) of each token of a phrase word; memoised, since the phrases repeat
        their words (about 11,000 lookups of 1,500 words while building)."""
        analyzed = self._analyzed_words.get(word)
        if analyzed is None:
            analyzed = [(token.lower_, token.lemma_) for token in self.nlp(word)]
            self._analyzed_words[word] = analyzed
        return analyzed

    def may_hit(self, text: str) -> bool:
        """False only when no rule can fire on `text` (then `find` skips spaCy)."""
        return self._prefilter is None or self._prefilter.may_hit(text)

    def find(self, text: str) -> list[RedFlagHit]:
        """Every rule hit in `text`, longest per overlapping span, in text order."""
        if self._prefilter is not None and not self._prefilter.may_hit(text):
            return []
        return self.find_unfiltered(text)

    def find_unfiltered(self, text: str) -> list[RedFlagHit]:
        """`find` without the prefilter: always builds the Doc and runs the matchers."""
        return self.find_in_doc(self.nlp.make_doc(text))  # tokens only: see `_columns`

    def find_many(self, texts: Iterable[str]) -> list[list[RedFlagHit]]:
        """`find` for each text, in order; only texts the prefilter lets through go to spaCy."""
        items = list(texts)
        found: list[list[RedFlagHit]] = [[] for _ in items]
        maybe = [index for index, text in enumerate(items) if self.may_hit(text)]
        docs = (self.nlp.make_doc(items[index]) for index in maybe)  # tokens only
        for index, doc in zip(maybe, docs, strict=True):
            found[index] = self.find_in_doc(doc)
        return found

    def find_in_doc(self, doc: Doc) -> list[RedFlagHit]:
        hits: dict[FlagFamily, list[tuple[int, int, str, str]]] = {}
        vetoes: dict[FlagFamily, list[tuple[int, int]]] = {}
        for key, start, end in self._matches(doc):
            family, rule, language = self._keys[key]
            if rule is None:
                vetoes.setdefault(family, []).append((start, end))
            else:
                hits.setdefault(family, []).append((start, end, rule, language))
        rank = _language_rank(doc, hits.values())
        found: list[RedFlagHit] = []
        for family, spans in hits.items():
            blocked = vetoes.get(family, [])
            kept: list[tuple[int, int, str, str]] = []
            # Longest first, so a phrase ("class action lawsuit") wins over its parts; of equal
            # spans ("fraude" in French, Spanish ...) the text's likelier language wins.
            for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0], rank(s[3]))):
                start, end = span[0], span[1]
                if any(start < v_end and v_start < end for v_start, v_end in blocked):
                    continue
                if any(start < k[1] and k[0] < end for k in kept):
                    continue
                kept.append(span)
            for start, end, rule, language in kept:
                matched = doc[start:end]
                found.append(
                    RedFlagHit(
                        family=family,
                        rule=f"{family.value}.{rule}",
                        text=matched.text,
                        start=matched.start_char,
                        end=matched.end_char,
                        language=language,
                    )
                )
        found.sort(key=lambda hit: (hit.start, hit.family.value))
        return found


def _language_rank(
    doc: Doc, spans: Iterable[list[tuple[int, int, str, str]]]
) -> Callable[[str], tuple[int, bool]]:
    """Orders languages for ties between equal spans: by how many of the text's words are
    that language's common words (English first among equals). Counted only when hits of
    several languages compete."""
    spans = list(spans)
    languages = {span[3] for family_spans in spans for span in family_spans}
    if len(languages) < 2:
        return lambda language: (0, language != "en")
    counts = Counter(
        language
        for token in doc
        for language, words in COMMON_WORDS.items()
        if language in languages and token.lower_ in words
    )
    # A language's phrases matching elsewhere in the text count too.
    places = {(s[0], s[1], s[3]) for family_spans in spans for s in family_spans}
    counts.update(language for _, _, language in places)
    return lambda language: (-counts[language], language != "en")
