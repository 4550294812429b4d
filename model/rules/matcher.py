"""The trie matcher: runs the compiled Matcher patterns with spaCy `Matcher` semantics (every end
of every start), about ten times faster than spaCy's `Matcher` with thousands of set-valued
patterns. Patterns are merged into tries of steps over the token columns LEMMA, LOWER, ORTH."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spacy.tokens import Doc

from model.rules.pipeline import _lemma
from model.rules.prefilter import _WORD_ATTRS, _step

# A compiled pattern token: (token column, the words it accepts or None for any token, the
# fewest and most tokens it takes).
_CompiledStep = tuple[int, frozenset[str] | None, int, int]
_COLUMN = {attr: index for index, attr in enumerate(_WORD_ATTRS)}


def _compile(pattern: Sequence[dict[str, Any]]) -> list[_CompiledStep]:
    """A Matcher pattern as steps over token columns; it must start with one fixed word."""
    steps: list[_CompiledStep] = []
    for token in pattern:
        slot, low, high = _step(token)
        steps.append(
            (0, None, low, high) if slot is None else (_COLUMN[slot[0]], slot[1], low, high)
        )
    if not steps or steps[0][1] is None or steps[0][2:] != (1, 1):
        raise ValueError(f"a pattern must start with one word token: {pattern}")
    return steps


def _columns(doc: Doc) -> tuple[list[str], list[str], list[str]]:
    """The LEMMA, LOWER and ORTH of every token (the attributes patterns test).

    The lemmas are computed from the norms (`_lemma`), not read from the Doc: the rules then
    need only the tokenizer's Doc, without running the lemma component on every token."""
    lemmas: list[str] = []
    lowers: list[str] = []
    orths: list[str] = []
    for token in doc:
        lemmas.append(_lemma(token.norm_))
        lowers.append(token.lower_)
        orths.append(token.text)
    return lemmas, lowers, orths


class _Node:
    """A trie node: the rule keys of patterns that end here, and the steps that go on."""

    __slots__ = ("_children", "edges", "keys")

    def __init__(self) -> None:
        self.keys: list[int] = []
        self._children: dict[_CompiledStep, _Node] = {}
        self.edges: tuple[tuple[int, frozenset[str] | None, int, int, _Node], ...] = ()

    def child(self, step: _CompiledStep) -> _Node:
        return self._children.setdefault(step, _Node())

    def freeze(self) -> None:
        """Turn the children into a tuple of edges, the form `walk` reads fastest."""
        self.edges = tuple((*step, node) for step, node in self._children.items())
        for node in self._children.values():
            node.freeze()

    def walk(
        self,
        start: int,
        position: int,
        columns: tuple[list[str], ...],
        found: set[tuple[int, int, int]],
    ) -> None:
        """Add (key, start, end) for every pattern below this node that matches the tokens
        from `position` on, for every end where it can stop."""
        for key in self.keys:
            found.add((key, start, position))
        size = len(columns[0])
        for column, words, low, high, node in self.edges:
            if low == 0:
                node.walk(start, position, columns, found)
            values = columns[column]
            at, taken = position, 0
            while taken < high and at < size:
                if words is not None and values[at] not in words:
                    break
                at += 1
                taken += 1
                if taken >= low:
                    node.walk(start, at, columns, found)
