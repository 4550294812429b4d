"""The prefilter: recognises texts no rule can match from cached per-word facts, without running
spaCy (most feedback), so `RedFlagRules.find` returns no hits for them directly."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import reduce
from itertools import chain, compress, count
from operator import or_
from typing import Any, NamedTuple

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokenizer import Tokenizer

from model.rules.pipeline import _lemma

# Distinct chunks the prefilter remembers (about 250 bytes each); past this it starts afresh.
_CACHE_LIMIT = 100_000
_WORD_ATTRS = ("LEMMA", "LOWER", "ORTH")
_REPEAT = re.compile(r"\{(\d+),(\d+)\}")

# The low bits of a chunk's mask are flags, the slot bits come after them. Special-case cuts
# fold into _FOLD head flags and _FOLD tail flags, so the mask shows cheaply whether some
# chunk's head and some chunk's tail could belong together.
_FOLD = 32
_SLOT_SHIFT = 2 * _FOLD
_FLAGS = (1 << _SLOT_SHIFT) - 1

# A slot: the attribute a pattern token tests and the words it accepts.
_Slot = tuple[str, frozenset[str]]
# A pattern token for the prefilter: (slot bits a token must have, 0 for any token; fewest
# and most tokens it takes).
_Step = tuple[int, int, int]
# A pattern for the prefilter: (the slots every match fills, its steps, the index of the
# step that takes exactly one token with the pattern's key slot, if any).
_Pattern = tuple[int, tuple[_Step, ...], int | None]


class _Chunk(NamedTuple):
    """What the prefilter knows of one whitespace-free chunk of text."""

    mask: int  # the slot bits of all its tokens, and the flags below them
    tokens: tuple[int, ...]  # the slot bits of each of its spaCy tokens (flags may ride along)
    ends: int  # cuts of multi-token special cases whose head the chunk may end with
    starts: int  # cuts of multi-token special cases whose tail the chunk may start with


class _Prefilter:
    """Decides whether any rule pattern *could* match a text, without building its Doc.

    It never says no when the Matcher would find a rule match (exceptions only veto hits, so
    they are left out). Each word position of a pattern is a slot: an attribute (LEMMA,
    LOWER, ORTH) and the words it accepts, one bit per slot. A text becomes the slot bits of
    its tokens; a pattern whose slots are all present is then run over them in order, with
    its gaps and optional hyphens.

    The tokens are spaCy's own: the text is split on whitespace as the tokenizer splits it,
    each chunk is tokenized alone and its lemmas computed as `_set_lemmas` does, and the
    result is cached per chunk, so a known chunk costs a dict lookup. The tokenizer treats
    chunks independently but for one step: multi-token special cases (":)", "a.m.") are
    matched over the whole token list, and a candidate spanning whitespace, though never
    applied, can stop an overlapping one from being applied. Texts where a chunk ends with
    the head of such a case and the next starts with its tail are let through. Whitespace
    tokens are left out, which can only make a gap shorter: a superset again.
    """

    def __init__(self, tokenizer: Tokenizer, patterns: Iterable[list[dict[str, Any]]]) -> None:
        self._tokenizer = tokenizer
        parsed = list(dict.fromkeys(tuple(_step(token) for token in p) for p in patterns))
        uses = Counter(slot for steps in parsed for slot, low, _ in steps if slot and low)
        # Commonest-looking slots first: they get the low bits (small ints for common words).
        slots = sorted(
            dict.fromkeys(slot for steps in parsed for slot, _, _ in steps if slot),
            key=lambda slot: (_commonness(slot[1]), uses[slot]),
            reverse=True,
        )
        bit = {slot: 1 << _SLOT_SHIFT + index for index, slot in enumerate(slots)}
        self._features: dict[str, dict[str, int]] = {attr: {} for attr in _WORD_ATTRS}
        for (attr, words), slot_bit in bit.items():
            table = self._features[attr]
            for word in words:
                table[word] = table.get(word, 0) | slot_bit
        # Patterns are keyed by their rarest slot and, under it, grouped by their second
        # rarest (the gate): a text tries the patterns whose two rarest slots it has.
        keyed: dict[int, dict[int, list[_Pattern]]] = {}
        for steps in parsed:
            needed = sorted({bit[slot] for slot, low, _ in steps if slot and low}, reverse=True)
            if not needed:
                raise ValueError(f"the prefilter cannot key a pattern without a word: {steps}")
            compact = tuple((bit[slot] if slot else 0, low, high) for slot, low, high in steps)
            gate = needed[1] if len(needed) > 1 else needed[0]
            # Matching starts from the key's token: it is rare, so there are few places to try.
            anchor = next((i for i, step in enumerate(compact) if step == (needed[0], 1, 1)), None)
            pattern = (sum(needed), compact, anchor)
            keyed.setdefault(needed[0], {}).setdefault(gate, []).append(pattern)
        self._key_bits = sum(keyed)
        # Indexed by a key's bit_length(): its groups, as (gate, patterns), and all its gates.
        size = _SLOT_SHIFT + len(slots) + 1
        self._groups: list[tuple[tuple[int, tuple[_Pattern, ...]], ...]]
        self._groups = [()] * size
        self._gates = [0] * size
        for key, gated in keyed.items():
            self._groups[key.bit_length()] = tuple((g, tuple(p)) for g, p in gated.items())
            self._gates[key.bit_length()] = sum(gated)
        self._cases, self._heads, self._tails = _special_case_cuts(tokenizer)
        self._head_lengths = sorted({len(head) for head in self._heads})
        self._longest_case = max(map(len, self._cases), default=0)
        # chunk -> mask (every text), its tokens' masks (some), its cuts (if its flags say so)
        self._masks: dict[str, int] = {}
        self._tokens: dict[str, tuple[int, ...]] = {}
        self._cuts: dict[str, tuple[int, int]] = {}
        self._shared: dict[Any, Any] = {}

    _UNSAVED = ("_tokenizer", "_masks", "_tokens", "_cuts", "_shared")

    def __getstate__(self) -> dict[str, Any]:
        """The compiled state, without the tokenizer and the per-chunk caches."""
        return {k: v for k, v in self.__dict__.items() if k not in self._UNSAVED}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)  # `attach` gives the tokenizer back
        self._masks, self._tokens, self._cuts, self._shared = {}, {}, {}, {}

    def attach(self, tokenizer: Tokenizer) -> None:
        """Use this tokenizer (the owner's, after loading a saved prefilter)."""
        self._tokenizer = tokenizer

    def may_hit(self, text: str) -> bool:
        """False only if no rule pattern can match `text`."""
        words = text.split()
        try:  # the common case: every chunk known, in C loops
            masks = list(map(self._masks.__getitem__, words))
        except KeyError:
            masks = [self._chunk(word).mask for word in words]
        mask: int = reduce(or_, masks, 0)
        gates, groups = self._gates, self._groups
        tokens: list[int] | None = None
        present = mask & self._key_bits
        while present:
            index = present.bit_length()  # the rarest key left
            present ^= 1 << index - 1
            if not gates[index] & mask:
                continue
            places: list[int] | None = None
            for gate, patterns in groups[index]:
                if not gate & mask:
                    continue
                for required, steps, anchor in patterns:
                    if required & mask != required:
                        continue
                    if tokens is None:
                        tokens = self._token_masks(words)
                    if anchor is None:
                        if _can_match(steps, tokens):
                            return True
                        continue
                    if places is None:
                        key = 1 << index - 1
                        places = list(compress(count(), map(key.__and__, tokens)))
                    for place in places:
                        if _match_at(steps, anchor, tokens, place) and _match_back(
                            steps, anchor - 1, tokens, place - 1
                        ):
                            return True
        # Our tokens are right unless a special case may have spanned whitespace.
        flags = mask & _FLAGS
        return bool(flags & flags >> _FOLD) and self._may_join(words, masks)

    def _token_masks(self, words: list[str]) -> list[int]:
        """The masks of the text's tokens, in order."""
        try:
            return list(chain.from_iterable(map(self._tokens.__getitem__, words)))
        except KeyError:  # the caches were cleared meanwhile
            return [bits for word in words for bits in self._chunk(word).tokens]

    def _may_join(self, words: list[str], masks: list[int]) -> bool:
        """Whether a chunk ends with the head of a special case the next one's start continues."""
        ends = 0
        for word, mask in zip(words, masks, strict=True):
            if not mask & _FLAGS:  # neither head nor tail
                ends = 0
                continue
            chunk = self._chunk(word)
            if ends & chunk.starts:
                return True
            ends = chunk.ends
        return False

    def _chunk(self, word: str) -> _Chunk:
        """All the prefilter knows of a chunk, from the caches or learnt anew."""
        mask = self._masks.get(word)
        if mask is None:
            return self._learn(word)
        tokens = self._tokens.get(word)
        cuts = self._cuts.get(word) if mask & _FLAGS else (0, 0)
        if tokens is None or cuts is None:
            return self._learn(word)  # the caches were cleared meanwhile
        return _Chunk(mask, tokens, *cuts)

    def _learn(self, word: str) -> _Chunk:
        """Tokenize a chunk not seen yet, and cache what the prefilter needs of it."""
        lemmas, lowers, orths = (self._features[attr] for attr in _WORD_ATTRS)
        doc = self._tokenizer(word)
        tokens = tuple(
            lemmas.get(_lemma(token.norm_), 0)
            | lowers.get(token.lower_, 0)
            | orths.get(token.text, 0)
            for token in doc
        )
        first, last = self._edge_tokens([token.text for token in doc])
        starts = ends = 0
        for piece in first:
            starts |= self._tails.get(piece, 0)
        for length in self._head_lengths:
            for piece, cut in self._heads.get(word[-length:], ()):
                if piece in last:
                    ends |= cut
        mask = reduce(or_, tokens, _fold(ends) | _fold(starts) << _FOLD)
        if len(self._masks) >= _CACHE_LIMIT:
            for cache in (self._masks, self._tokens, self._cuts, self._shared):
                cache.clear()
        # Many chunks have equal masks and tokens ("fraud", "Fraud"): keep one copy of each.
        share = self._shared.setdefault
        mask = share(mask, mask)
        if len(tokens) == 1:
            tokens = (mask,)  # the flags ride along, below every slot bit
        self._tokens[word] = tokens = share(tokens, tokens)
        if ends or starts:
            self._cuts[word] = (ends, starts)
        self._masks[word] = mask
        return _Chunk(mask, tokens, ends, starts)

    def _edge_tokens(self, texts: list[str]) -> tuple[set[str], set[str]]:
        """What a chunk's first and last token may have been before the special-case pass.

        Ours, or the first (last) affix token of a special case that pass put there: one
        whose tokens ours start (end) with.
        """
        first, last = {texts[0]}, {texts[-1]}
        head = tail = ""
        for start, end in zip(texts, reversed(texts), strict=True):
            head, tail = head + start, end + tail
            if min(len(head), len(tail)) > self._longest_case:
                break
            if (pieces := self._cases.get(head)) is not None:
                first.add(pieces[0])
            if (pieces := self._cases.get(tail)) is not None:
                last.add(pieces[-1])
        return first, last


# Pattern token (as its repr) -> its step: patterns share most tokens, and reading one checks
# every word it accepts. Bounded by the distinct tokens of the phrases (a few thousand).
_STEPS: dict[str, tuple[_Slot | None, int, int]] = {}


def _step(token: dict[str, Any]) -> tuple[_Slot | None, int, int]:
    """A Matcher pattern token as a slot and a repeat range; fails on what it cannot read."""
    key = repr(token)
    step = _STEPS.get(key)
    if step is None:
        step = _STEPS[key] = _read_step(token)
    return step


def _read_step(token: dict[str, Any]) -> tuple[_Slot | None, int, int]:
    op = token.get("OP")
    repeat = _REPEAT.fullmatch(op) if isinstance(op, str) else None
    if op is None:
        low, high = 1, 1
    elif op == "?":
        low, high = 0, 1
    elif repeat:
        low, high = int(repeat[1]), int(repeat[2])
    else:
        raise ValueError(f"the prefilter cannot handle OP {op!r} in {token}")
    tests = {attr: value for attr, value in token.items() if attr != "OP"}
    if not tests:
        return None, low, high
    [(attr, value)] = tests.items()
    if attr not in _WORD_ATTRS or not isinstance(value, dict) or set(value) != {"IN"}:
        raise ValueError(f"the prefilter cannot handle pattern token {token}")
    words = frozenset(value["IN"])
    # Whitespace tokens are left out of the prefilter's token sequence.
    if any(not word or any(char.isspace() for char in word) for word in words):
        raise ValueError(f"the prefilter cannot handle whitespace words in {token}")
    return (attr, words), low, high


def _commonness(words: Iterable[str]) -> int:
    """A rough guess at how often a slot is filled: stop words count for many."""
    return sum(100 if word.lower() in STOP_WORDS else 1 for word in words)


def _special_case_cuts(
    tokenizer: Tokenizer,
) -> tuple[dict[str, tuple[str, ...]], dict[str, list[tuple[str, int]]], dict[str, int]]:
    """Where whitespace could cut a multi-token special case, one bit per cut.

    The tokenizer looks for each special case as the tokens its affix rules make of it ("'",
    "s" for "'s"): cases maps each case to them. heads maps the text before a cut to the
    token just before the cut and the cut's bit; tails maps the token after a cut to its bit.
    Cuts before the same token share a flag (bit index modulo `_FOLD`): a common head ("a"
    of "a.") then rarely shares a flag with a common tail ("or" of "and/or").
    """
    plain = Tokenizer(
        tokenizer.vocab,
        rules={},
        prefix_search=tokenizer.prefix_search,
        suffix_search=tokenizer.suffix_search,
        infix_finditer=tokenizer.infix_finditer,
        token_match=tokenizer.token_match,
        url_match=tokenizer.url_match,
    )
    cases: dict[str, tuple[str, ...]] = {}
    heads: dict[str, list[tuple[str, int]]] = {}
    tails: dict[str, int] = {}
    flags: dict[str, int] = {}
    used: Counter[int] = Counter()
    for case in tokenizer.rules:
        pieces = cases[case] = tuple(token.text for token in plain(case))
        if len(pieces) > 1 and any(char.isspace() for char in case):
            raise ValueError(f"the prefilter cannot handle special case {case!r}")
        for cut in range(1, len(pieces)):
            flag = flags.setdefault(pieces[cut], len(flags) % _FOLD)
            bit = 1 << flag + _FOLD * used[flag]
            used[flag] += 1
            heads.setdefault("".join(pieces[:cut]), []).append((pieces[cut - 1], bit))
            tails[pieces[cut]] = tails.get(pieces[cut], 0) | bit
    return cases, heads, tails


def _fold(cuts: int) -> int:
    """Cut bits folded onto `_FOLD` flag bits (bit i onto bit i % _FOLD)."""
    folded = 0
    while cuts:
        folded |= cuts & (1 << _FOLD) - 1
        cuts >>= _FOLD
    return folded


def _can_match(steps: Sequence[_Step], tokens: Sequence[int]) -> bool:
    """Whether the steps match some run of tokens (each token: the slot bits it has)."""
    bits, low, _ = steps[0]
    if bits and low:
        starts: Iterable[int] = compress(count(), map(bits.__and__, tokens))
    else:
        starts = range(len(tokens) + 1)
    return any(_match_at(steps, 0, tokens, start) for start in starts)


def _match_at(steps: Sequence[_Step], step: int, tokens: Sequence[int], position: int) -> bool:
    """Whether steps[step:] match tokens from `position` on."""
    if step == len(steps):
        return True
    bits, low, high = steps[step]
    for taken in range(high + 1):
        if taken >= low and _match_at(steps, step + 1, tokens, position + taken):
            return True
        at = position + taken
        if at >= len(tokens) or (bits and not tokens[at] & bits):
            return False
    return False


def _match_back(steps: Sequence[_Step], step: int, tokens: Sequence[int], position: int) -> bool:
    """Whether steps[: step + 1] match tokens ending at `position` (matching leftwards)."""
    if step < 0:
        return True
    bits, low, high = steps[step]
    for taken in range(high + 1):
        if taken >= low and _match_back(steps, step - 1, tokens, position - taken):
            return True
        at = position - taken
        if at < 0 or (bits and not tokens[at] & bits):
            return False
    return False
