"""A fast scorer for one or a few texts: the fitted pipeline's arithmetic without its overhead.

scikit-learn's `TfidfVectorizer.transform` + `hstack` + `decision_function` cost over a
millisecond per call, almost all of it fixed per-call work (validation, sparse matrix
construction, format conversions). For the one-text-per-request case this scorer walks the
fitted vocabularies and coefficients directly: the same n-grams, the same sublinear TF, IDF
and L2 normalisation per block, the same metadata one-hot, the same linear heads and
calibration maps. Probabilities equal the pipeline's to float rounding (a test holds them
within 1e-9 on the calibration set).

Where the time went, and what this does about it (profiled on the calibration texts):
character n-grams (about 700 per text) dominated, so each word's n-gram columns are cached
(words repeat across texts); counts, TF and IDF weights and norms are one numpy pass per
block instead of Python loops over n-grams (`Counter` spent most of its time in an
`isinstance` check); both heads' weights sit in one matrix, so a text gathers its rows once,
and a batch is one sparse product; calibration and softmax of one row run on plain floats.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import strip_accents_unicode

from model.calibration import FloatArray, IntArray, VectorScaling
from model.features import _RATING_SLOTS, _SOURCE_INDEX, _SOURCE_SLOTS, FeatureBuilder
from model.records import FeedbackItem

Analyzer = Callable[[str], list[str]]
_WORD_CACHE_LIMIT = 200_000  # distinct words whose character n-gram columns are remembered


def _plain(vectorizer: Any) -> bool:
    """Settings whose analyzer this module reproduces exactly (else it uses sklearn's own)."""
    return bool(
        vectorizer.lowercase
        and vectorizer.strip_accents == "unicode"
        and vectorizer.preprocessor is None
        and vectorizer.tokenizer is None
        and vectorizer.input == "content"
        and vectorizer.stop_words is None
    )


def _known(vocabulary: dict[str, int], grams: list[str]) -> list[int]:
    """The columns of the n-grams in the vocabulary (unknown ones carry no feature)."""
    return [column for column in map(vocabulary.get, grams) if column is not None]


def char_wb_grams(word: str, low: int, high: int) -> list[str]:
    """scikit-learn's `char_wb` n-grams of one word: padded with spaces, every n-gram of each
    length; a padded word no longer than n counts once, and longer n are not tried."""
    padded = f" {word} "
    size = len(padded)
    grams: list[str] = []
    for n in range(low, high + 1):
        if size <= n:
            grams.append(padded)
            break
        grams.extend([padded[i : i + n] for i in range(size - n + 1)])
    return grams


class FastScorer:
    """Calibrated probabilities of both heads for a handful of items, without scipy.sparse."""

    def __init__(
        self,
        features: FeatureBuilder,
        heads: dict[str, tuple[FloatArray, FloatArray, VectorScaling]],
    ) -> None:
        word, char = features.word, features.char
        self._word_vocabulary: dict[str, int] = dict(word.vocabulary_)
        self._char_vocabulary: dict[str, int] = dict(char.vocabulary_)
        self._idf = (
            np.asarray(word.idf_, dtype=np.float64),
            np.asarray(char.idf_, dtype=np.float64),
        )
        self._char_offset = len(self._idf[0])
        self._metadata_offset = self._char_offset + len(self._idf[1])
        self._use_metadata = features.use_metadata
        self._metadata_weight = features.metadata_weight
        self._shortcut = (
            _plain(word)
            and _plain(char)
            and word.analyzer == "word"
            and word.ngram_range in ((1, 1), (1, 2))
            and char.analyzer == "char_wb"
        )
        self._token = re.compile(word.token_pattern)
        self._bigrams = word.ngram_range == (1, 2)
        self._char_range: tuple[int, int] = char.ngram_range
        self._word_analyzer: Analyzer = word.build_analyzer()
        self._char_analyzer: Analyzer = char.build_analyzer()
        self._char_cache: dict[str, list[int]] = {}
        # Both heads side by side, a row per feature: a text gathers its rows once.
        self._names = tuple(heads)
        self._weights = np.ascontiguousarray(np.hstack([coef.T for coef, _, _ in heads.values()]))
        self._intercept = np.concatenate([intercept for _, intercept, _ in heads.values()])
        bounds = np.cumsum([0, *(len(intercept) for _, intercept, _ in heads.values())])
        self._slices = [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
        self._calibration = [calibration for _, _, calibration in heads.values()]
        self._temperatures = [list(c.temperatures) for c in self._calibration]
        self._biases = [list(c.biases) for c in self._calibration]

    # ---- features ---------------------------------------------------------------------------

    def _char_columns(self, word: str) -> list[int]:
        columns = self._char_cache.get(word)
        if columns is None:
            low, high = self._char_range
            vocabulary = self._char_vocabulary
            columns = [
                column
                for gram in char_wb_grams(word, low, high)
                if (column := vocabulary.get(gram)) is not None
            ]
            if len(self._char_cache) >= _WORD_CACHE_LIMIT:
                self._char_cache.clear()
            self._char_cache[word] = columns
        return columns

    def _vocabulary_columns(self, text: str) -> tuple[list[int], list[int]]:
        """The vocabulary columns of every n-gram of `text` (repeats included), per block."""
        if not self._shortcut:
            return (
                _known(self._word_vocabulary, self._word_analyzer(text)),
                _known(self._char_vocabulary, self._char_analyzer(text)),
            )
        clean = strip_accents_unicode(text.lower())
        tokens: list[str] = self._token.findall(clean)
        if self._bigrams:
            tokens += [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
        chars: list[int] = []
        for word in clean.split():
            chars.extend(self._char_columns(word))
        return _known(self._word_vocabulary, tokens), chars

    def _columns(self, item: FeedbackItem) -> tuple[IntArray, FloatArray]:
        """The item's non-zero feature columns and their values (TF-IDF, L2 per block)."""
        blocks = []
        for columns, idf, offset in zip(
            self._vocabulary_columns(item.text), self._idf, (0, self._char_offset), strict=True
        ):
            if not columns:
                continue
            unique, counts = np.unique(np.asarray(columns, dtype=np.int64), return_counts=True)
            weights = (1.0 + np.log(counts)) * idf[unique]
            weights /= np.sqrt(weights @ weights)
            blocks.append((unique + offset, weights))
        if self._use_metadata:
            source = 0 if item.source is None else _SOURCE_INDEX.get(item.source, _SOURCE_SLOTS - 1)
            metadata = np.array(
                [
                    self._metadata_offset + (item.rating or 0),
                    self._metadata_offset + _RATING_SLOTS + source,
                ],
                dtype=np.int64,
            )
            blocks.append((metadata, np.full(2, self._metadata_weight)))
        if not blocks:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate([b[0] for b in blocks]), np.concatenate([b[1] for b in blocks])

    # ---- scores -----------------------------------------------------------------------------

    def _row(self, item: FeedbackItem) -> FloatArray:
        columns, values = self._columns(item)
        row: FloatArray = self._intercept + values @ self._weights[columns]
        return row

    def logits(self, items: Sequence[FeedbackItem]) -> dict[str, FloatArray]:
        """Logits of many items: their columns as one sparse matrix, one product with the
        weights (instead of a gather per item)."""
        parts = [self._columns(item) for item in items]
        indptr = np.cumsum([0, *(len(columns) for columns, _ in parts)])
        matrix = sp.csr_matrix(
            (
                np.concatenate([values for _, values in parts]) if parts else np.zeros(0),
                np.concatenate([cols for cols, _ in parts]) if parts else np.zeros(0, np.int64),
                indptr,
            ),
            shape=(len(items), self._weights.shape[0]),
        )
        rows = np.asarray(matrix @ self._weights) + self._intercept
        return {name: rows[:, part] for name, part in zip(self._names, self._slices, strict=True)}

    def predict_proba(self, items: Sequence[FeedbackItem]) -> dict[str, FloatArray]:
        if len(items) != 1:
            return {
                name: calibration.apply(logits)
                for calibration, (name, logits) in zip(
                    self._calibration, self.logits(items).items(), strict=True
                )
            }
        # One item: the calibrated softmax on plain floats (tiny arrays cost more than math).
        row = self._row(items[0]).tolist()
        result: dict[str, FloatArray] = {}
        for name, part, temps, biases in zip(
            self._names, self._slices, self._temperatures, self._biases, strict=True
        ):
            scaled = [z / t + b for z, t, b in zip(row[part], temps, biases, strict=True)]
            top = max(scaled)
            exps = [math.exp(z - top) for z in scaled]
            total = sum(exps)
            result[name] = np.array([[e / total for e in exps]])
        return result
