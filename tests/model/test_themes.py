"""Themes on real rows: eight intents of BANKING77's train split (40 rows each, file order),
embedded with the static encoder so that the tests are fast. The train split only: the test
split is what benchmarks/themes_banking77.py reports on."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.metrics import normalized_mutual_info_score

from model.static_embeddings import default_static_encoder
from model.themes import (
    Merge,
    Split,
    Theme,
    ThemeFit,
    ThemeIndex,
    fit_themes,
    label_terms,
    match_refit,
)

TRAIN_CSV = (
    Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "banking77" / "train.csv"
)
INTENTS = (
    "age_limit",
    "terminate_account",
    "country_support",
    "lost_or_stolen_phone",
    "exchange_rate",
    "contactless_not_working",
    "atm_support",
    "card_arrival",
)
PER_INTENT = 40
# The static encoder's vectors sit closer together than MiniLM's (unrelated English sentences
# reach about 0.55 cosine to these themes), so it needs a higher join threshold.
JOIN = 0.6
MIN_CLUSTER = 8

Rows = tuple[list[str], list[str], NDArray[np.float64]]


@pytest.fixture(scope="module")
def rows() -> Rows:
    if not TRAIN_CSV.exists():
        pytest.skip(f"BANKING77 is not at {TRAIN_CSV}")
    texts: list[str] = []
    intents: list[str] = []
    taken: Counter[str] = Counter()
    with TRAIN_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["category"] in INTENTS and taken[row["category"]] < PER_INTENT:
                taken[row["category"]] += 1
                texts.append(row["text"])
                intents.append(row["category"])
    return texts, intents, default_static_encoder().encode(texts)


@pytest.fixture(scope="module")
def fit(rows: Rows) -> ThemeFit:
    texts, _, vectors = rows
    return fit_themes(texts, vectors, min_cluster_size=MIN_CLUSTER, join_threshold=JOIN)


def theme_of_intent(fit: ThemeFit, intents: list[str], intent: str) -> Theme:
    """The theme holding most of `intent`'s rows."""
    clusters = [c for c, i in zip(fit.clusters.tolist(), intents, strict=True) if i == intent]
    cluster, _ = Counter(c for c in clusters if c >= 0).most_common(1)[0]
    return fit.themes[cluster]


def test_themes_are_found_without_being_told_how_many(rows: Rows, fit: ThemeFit) -> None:
    _, intents, _ = rows
    assert 4 <= len(fit.themes) <= 3 * len(INTENTS)
    assert normalized_mutual_info_score(intents, fit.clusters) >= 0.5
    assert (fit.clusters < 0).mean() <= 0.2
    # Every theme is described: its size, a label, representatives that are its own members.
    assert sum(t.size for t in fit.themes) == int((fit.clusters >= 0).sum())
    for theme in fit.themes:
        assert theme.label and theme.keywords
        assert theme.representatives
        assert all(fit.clusters[i] == theme.cluster for i in theme.representatives)
        assert np.isclose(np.linalg.norm(fit.centroids[theme.cluster]), 1.0)


def test_labels_are_distinctive_words_of_their_theme(rows: Rows, fit: ThemeFit) -> None:
    texts, intents, _ = rows
    assert "age" in theme_of_intent(fit, intents, "age_limit").keywords
    assert "exchange" in " ".join(theme_of_intent(fit, intents, "exchange_rate").keywords)
    # A theme's first keyword (a lemma: "country" for "countries") is commoner in its own
    # texts than in the other themes' texts.
    terms = [set(label_terms(text)) for text in texts]
    for theme in fit.themes:
        word = theme.keywords[0]
        inside = [word in terms[i] for i in np.flatnonzero(fit.clusters == theme.cluster)]
        outside = [word in terms[i] for i in np.flatnonzero(fit.clusters != theme.cluster)]
        assert np.mean(inside) > np.mean(outside), theme


def test_a_paraphrase_joins_its_theme_and_unrelated_text_none(rows: Rows, fit: ThemeFit) -> None:
    _, intents, _ = rows
    index = fit.index()
    encoder = default_static_encoder()
    age = theme_of_intent(fit, intents, "age_limit").cluster
    paraphrase, rain, bread = encoder.encode(
        [
            "How old must I be to get an account?",
            "The quarterly rainfall in the Sahara desert was measured by satellites.",
            "Bake the bread at 200 degrees for forty minutes.",
        ]
    )
    assert index.assign(paraphrase) == age
    assert index.assign(rain) is None
    assert index.assign(bread) is None
    assert index.assign_batch(np.stack([paraphrase, rain, bread])) == [age, None, None]


def test_the_online_rule_is_the_fits_rule(rows: Rows, fit: ThemeFit) -> None:
    """An item HDBSCAN left as noise got the theme `assign` gives it, or none: a re-fit and
    the online path agree."""
    _, _, vectors = rows
    noise = np.flatnonzero(~fit.core)
    assert len(noise)
    online = fit.index().assign_batch(vectors[noise])
    assert online == [None if c < 0 else c for c in fit.clusters[noise].tolist()]


