"""The online part of themes: a new item joins the theme of its nearest unit centroid.

No re-clustering per request: one (themes x dim) float32 matrix-vector product and an argmax,
microseconds for a few hundred themes (benchmarks/themes_banking77.py measures it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]


def unit_rows(vectors: NDArray[np.floating]) -> NDArray[np.float64]:
    """Rows scaled to unit length (a zero row stays zero: it is near no theme)."""
    array = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    result: NDArray[np.float64] = array / np.maximum(norms, 1e-12)
    return result


@dataclass(frozen=True, slots=True)
class ThemeIndex:
    """Unit centroids with their stable theme ids, and the cosine an item needs to join one."""

    theme_ids: tuple[int, ...]
    centroids: F32  # (themes, dim), unit rows, C-contiguous
    join_threshold: float

    def __post_init__(self) -> None:
        if self.centroids.ndim != 2 or len(self.theme_ids) != len(self.centroids):
            raise ValueError("one centroid row per theme id is needed")
        if len(set(self.theme_ids)) != len(self.theme_ids):
            raise ValueError("theme ids must be unique")

    @classmethod
    def build(
        cls, theme_ids: Sequence[int], centroids: NDArray[np.floating], join_threshold: float
    ) -> ThemeIndex:
        """An index over `centroids` (normalised here), one id per row."""
        dim = np.asarray(centroids).shape[-1] if np.asarray(centroids).size else 0
        rows = unit_rows(centroids) if len(theme_ids) else np.zeros((0, dim))
        return cls(
            tuple(int(i) for i in theme_ids),
            np.ascontiguousarray(rows, dtype=np.float32),
            float(join_threshold),
        )

    def __len__(self) -> int:
        return len(self.theme_ids)

    def similarities(self, embeddings: NDArray[np.floating]) -> F32:
        """(items, themes) cosine of each embedding (unit rows expected) to each centroid."""
        vectors = np.atleast_2d(np.asarray(embeddings, dtype=np.float32))
        result: F32 = vectors @ self.centroids.T
        return result

    def assign(self, embedding: NDArray[np.floating]) -> int | None:
        """The theme id of one unit-length embedding, or None when no centroid is within
        `join_threshold` cosine (the item stays without theme until a re-fit)."""
        if not self.theme_ids:
            return None
        scores = self.centroids @ np.asarray(embedding, dtype=np.float32)
        best = int(scores.argmax())
        return self.theme_ids[best] if scores[best] >= self.join_threshold else None

    def assign_batch(self, embeddings: NDArray[np.floating]) -> list[int | None]:
        """`assign` for each row of `embeddings`."""
        count = len(np.atleast_2d(embeddings))
        if not self.theme_ids:
            return [None] * count
        scores = self.similarities(embeddings)
        best = scores.argmax(axis=1)
        top = scores[np.arange(count), best]
        return [
            self.theme_ids[b] if s >= self.join_threshold else None
            for b, s in zip(best.tolist(), top.tolist(), strict=True)
        ]
