"""A fast scorer for one or a few texts: the fitted pipeline's arithmetic without its overhead.

scikit-learn's `TfidfVectorizer.transform` + `hstack` + `decision_function` cost over a
millisecond per call, almost all of it fixed per-call work (validation, sparse matrix
construction, format conversions). For the one-text-per-request case this scorer walks the
fitted vocabularies and coefficients directly: the same n-grams, the same sublinear TF, IDF
and L2 normalisation per block, the same metadata one-hot, the same linear heads and
calibration maps. Probabilities equal the pipeline's to float rounding (a test holds them
within 1e-9 on the calibration set).

Where the time went, and what this does about it (profiled on the calibration texts):
character n-grams (about 700 per text) dominated, so each word's n-gram columns are cached,
as an array (words repeat across texts; turning a text's ~700 Python ints into an array cost
as much as counting them); counts, TF and IDF weights and norms are one numpy pass per block
instead of Python loops over n-grams (`Counter` spent most of its time in an `isinstance`
check); both heads' weights sit in one matrix, so a text gathers its rows once. A batch
does all of that per chunk of texts, a dozen numpy calls per chunk instead of per text, and
sums each text's rows with `np.add.reduceat` (1.8x the per-text loop's speed; no scipy).
Calibration and softmax of one row run on plain floats.

The scorer is also what a served model loads: its state is plain numpy arrays, dicts and
floats, so unpickling it (`model.artifact.load_triager`) imports neither scikit-learn nor
scipy, which would cost a server about two seconds of start-up.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np

from model.calibration import FloatArray, IntArray, VectorScaling
from model.labels import HEADS
from model.metadata import METADATA_SLOTS, metadata_slots
from model.records import FeedbackItem

if TYPE_CHECKING:
    from model.features import FeatureBuilder

Analyzer = Callable[[str], list[str]]
_WORD_CACHE_LIMIT = 200_000  # distinct words whose character n-gram columns are remembered
_CHUNK = 64  # texts a batch scores together (16-128 measured alike; 1,040 at once was slower)
_NO_COLUMNS: IntArray = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class HeadProbabilities:
    """Calibrated probabilities of both heads; columns follow `HEAD_LABELS`."""

    category: FloatArray
    severity: FloatArray

    def of(self, head: str) -> FloatArray:
        result: FloatArray = getattr(self, head)
        return result

    def __getitem__(self, head: str) -> FloatArray:
        return self.of(head)


class ProbabilityModel(Protocol):
    """What the engine asks of a model: calibrated probabilities of both heads."""

    def predict_proba(self, items: Sequence[FeedbackItem]) -> HeadProbabilities: ...


def strip_accents_unicode(text: str) -> str:
    """scikit-learn's `strip_accents_unicode`, here so that scoring does not import it:
    NFKD-decompose, then drop the combining marks (ASCII text is returned as it is)."""
    if text.isascii():
        return text
    normalized = unicodedata.normalize("NFKD", text)
    return "".join([c for c in normalized if not unicodedata.combining(c)])


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


def _tfidf(columns: Sequence[IntArray], idf: FloatArray) -> tuple[IntArray, IntArray, FloatArray]:
    """Several texts' n-gram columns (repeats included) as (text, column, weight): each
    column a text has once, sorted by text then column, weighted by sublinear TF times IDF
    and L2-normalised per text, as `TfidfVectorizer(sublinear_tf=True)` does. (`_columns`
    weighs one text the same way with fewer numpy calls: through here it took 1.3x as long.)"""
    width = len(idf)
    lengths = np.fromiter(map(len, columns), dtype=np.int64, count=len(columns))
    keys = np.repeat(np.arange(len(columns), dtype=np.int64) * width, lengths)
    keys += np.concatenate(columns) if len(columns) else _NO_COLUMNS
    keys.sort()
    first = np.empty(len(keys), dtype=bool)
    first[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(starts, append=len(keys))
    text, column = np.divmod(keys[starts], width)
    weight = (1.0 + np.log(counts)) * idf[column]
    weight /= np.sqrt(np.bincount(text, weight * weight, minlength=len(columns)))[text]
    return text, column, weight


class FastScorer:
    """Calibrated probabilities of both heads, from the fitted vocabularies and weights.

    Build it with `from_fitted`. It can be saved (pickled) when the vectorizers use the
    settings it reproduces itself (`portable`); otherwise it calls scikit-learn's analyzers,
    which live only as long as the fitted pipeline does.
    """

    _SAVED = (
        "_word_vocabulary",
        "_char_vocabulary",
        "_idf",
        "_char_offset",
        "_metadata_offset",
        "_use_metadata",
        "_metadata_weight",
        "_token",
        "_bigrams",
        "_char_range",
        "_weights",
        "_intercept",
        "_slices",
        "_calibration",
        "_shortcut",
        "_embedding_weight",
        "_embedding_offset",
    )
    # Saved by newer scorers only; older ones get the value given here when loaded.
    _SAVED_SINCE: ClassVar[dict[str, str]] = {"_embedding_encoder": "minilm"}

    def __init__(
        self,
        *,
        word_vocabulary: dict[str, int],
        char_vocabulary: dict[str, int],
        idf: tuple[FloatArray, FloatArray],
        token_pattern: str,
        bigrams: bool,
        char_range: tuple[int, int],
        use_metadata: bool,
        metadata_weight: float,
        heads: dict[str, tuple[FloatArray, FloatArray, VectorScaling]],
        shortcut: bool = True,
        analyzers: tuple[Analyzer, Analyzer] | None = None,
        embedding_weight: float = 0.0,
        embedding_encoder: str = "minilm",
    ) -> None:
        if tuple(heads) != HEADS:
            raise ValueError(f"a scorer needs the heads {HEADS}, got {tuple(heads)}")
        if not shortcut and analyzers is None:
            raise ValueError("a scorer that does not reproduce the analyzers needs them")
        # True when this module reproduces the vectorizers' analyzers (the default settings).
        self._shortcut = shortcut
        self._word_vocabulary = word_vocabulary
        self._char_vocabulary = char_vocabulary
        self._idf = idf
        self._char_offset = len(idf[0])
        self._metadata_offset = self._char_offset + len(idf[1])
        self._use_metadata = use_metadata
        self._metadata_weight = metadata_weight
        # The dense sentence-embedding block, if any, comes after the metadata columns.
        self._embedding_weight = embedding_weight
        self._embedding_encoder = embedding_encoder  # a key of `model.encoders.ENCODERS`
        self._embedding_offset = self._metadata_offset + (METADATA_SLOTS if use_metadata else 0)
        self._token = re.compile(token_pattern)
        self._bigrams = bigrams
        self._char_range = char_range
        # Both heads side by side, a row per feature: a text gathers its rows once.
        self._weights = np.ascontiguousarray(np.hstack([coef.T for coef, _, _ in heads.values()]))
        self._intercept = np.concatenate([intercept for _, intercept, _ in heads.values()])
        bounds = np.cumsum([0, *(len(intercept) for _, intercept, _ in heads.values())])
        self._slices = [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
        self._calibration = [calibration for _, _, calibration in heads.values()]
        self._analyzers = analyzers
        self._derive()

    def _derive(self) -> None:
        """State rebuilt after loading: the calibration maps as floats, the n-gram cache."""
        self._temperatures = [list(c.temperatures) for c in self._calibration]
        self._biases = [list(c.biases) for c in self._calibration]
        self._char_cache: dict[str, IntArray] = {}

    @classmethod
    def from_fitted(
        cls,
        features: FeatureBuilder,
        heads: dict[str, tuple[FloatArray, FloatArray, VectorScaling]],
    ) -> FastScorer:
        """The scorer of a fitted `FeatureBuilder` and each head's (coef, intercept, map)."""
        word, char = features.word, features.char
        shortcut = (
            _plain(word)
            and _plain(char)
            and word.analyzer == "word"
            and word.ngram_range in ((1, 1), (1, 2))
            and char.analyzer == "char_wb"
        )
        return cls(
            word_vocabulary=dict(word.vocabulary_),
            char_vocabulary=dict(char.vocabulary_),
            idf=(
                np.asarray(word.idf_, dtype=np.float64),
                np.asarray(char.idf_, dtype=np.float64),
            ),
            token_pattern=word.token_pattern,
            bigrams=word.ngram_range == (1, 2),
            char_range=tuple(char.ngram_range),
            use_metadata=features.use_metadata,
            metadata_weight=features.metadata_weight,
            heads=heads,
            shortcut=shortcut,
            analyzers=(word.build_analyzer(), char.build_analyzer()),
            embedding_weight=features.embedding_weight,
            embedding_encoder=features.embedding_encoder,
        )

    @property
    def portable(self) -> bool:
        """True when the scorer can be saved and loaded without scikit-learn."""
        return self._shortcut

    def __getstate__(self) -> dict[str, Any]:
        if not self.portable:
            raise TypeError("this scorer calls scikit-learn's analyzers and cannot be saved")
        return {name: getattr(self, name) for name in (*self._SAVED, *self._SAVED_SINCE)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        missing = [name for name in self._SAVED if name not in state]
        if missing:
            raise ValueError(f"a saved scorer lacks {missing}")
        self.__dict__.update(self._SAVED_SINCE | state)
        self._analyzers = None
        self._derive()

    # ---- features ---------------------------------------------------------------------------

    def _char_columns(self, word: str) -> IntArray:
        columns = self._char_cache.get(word)
        if columns is None:
            low, high = self._char_range
            vocabulary = self._char_vocabulary
            columns = np.array(
                [
                    column
                    for gram in char_wb_grams(word, low, high)
                    if (column := vocabulary.get(gram)) is not None
                ],
                dtype=np.int64,
            )
            if len(self._char_cache) >= _WORD_CACHE_LIMIT:
                self._char_cache.clear()
            self._char_cache[word] = columns
        return columns

    def _vocabulary_columns(self, text: str) -> tuple[IntArray, IntArray]:
        """The vocabulary columns of every n-gram of `text` (repeats included), per block."""
        if not self._shortcut:
            assert self._analyzers is not None  # the constructor checks this
            word_analyzer, char_analyzer = self._analyzers
            return (
                np.array(_known(self._word_vocabulary, word_analyzer(text)), dtype=np.int64),
                np.array(_known(self._char_vocabulary, char_analyzer(text)), dtype=np.int64),
            )
        clean = strip_accents_unicode(text.lower())
        tokens: list[str] = self._token.findall(clean)
        if self._bigrams:
            tokens += [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
        words = np.array(_known(self._word_vocabulary, tokens), dtype=np.int64)
        # Each word's columns are an array already: joining them costs far less than turning
        # a list of ~700 Python ints into one.
        chars = [self._char_columns(word) for word in clean.split()]
        return words, (np.concatenate(chars) if chars else _NO_COLUMNS)

    def _embeddings(self, items: Sequence[FeedbackItem]) -> list[FloatArray | None]:
        """Each item's weighted sentence embedding, when the model has that block."""
        if not self._embedding_weight:
            return [None] * len(items)
        from model.encoders import weighted_embeddings

        texts = [item.text for item in items]
        return list(weighted_embeddings(texts, self._embedding_weight, self._embedding_encoder))

    def _columns(
        self, item: FeedbackItem, embedding: FloatArray | None = None
    ) -> tuple[IntArray, FloatArray]:
        """The item's non-zero feature columns and their values (TF-IDF, L2 per block)."""
        blocks = []
        for columns, idf, offset in zip(
            self._vocabulary_columns(item.text), self._idf, (0, self._char_offset), strict=True
        ):
            if not len(columns):
                continue
            unique, counts = np.unique(columns, return_counts=True)
            weights = (1.0 + np.log(counts)) * idf[unique]
            weights /= np.sqrt(weights @ weights)
            blocks.append((unique + offset, weights))
        if self._use_metadata:
            rating_slot, source_slot = metadata_slots(item)
            metadata = np.array(
                [self._metadata_offset + rating_slot, self._metadata_offset + source_slot],
                dtype=np.int64,
            )
            blocks.append((metadata, np.full(2, self._metadata_weight)))
        if embedding is not None:
            blocks.append((self._embedding_offset + np.arange(len(embedding)), embedding))
        if not blocks:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate([b[0] for b in blocks]), np.concatenate([b[1] for b in blocks])

    # ---- scores -----------------------------------------------------------------------------

    def _row(self, item: FeedbackItem, embedding: FloatArray | None) -> FloatArray:
        """Raw scores of both heads for one item: its weight rows gathered and summed."""
        columns, values = self._columns(item, embedding)
        row: FloatArray = self._intercept + values @ self._weights[columns]
        return row

    def logits(self, items: Sequence[FeedbackItem]) -> dict[str, FloatArray]:
        """Raw scores of each head for many items, `_CHUNK` items at a time: one numpy pass
        per block over a chunk's n-grams instead of a dozen small calls per item, and rows
        gathered per chunk, which stays in cache (a whole batch's rows at once, about 50 MB
        for 1,000 texts, was three times slower; scipy's sparse product would cost serving
        its import)."""
        rows = np.empty((len(items), len(self._intercept)))
        embeddings = self._embeddings(items)
        for start in range(0, len(items), _CHUNK):
            end = start + _CHUNK
            rows[start:end] = self._chunk_rows(items[start:end], embeddings[start:end])
        return {name: rows[:, part] for name, part in zip(HEADS, self._slices, strict=True)}

    def _chunk_rows(
        self, items: Sequence[FeedbackItem], embeddings: Sequence[FloatArray | None]
    ) -> FloatArray:
        """Raw scores of both heads for a few items, a row each."""
        rows = np.tile(self._intercept, (len(items), 1))
        blocks = zip(*(self._vocabulary_columns(item.text) for item in items), strict=True)
        for columns, idf, offset in zip(blocks, self._idf, (0, self._char_offset), strict=True):
            text, column, weight = _tfidf(columns, idf)
            if not len(text):
                continue
            gathered = self._weights[column + offset] * weight[:, None]
            starts = np.flatnonzero(np.diff(text, prepend=-1))  # rows are sorted by text
            rows[text[starts]] += np.add.reduceat(gathered, starts, axis=0)
        if self._use_metadata:
            slots = np.array([metadata_slots(item) for item in items], dtype=np.int64)
            rows += self._weights[slots + self._metadata_offset].sum(axis=1) * (
                self._metadata_weight
            )
        if self._embedding_weight:
            dense = np.stack([e for e in embeddings if e is not None])
            start = self._embedding_offset
            rows += dense @ self._weights[start : start + dense.shape[1]]
        return rows

    def predict_proba(self, items: Sequence[FeedbackItem]) -> HeadProbabilities:
        if len(items) != 1:
            logits = self.logits(items)
            category, severity = (
                calibration.apply(logits[name])
                for calibration, name in zip(self._calibration, HEADS, strict=True)
            )
            return HeadProbabilities(category=category, severity=severity)
        # One item: the calibrated softmax on plain floats (tiny arrays cost more than math).
        row = self._row(items[0], self._embeddings(items)[0]).tolist()
        result: list[FloatArray] = []
        for part, temps, biases in zip(self._slices, self._temperatures, self._biases, strict=True):
            scaled = [z / t + b for z, t, b in zip(row[part], temps, biases, strict=True)]
            top = max(scaled)
            exps = [math.exp(z - top) for z in scaled]
            total = sum(exps)
            result.append(np.array([[e / total for e in exps]]))
        return HeadProbabilities(category=result[0], severity=result[1])
