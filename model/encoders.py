"""The sentence encoders whose embeddings a model family can append to its TF-IDF features.

`FeatureBuilder` and `FastScorer` name their encoder with one of `ENCODERS`' keys; both call
`weighted_embeddings`, so that training and serving use the same vectors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

MINILM = "minilm"  # all-MiniLM-L6-v2, a 6-layer transformer in numpy (English)
STATIC = "static"  # a multilingual static (Model2Vec-style) model
ENCODERS = (MINILM, STATIC)


def weighted_embeddings(
    texts: Sequence[str], weight: float, encoder: str = MINILM
) -> NDArray[np.float64]:
    """The named encoder's unit-length embeddings of `texts` (float64) times `weight`."""
    if encoder == MINILM:
        from model.embeddings import default_encoder

        vectors = default_encoder().encode(texts).astype(np.float64)
    elif encoder == STATIC:
        from model.static_embeddings import default_static_encoder

        vectors = default_static_encoder().encode(texts)
    else:
        raise ValueError(f"unknown sentence encoder {encoder!r}; choose from {ENCODERS}")
    result: NDArray[np.float64] = vectors * weight
    return result