def test_fits_are_deterministic(rows: Rows, fit: ThemeFit) -> None:
    texts, _, vectors = rows
    again = fit_themes(texts, vectors, min_cluster_size=MIN_CLUSTER, join_threshold=JOIN)
    assert np.array_equal(again.clusters, fit.clusters)
    assert again.themes == fit.themes
    assert np.array_equal(again.centroids, fit.centroids)


def test_a_refit_on_a_superset_keeps_the_theme_ids(rows: Rows) -> None:
    texts, _, vectors = rows
    ids = [f"item-{i}" for i in range(len(texts))]
    # The first fit sees three rows in four; the re-fit all of them.
    seen = [i for i in range(len(texts)) if i % 4]
    old_fit = fit_themes(
        [texts[i] for i in seen], vectors[seen], min_cluster_size=MIN_CLUSTER, join_threshold=JOIN
    )
    old_ids = [100 + c for c in range(len(old_fit.themes))]  # ids unlike cluster numbers
    old_index = old_fit.index(old_ids)
    old_members = {100 + c: m for c, m in old_fit.members([ids[i] for i in seen]).items()}
    new_fit = fit_themes(texts, vectors, min_cluster_size=MIN_CLUSTER, join_threshold=JOIN)
    match = match_refit(old_index, old_members, new_fit, new_fit.members(ids))

    assert len(match.theme_ids) == len(new_fit.themes) == len(set(match.theme_ids))
    assert set(match.fresh).isdisjoint(old_ids) and min(match.fresh, default=200) >= 100 + len(
        old_ids
    )
    # An old theme whose members mostly sit in one new cluster gives that cluster its id; one
    # that HDBSCAN cut differently on more rows is recorded as split, merged or retired.
    new_members = new_fit.members(ids)
    changed = {s.old_theme_id for s in match.splits} | set(match.retired)
    changed |= {theme for merge in match.merges for theme in merge.old_theme_ids}
    carried = 0
    for theme_id, members in old_members.items():
        cluster, shared = max(
            ((c, len(m & members)) for c, m in new_members.items()), key=lambda pair: pair[1]
        )
        if shared >= 0.6 * len(members):
            assert match.theme_ids[cluster] == theme_id
            carried += 1
        else:
            assert theme_id in changed
    assert carried >= 1
    assert set(match.kept) | set(match.retired) == set(old_ids)
    assert match.index.theme_ids == match.theme_ids


def constructed_fit(vectors: NDArray[np.float64], clusters: list[int]) -> ThemeFit:
    """A fit with the given clusters (as a re-fit could find them), centroids the members' mean."""
    labels = np.array(clusters, dtype=np.int64)
    count = int(labels.max()) + 1
    centroids = np.stack([vectors[labels == c].mean(axis=0) for c in range(count)])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    themes = tuple(
        Theme(c, int((labels == c).sum()), (f"t{c}",), (int(np.flatnonzero(labels == c)[0]),))
        for c in range(count)
    )
    return ThemeFit(labels, labels >= 0, themes, centroids, JOIN)


def two_intents(rows: Rows) -> tuple[list[int], list[int], NDArray[np.float64]]:
    _, intents, vectors = rows
    age = [i for i, name in enumerate(intents) if name == "age_limit"]
    atm = [i for i, name in enumerate(intents) if name == "atm_support"]
    return age, atm, vectors


def test_a_merge_is_recorded(rows: Rows) -> None:
    age, atm, vectors = two_intents(rows)
    items = age + atm
    old = constructed_fit(vectors[items], [0] * len(age) + [1] * len(atm)).index([7, 9])
    old_members = {7: set(age), 9: set(atm)}
    merged = constructed_fit(vectors[items], [0] * len(items))
    match = match_refit(old, old_members, merged, merged.members(items))

    assert match.merges == (Merge(old_theme_ids=(7, 9), into=match.theme_ids[0]),)
    assert match.splits == ()
    assert match.theme_ids[0] in (7, 9)  # the merge keeps one id, the other retires
    assert match.retired == tuple({7, 9} - {match.theme_ids[0]})


def test_a_split_is_recorded(rows: Rows) -> None:
    age, atm, vectors = two_intents(rows)
    items = age + atm
    old = constructed_fit(vectors[items], [0] * len(items)).index([5])
    split = constructed_fit(vectors[items], [0] * len(age) + [1] * len(atm))
    match = match_refit(old, {5: set(items)}, split, split.members(items), next_id=50)

    assert 5 in match.theme_ids and 50 in match.theme_ids
    assert match.splits == (Split(old_theme_id=5, into=match.theme_ids),)
    assert match.merges == ()
    assert match.fresh == (50,) and match.retired == ()


def test_an_index_without_themes_assigns_none() -> None:
    index = ThemeIndex.build([], np.zeros((0, 64)), 0.5)
    assert index.assign(np.ones(64) / 8) is None
    assert index.assign_batch(np.ones((3, 64))) == [None, None, None]
    with pytest.raises(ValueError, match="unique"):
        ThemeIndex.build([1, 1], np.eye(2), 0.5)
