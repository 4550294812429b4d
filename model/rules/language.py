"""The phrase language: a phrase (see `compile_phrase`) becomes spaCy `Matcher` token patterns.

Every family module writes its rules in this language; the engine compiles them once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Up to this many arbitrary tokens may stand where a phrase says "*".
_GAP = "{0,3}"
_HYPHENS = ["-", "–", "—"]

# --------------------------------------------------------------------------- phrase language


Analyzer = Callable[[str], list[tuple[str, str]]]


def compile_phrase(phrase: str, analyze: Analyzer) -> list[list[dict[str, Any]]]:
    """Turn a phrase into spaCy Matcher token patterns (one per multi-word alternative).

    Words are matched on their lemma, so "sue" also matches "sued" and "suing". Syntax:
      a|b|c        any of these words; spaces separate slots, so wrap a group that has a
                   multi-word alternative in parentheses: "(plain text|cleartext) password"
      =a|b         exact lower-case forms for the whole group, no lemma; "=Sue" (with a
                   capital) is case-sensitive
      *            up to three arbitrary tokens
      (x|y)?       an optional group
    Words go through the same tokenizer as the text, so "can't" and "rip-off" match as the
    token sequences they become. A hyphen may stand between any two words ("cease-and-desist").
    """
    variants: list[list[dict[str, Any]]] = [[]]
    for raw_group in _split_groups(phrase):
        optional = raw_group.endswith("?") and len(raw_group) > 1
        group = raw_group[:-1] if optional else raw_group
        if group.startswith("(") and group.endswith(")"):
            group = group[1:-1]
        if group == "*":
            variants = [[*v, {"OP": _GAP}] for v in variants]
            continue
        exact = group.startswith("=")
        if exact:
            group = group[1:]
        singles: list[tuple[str, bool]] = []
        sequences: list[list[tuple[str, bool]]] = []
        for alternative in (a for a in group.split("|") if a.strip()):
            if any(mark in alternative for mark in "()*"):
                raise ValueError(f"phrase {phrase!r}: groups cannot nest ({alternative!r})")
            words = [_analyzed(w, analyze, exact=exact) for w in alternative.split()]
            flat = [token for word in words for token in word]
            if not flat:
                raise ValueError(f"phrase {phrase!r}: {alternative!r} matches no token")
            if len(flat) == 1:
                singles.append(flat[0])
            else:
                sequences.append(flat)
        options: list[list[dict[str, Any]]] = []
        if singles:
            options.append([_word_pattern(singles)])
        options.extend([_word_pattern([token]) for token in seq] for seq in sequences)
        if optional:
            options.append([])
        variants = [v + _joined(v, option) for v in variants for option in options]
    patterns = []
    for tokens in variants:
        while tokens and tokens[-1].get("OP") == _GAP:
            tokens = tokens[:-1]
        while tokens and tokens[0].get("OP") == _GAP:
            tokens = tokens[1:]
        if tokens:
            patterns.append(tokens)
    if not patterns:
        raise ValueError(f"phrase {phrase!r} matches nothing")
    return patterns


def _analyzed(text: str, analyze: Analyzer, *, exact: bool) -> list[tuple[str, bool]]:
    """The tokens of one phrase word as (value, exact): its lemmas, or its exact forms."""
    tokens = [t for t in analyze(text) if t[0] not in _HYPHENS]
    if exact:
        cased = text != text.lower() and len(tokens) == 1
        return [(text if cased else lower, True) for lower, _ in tokens]
    return [(lemma, False) for _, lemma in tokens]


def _joined(before: list[dict[str, Any]], words: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Words to append, each preceded by an optional hyphen when it follows another word."""
    tokens: list[dict[str, Any]] = []
    previous_is_word = bool(before) and before[-1].get("OP") != _GAP
    for word in words:
        if previous_is_word:
            tokens.append({"ORTH": {"IN": _HYPHENS}, "OP": "?"})
        tokens.append(word)
        previous_is_word = True
    return tokens


def _word_pattern(words: list[tuple[str, bool]]) -> dict[str, Any]:
    cased = [value for value, exact in words if exact and value != value.lower()]
    lower = [value for value, exact in words if exact and value == value.lower()]
    lemmas = [value for value, exact in words if not exact]
    if cased and not lower and not lemmas:
        return {"ORTH": {"IN": sorted(set(cased))}}
    if not lemmas:
        return {"LOWER": {"IN": sorted(set(lower) | {c.lower() for c in cased})}}
    if lower or cased:
        raise ValueError(f"mix of exact forms {lower + cased} and lemmas {lemmas} in one slot")
    return {"LEMMA": {"IN": sorted(set(lemmas))}}


def _split_groups(phrase: str) -> list[str]:
    """Split on spaces, keeping parenthesised groups (which may hold spaces) together."""
    groups: list[str] = []
    current: list[str] = []
    depth = 0
    for char in phrase.strip():
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == " " and depth == 0:
            if current:
                groups.append("".join(current))
                current = []
            continue
        current.append(char)
    if current:
        groups.append("".join(current))
    return groups
