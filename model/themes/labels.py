"""Theme labels by class-based TF-IDF (BERTopic's c-TF-IDF): the words and bigrams frequent in
one cluster and rare in the others.

Words are lower-cased and lemmatised with the rules' lookup lemmas ("cards" and "card" count
as one), English stop words are dropped before bigrams are formed, as BERTopic does with
`CountVectorizer(stop_words=...)`, so "refund of my card" gives "refund card".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from spacy.lang.en.stop_words import STOP_WORDS

from model.rules.pipeline import lookup_lemma

# Letters only (numbers and amounts name no theme), with a clitic kept on its word so that
# "didn't" is one token, dropped as a contraction, not "didn" plus "t".
_WORD = re.compile(r"[^\W\d_]{2,}(?:['’][^\W\d_]+)?")
_STOP = frozenset(STOP_WORDS) | frozenset(ENGLISH_STOP_WORDS)


def label_terms(text: str) -> list[str]:
    """Content lemmas of `text`, then the bigrams of neighbouring content lemmas."""
    words: list[str] = []
    for match in _WORD.finditer(text.lower()):
        word = match.group()
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if "'" in word or "’" in word:
            continue  # didn't, I'm, you've: function words
        lemma = lookup_lemma(word)
        if word in _STOP or lemma in _STOP:
            continue
        words.append(lemma)
    return words + [f"{a} {b}" for a, b in pairwise(words)]


def ctfidf_keywords(
    texts: Sequence[str], clusters: NDArray[np.int64], n_clusters: int, *, top: int = 5
) -> list[tuple[str, ...]]:
    """The `top` most distinctive terms of each cluster 0..n_clusters-1 (items at -1 are
    ignored), best first.

    c-TF-IDF: a cluster is one document; tf = term count / the cluster's term count,
    idf = log(1 + mean terms per cluster / the term's count over all clusters).
    """
    keep = np.flatnonzero(clusters >= 0)
    if n_clusters == 0 or len(keep) == 0:
        return [() for _ in range(n_clusters)]
    vectorizer = CountVectorizer(analyzer=label_terms)
    try:
        counts = vectorizer.fit_transform([texts[i] for i in keep.tolist()])
    except ValueError:  # no content word at all
        return [() for _ in range(n_clusters)]
    # Rows of items -> rows of clusters: a sparse one-hot (cluster x item) product.
    member = sp.csr_matrix(
        (np.ones(len(keep)), (clusters[keep], np.arange(len(keep)))),
        shape=(n_clusters, len(keep)),
    )
    per_cluster = np.asarray((member @ counts).todense(), dtype=np.float64)
    totals = per_cluster.sum(axis=1, keepdims=True)
    tf = per_cluster / np.maximum(totals, 1.0)
    average_terms = float(totals.mean())
    idf = np.log1p(average_terms / np.maximum(per_cluster.sum(axis=0), 1.0))
    scores = tf * idf
    vocabulary = vectorizer.get_feature_names_out()
    keywords: list[tuple[str, ...]] = []
    for row in scores:
        # Stable sort on the negated score: ties keep the vocabulary's (alphabetical) order.
        order = np.argsort(-row, kind="stable")
        keywords.append(_distinct(vocabulary, order, row, top))
    return keywords


def _distinct(
    vocabulary: NDArray[np.str_], order: NDArray[np.intp], row: NDArray[np.float64], top: int
) -> tuple[str, ...]:
    """The best terms, skipping a word already inside a chosen bigram and a bigram whose two
    words are both chosen already: "card arrive" and "card" say the same thing."""
    chosen: list[str] = []
    for index in order:
        if row[index] <= 0 or len(chosen) == top:
            break
        term = str(vocabulary[index])
        words = set(term.split())
        covered = {w for c in chosen for w in c.split()}
        if len(words) == 1 and any(term in c.split() for c in chosen if " " in c):
            continue
        if len(words) == 2 and words <= covered:
            continue
        chosen.append(term)
    return tuple(chosen)
