"""Fitting themes on a set of items: PCA, HDBSCAN, centroids, noise that joins, labels.

Why this recipe (measured on BANKING77's train split, benchmarks/themes_banking77.py):
- HDBSCAN needs no number of clusters and leaves items it cannot place as noise (-1).
- PCA to 32 dimensions first: HDBSCAN on 384-dimensional vectors took 60-80 s for 10,000
  items, on 32 about 3 s, with the same quality.
- HDBSCAN leaves a third of the items as noise even when they are near a theme; they join the
  nearest centroid when it is within `join_threshold` cosine, the same rule as a new item's
  online (`ThemeIndex`), so a re-fit and the online path agree.
- Centroids come from HDBSCAN's own members, in the encoder's space (not PCA's), so the
  online path needs the encoder's embedding only.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from model.themes.index import ThemeIndex, unit_rows
from model.themes.labels import ctfidf_keywords

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
ItemId = TypeVar("ItemId", bound=Hashable)

# Chosen on BANKING77 train (all-MiniLM-L6-v2), see the module docstring and benchmarks/RESULTS.md.
MIN_CLUSTER_SIZE = 10
MIN_SAMPLES = 3
PCA_DIMENSIONS = 32
JOIN_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class Theme:
    """One cluster of a fit: its size, label and representative items (row indices)."""

    cluster: int
    size: int
    keywords: tuple[str, ...]
    representatives: tuple[int, ...]

    @property
    def label(self) -> str:
        """A short readable label: the three most distinctive terms."""
        return ", ".join(self.keywords[:3]) or f"theme {self.cluster}"


@dataclass(frozen=True, slots=True)
class ThemeFit:
    """Clusters of one fit: `clusters[i]` is item i's cluster (-1: no theme), `core[i]` whether
    HDBSCAN itself put it there (False: it joined by nearest centroid, or has none)."""

    clusters: I64
    core: NDArray[np.bool_]
    themes: tuple[Theme, ...]
    centroids: F64  # (themes, dim), unit rows
    join_threshold: float

    def members(self, item_ids: Sequence[ItemId]) -> dict[int, set[ItemId]]:
        """cluster -> the ids of its items, `item_ids` given in the fit's row order."""
        if len(item_ids) != len(self.clusters):
            raise ValueError("one item id per fitted row is needed")
        found: dict[int, set[ItemId]] = {t.cluster: set() for t in self.themes}
        for item, cluster in zip(item_ids, self.clusters.tolist(), strict=True):
            if cluster >= 0:
                found[cluster].add(item)
        return found

    def index(self, theme_ids: Sequence[int] | None = None) -> ThemeIndex:
        """The online index of this fit; theme ids default to the cluster numbers."""
        ids = list(range(len(self.themes))) if theme_ids is None else list(theme_ids)
        return ThemeIndex.build(ids, self.centroids, self.join_threshold)


def fit_themes(
    texts: Sequence[str],
    embeddings: NDArray[np.floating],
    *,
    min_cluster_size: int = MIN_CLUSTER_SIZE,
    min_samples: int | None = MIN_SAMPLES,
    pca_dimensions: int | None = PCA_DIMENSIONS,
    join_threshold: float | None = JOIN_THRESHOLD,
    representatives: int = 3,
    keywords: int = 5,
    seed: int = 0,
) -> ThemeFit:
    """Themes of `texts` from their sentence `embeddings` (one row per text), without being
    told how many. `join_threshold=None` leaves HDBSCAN's noise as no theme."""
    # Imported here: a service process that only joins items to themes never loads them.
    from sklearn.cluster import HDBSCAN
    from sklearn.decomposition import PCA

    vectors = unit_rows(embeddings)
    if len(vectors) != len(texts):
        raise ValueError("one embedding row per text is needed")
    count, dim = vectors.shape
    if count < max(min_cluster_size, 2):
        empty: I64 = np.full(count, -1, dtype=np.int64)
        return ThemeFit(empty, empty >= 0, (), np.zeros((0, dim)), join_threshold or 1.0)
    reduced = vectors
    if pca_dimensions is not None and pca_dimensions < min(dim, count):
        reduced = unit_rows(
            PCA(n_components=pca_dimensions, random_state=seed).fit_transform(vectors)
        )
    found = HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        cluster_selection_method="eom",
        copy=True,
    ).fit_predict(reduced)
    core_clusters = np.asarray(found, dtype=np.int64)
    n_clusters = int(core_clusters.max()) + 1
    centroids = np.zeros((n_clusters, dim))
    for cluster in range(n_clusters):
        centroids[cluster] = vectors[core_clusters == cluster].mean(axis=0)
    centroids = unit_rows(centroids) if n_clusters else centroids
    clusters = core_clusters.copy()
    threshold = 1.0 if join_threshold is None else join_threshold
    if join_threshold is not None and n_clusters:
        noise = np.flatnonzero(clusters < 0)
        similarity = vectors[noise] @ centroids.T
        best = similarity.argmax(axis=1)
        joins = similarity[np.arange(len(noise)), best] >= join_threshold
        clusters[noise[joins]] = best[joins]
    labels = ctfidf_keywords(texts, clusters, n_clusters, top=keywords)
    themes = []
    for cluster in range(n_clusters):
        core = np.flatnonzero(core_clusters == cluster)
        closest = core[np.argsort(-(vectors[core] @ centroids[cluster]), kind="stable")]
        themes.append(
            Theme(
                cluster=cluster,
                size=int((clusters == cluster).sum()),
                keywords=labels[cluster],
                representatives=tuple(int(i) for i in closest[:representatives]),
            )
        )
    return ThemeFit(clusters, core_clusters >= 0, tuple(themes), centroids, threshold)
