"""The spaCy pipeline the rules run on: a blank English tokenizer and lemmas from spaCy's English
lookup table (so "sued", "suing" and "sues" all match "sue"). No model download needed."""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.lookups import Table, load_lookups
from spacy.tokens import Doc


@lru_cache(maxsize=1)
def _lemma_table() -> Table:
    """spaCy's English lemma lookup table (keys are string hashes; `get` takes the string)."""
    return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")


# norm -> lemma; bounded, since norms come from any text.
_LEMMAS: dict[str, str] = {}
_LEMMAS_LIMIT = 100_000


def _lemma(norm: str) -> str:
    """The lemma of a token with this lower-cased norm, from spaCy's lookup table: what
    `_set_lemmas` sets, what the prefilter and the matcher test. Memoised: the table's own
    lookup hashes the string each time and cost as much as tokenizing."""
    lemma = _LEMMAS.get(norm)
    if lemma is None:
        if len(_LEMMAS) >= _LEMMAS_LIMIT:
            _LEMMAS.clear()
        lemma = _LEMMAS[norm] = _lemma_table().get(norm, norm)
    return lemma


def lookup_lemma(norm: str) -> str:
    """The lemma of a lower-cased word, as the rules see it (themes' labels use it too)."""
    return _lemma(norm)


@Language.component("review_triage_lookup_lemmas")
def _set_lemmas(doc: Doc) -> Doc:
    """Lemma from the lower-cased norm: "Accounts" -> "account", "'ll" -> "will"."""
    for token in doc:
        token.lemma_ = _lemma(token.norm_)
    return doc


def build_nlp() -> Language:
    """A blank English pipeline with lookup lemmas: no model download needed."""
    nlp = spacy.blank("en")
    nlp.add_pipe("review_triage_lookup_lemmas")
    return nlp
