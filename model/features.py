"""Turning feedback items into model features: word and character TF-IDF, rating and source."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from model.metadata import METADATA_SLOTS, metadata_slots
from model.records import FeedbackItem


class FeatureBuilder:
    """Word 1-2-grams and character 2-5-grams (TF-IDF, sublinear), plus one-hot rating and source.

    Rating and source are optional on every item: "not given" is a value of its own, so a
    missing field is recorded as missing, never guessed.
    """

    embedding_weight: float = 0.0  # models saved before the embedding block have none
    embedding_encoder: str = "minilm"  # models saved before tfidf_static used MiniLM

    def __init__(
        self,
        *,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        metadata_weight: float = 0.5,
        use_metadata: bool = True,
        embedding_weight: float = 0.0,
        embedding_encoder: str = "minilm",
    ) -> None:
        self.word = TfidfVectorizer(
            ngram_range=word_ngrams,
            sublinear_tf=True,
            strip_accents="unicode",
            lowercase=True,
            min_df=1,
            token_pattern=r"(?u)\b\w+\b",
            dtype=np.float64,
        )
        self.char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=char_ngrams,
            sublinear_tf=True,
            strip_accents="unicode",
            lowercase=True,
            min_df=2,
            dtype=np.float64,
        )
        self.metadata_weight = metadata_weight
        self.use_metadata = use_metadata
        # > 0: append the text's sentence embedding (unit length) times this weight, from
        # the encoder `model.encoders` names `embedding_encoder`.
        self.embedding_weight = embedding_weight
        self.embedding_encoder = embedding_encoder

    def fit(self, items: Sequence[FeedbackItem]) -> FeatureBuilder:
        texts = [item.text for item in items]
        self.word.fit(texts)
        self.char.fit(texts)
        return self

    def transform(self, items: Sequence[FeedbackItem]) -> sp.csr_matrix:
        texts = [item.text for item in items]
        blocks = [self.word.transform(texts), self.char.transform(texts)]
        if self.use_metadata:
            blocks.append(self._metadata(items))
        if self.embedding_weight:
            from model.encoders import weighted_embeddings  # needs the encoder's weights

            dense = weighted_embeddings(texts, self.embedding_weight, self.embedding_encoder)
            blocks.append(sp.csr_matrix(dense))
        return sp.hstack(blocks, format="csr")

    def _metadata(self, items: Sequence[FeedbackItem]) -> sp.csr_matrix:
        rows = np.repeat(np.arange(len(items)), 2)
        cols = np.empty(2 * len(items), dtype=np.int64)
        for i, item in enumerate(items):
            cols[2 * i], cols[2 * i + 1] = metadata_slots(item)
        data = np.full(len(cols), self.metadata_weight)
        shape = (len(items), METADATA_SLOTS)
        return sp.csr_matrix((data, (rows, cols)), shape=shape)
