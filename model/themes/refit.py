"""Carrying theme ids across a re-fit, and recording merges and splits.

A new cluster keeps the id of the old theme it shares most members with: a one-to-one
assignment (scipy's Hungarian `linear_sum_assignment`) maximising member Jaccard, centroid
cosine breaking ties. A new cluster with too little member overlap may still take an
unmatched old theme whose centroid is close (the re-fit may cover other items than the old
fit, e.g. a recent window). The rest get fresh ids. Merges and splits are read from where old
members went: an old theme whose members now fill several new clusters was split; a new
cluster holding much of several old themes is their merge. The service records both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Set
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from model.themes.fit import ThemeFit
from model.themes.index import ThemeIndex

F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Merge:
    """Old themes whose members now form one cluster (theme `into`)."""

    old_theme_ids: tuple[int, ...]
    into: int


@dataclass(frozen=True, slots=True)
class Split:
    """One old theme whose members now fill several clusters (themes `into`)."""

    old_theme_id: int
    into: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RefitMatch:
    """Theme id per new cluster, what changed, and the online index with those ids."""

    theme_ids: tuple[int, ...]  # theme_ids[cluster]
    kept: tuple[int, ...]  # old ids carried over, in cluster order
    fresh: tuple[int, ...]  # ids given to clusters with no old theme
    retired: tuple[int, ...]  # old ids no cluster carries any more
    merges: tuple[Merge, ...]
    splits: tuple[Split, ...]
    index: ThemeIndex


def _overlaps(
    old_members: Mapping[int, Set[Hashable]],
    old_ids: list[int],
    new_members: Mapping[int, Set[Hashable]],
    n_new: int,
) -> tuple[F64, F64, F64]:
    """(new x old) shared member counts and Jaccard, and the new clusters' sizes; the old
    sets cut to the re-fit's items (an old member absent from the re-fit says nothing about
    where it went)."""
    column = {theme: j for j, theme in enumerate(old_ids)}
    where: dict[Hashable, int] = {}
    for theme, items in old_members.items():
        if theme in column:
            for item in items:
                where[item] = column[theme]
    present = {item for cluster in new_members.values() for item in cluster}
    old_sizes = Counter(where[item] for item in present if item in where)
    shared = np.zeros((n_new, len(old_ids)))
    for cluster, items in new_members.items():
        for j, n in Counter(where[i] for i in items if i in where).items():
            shared[cluster, j] = n
    new_sizes = np.array([len(new_members.get(c, ())) for c in range(n_new)], dtype=np.float64)
    old_present = np.array([old_sizes.get(j, 0) for j in range(len(old_ids))], dtype=np.float64)
    union = new_sizes[:, None] + old_present[None, :] - shared
    jaccard = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
    return shared, jaccard, new_sizes


def match_refit(
    old: ThemeIndex,
    old_members: Mapping[int, Set[Hashable]],
    new: ThemeFit,
    new_members: Mapping[int, Set[Hashable]],
    *,
    min_jaccard: float = 0.2,
    min_cosine: float = 0.8,
    flow_share: float = 0.25,
    next_id: int | None = None,
) -> RefitMatch:
    """Map `new`'s clusters to `old`'s theme ids.

    `old_members`: theme id -> item ids; `new_members`: cluster -> item ids (`ThemeFit.members`).
    A pair matches on members with Jaccard >= `min_jaccard`, else on centroids with cosine >=
    `min_cosine`. An old theme "flows" into a new cluster holding >= `flow_share` of its
    members present in the re-fit, or making up more than half of it; two flows from one old
    theme make a split, two flows into one cluster a merge. Fresh ids start at `next_id`
    (default: one above every old id).
    """
    old_ids = list(old.theme_ids)
    n_new = len(new.themes)
    shared, jaccard, new_sizes = _overlaps(old_members, old_ids, new_members, n_new)
    cosine = (
        new.centroids @ old.centroids.T.astype(np.float64)
        if n_new and old_ids
        else np.zeros((n_new, len(old_ids)))
    )
    assigned: dict[int, int] = {}  # cluster -> old column
    if n_new and old_ids:
        # Jaccard first; cosine (<= 1) scaled far below one member's Jaccard step breaks ties.
        rows, cols = linear_sum_assignment(-(jaccard + 1e-6 * cosine))
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            if jaccard[r, c] >= min_jaccard:
                assigned[r] = c
        free_rows = [r for r in range(n_new) if r not in assigned]
        free_cols = [c for c in range(len(old_ids)) if c not in assigned.values()]
        if free_rows and free_cols:
            sub = cosine[np.ix_(free_rows, free_cols)]
            rows, cols = linear_sum_assignment(-sub)
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                if sub[r, c] >= min_cosine:
                    assigned[free_rows[r]] = free_cols[c]
    fresh_id = max(old_ids, default=-1) + 1 if next_id is None else next_id
    theme_ids: list[int] = []
    fresh: list[int] = []
    for cluster in range(n_new):
        if cluster in assigned:
            theme_ids.append(old_ids[assigned[cluster]])
        else:
            theme_ids.append(fresh_id)
            fresh.append(fresh_id)
            fresh_id += 1
    kept = tuple(i for i in theme_ids if i not in fresh)
    retired = tuple(i for i in old_ids if i not in kept)

    present_old = shared.sum(axis=0)
    # A flow: a share of the old theme, or most of the new cluster (an old theme cut into many
    # small pieces sends little to each, but each piece is mostly made of it).
    flows = (shared > 0) & (
        (shared >= flow_share * present_old[None, :]) | (shared > 0.5 * new_sizes[:, None])
    )
    merges = tuple(
        Merge(tuple(old_ids[c] for c in np.flatnonzero(flows[r]).tolist()), theme_ids[r])
        for r in range(n_new)
        if flows[r].sum() >= 2
    )
    splits = tuple(
        Split(old_ids[c], tuple(theme_ids[r] for r in np.flatnonzero(flows[:, c]).tolist()))
        for c in range(len(old_ids))
        if flows[:, c].sum() >= 2
    )
    return RefitMatch(
        theme_ids=tuple(theme_ids),
        kept=kept,
        fresh=tuple(fresh),
        retired=retired,
        merges=merges,
        splits=splits,
        index=new.index(theme_ids),
    )
