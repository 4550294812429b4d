"""Themes on BANKING77: clusters found without the number of intents, against the intents.

Parameters are chosen on the TRAIN split (a grid is printed: the sensitivity) and reported on
the TEST split, both read in place from ../shared/benchmarks/banking77 (never copied). For each
encoder (all-MiniLM-L6-v2 and the static multilingual one): NMI and ARI of the themes against
the intents, the number of themes, the share of items in no theme, k-means told the true k=77
as a reference, the median wall time of a fit and of `ThemeIndex.assign` per item, and the
encoder's cost per text (one text per call, as at classify time).

Headline NMI: every test item counted, items in no theme as one cluster of their own (the
service shows them as "no theme"). Also printed: HDBSCAN's own clusters before noise joins a
centroid (noise as its own cluster), and NMI on the items with a theme only (flattering: it
drops the hard items).

    python -m benchmarks.themes_banking77 [--shared PATH] [--cache DIR] [--repeats 3]

`--cache DIR` keeps the embeddings as .npy files (the MiniLM encoding of 13,000 texts takes
minutes on 2 cores); delete them after changing an encoder.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from benchmarks.common import (
    fmt,
    machine_description,
    median,
    percentile,
    print_machine,
    print_table,
    single_call_latencies,
)
from model.embeddings import default_encoder
from model.static_embeddings import default_static_encoder
from model.themes import ThemeFit, fit_themes
from model.themes.fit import JOIN_THRESHOLD, MIN_CLUSTER_SIZE, MIN_SAMPLES

F64 = NDArray[np.float64]
Params = tuple[int, int | None, float | None]  # min_cluster_size, min_samples, join threshold
GRID: list[Params] = [(mcs, ms, JOIN_THRESHOLD) for mcs in (5, 10, 15, 25) for ms in (None, 3)] + [
    (MIN_CLUSTER_SIZE, MIN_SAMPLES, t) for t in (None, 0.4, 0.6, 0.7)
]
TRUE_K = 77


def read_split(root: Path, name: str) -> tuple[list[str], list[str]]:
    with (root / "banking77" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in rows], [r["category"] for r in rows]


def encoders() -> dict[str, Callable[[Sequence[str]], F64]]:
    minilm, static = default_encoder(), default_static_encoder()
    return {
        "minilm": lambda texts: minilm.encode(texts).astype(np.float64),
        "static": static.encode,
    }


def embed(
    name: str, encode: Callable[[Sequence[str]], F64], texts: list[str], split: str, cache: Path
) -> F64:
    path = cache / f"{split}_{name}.npy"
    if path.exists():
        vectors: F64 = np.load(path).astype(np.float64)
        if len(vectors) == len(texts):
            return vectors
    vectors = encode(texts)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors.astype(np.float32))
    return vectors


def scores(intents: Sequence[str], fit: ThemeFit) -> dict[str, float]:
    y = np.asarray(intents)
    clusters = fit.clusters
    hdbscan_only = np.where(fit.core, clusters, -1)
    themed = clusters >= 0
    return {
        "themes": float(len(fit.themes)),
        "nmi": float(normalized_mutual_info_score(y, clusters)),
        "ari": float(adjusted_rand_score(y, clusters)),
        "no_theme": float(1.0 - themed.mean()),
        "nmi_hdbscan_noise": float(normalized_mutual_info_score(y, hdbscan_only)),
        "hdbscan_noise": float(1.0 - fit.core.mean()),
        "nmi_themed_only": float(normalized_mutual_info_score(y[themed], clusters[themed]))
        if themed.any()
        else float("nan"),
    }


def fit_with(texts: list[str], vectors: F64, params: Params) -> ThemeFit:
    mcs, ms, threshold = params
    return fit_themes(
        texts, vectors, min_cluster_size=mcs, min_samples=ms, join_threshold=threshold
    )


def describe(params: Params) -> str:
    mcs, ms, threshold = params
    return f"mcs={mcs} ms={ms} join={threshold}"


def sensitivity(name: str, texts: list[str], intents: list[str], vectors: F64) -> Params:
    """The train-split grid; returns the parameters with the best headline NMI."""
    print(f"\nTRAIN split, {name}: sensitivity ({len(texts)} items)")
    rows, best, best_nmi = [], GRID[0], -1.0
    for params in GRID:
        result = scores(intents, fit_with(texts, vectors, params))
        if result["nmi"] > best_nmi:
            best, best_nmi = params, result["nmi"]
        rows.append(
            [
                describe(params),
                f"{result['themes']:.0f}",
                fmt(result["nmi"], 3),
                fmt(result["ari"], 3),
                fmt(100 * result["no_theme"], 1),
            ]
        )
    print_table(["parameters", "themes", "NMI", "ARI", "no theme %"], rows)
    print(f"best on train: {describe(best)} (NMI {best_nmi:.3f})", flush=True)
    return best


def kmeans_reference(intents: list[str], vectors: F64) -> tuple[float, float]:
    found = KMeans(n_clusters=TRUE_K, n_init=10, random_state=0).fit_predict(vectors)
    return (
        float(normalized_mutual_info_score(intents, found)),
        float(adjusted_rand_score(intents, found)),
    )


def examples(fit: ThemeFit, texts: list[str], intents: list[str], count: int = 12) -> None:
    """Themes at evenly spaced size ranks (largest first): large themes tend to hold several
    related intents, small ones one."""
    print("\nthemes by size rank: label | main intent (share of the theme) | representative text")
    by_size = sorted(fit.themes, key=lambda t: -t.size)
    ranks = sorted({round(i * (len(by_size) - 1) / max(count - 1, 1)) for i in range(count)})
    for theme in (by_size[r] for r in ranks if by_size):
        members = np.flatnonzero(fit.clusters == theme.cluster).tolist()
        intent, n = Counter(intents[i] for i in members).most_common(1)[0]
        text = texts[theme.representatives[0]] if theme.representatives else ""
        print(f"  {theme.size:>4}  {theme.label} | {intent} ({n / len(members):.0%}) | {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_shared = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
    parser.add_argument("--shared", type=Path, default=default_shared)
    parser.add_argument("--cache", type=Path, default=None, help="Folder for embeddings.")
    parser.add_argument("--repeats", type=int, default=3, help="Fits timed per encoder.")
    parser.add_argument("--encoder", choices=["minilm", "static"], action="append")
    args = parser.parse_args()
    print_machine(machine_description())
    print(f"date     {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    train_texts, train_intents = read_split(args.shared, "train")
    test_texts, test_intents = read_split(args.shared, "test")
    cache = args.cache or Path("/nonexistent-cache")
    summary = []
    for name, encode in encoders().items():
        if args.encoder and name not in args.encoder:
            continue
        per_text = single_call_latencies(lambda text, e=encode: e([text]), test_texts[:300])
        train_vectors = embed(name, encode, train_texts, "train", cache)
        test_vectors = embed(name, encode, test_texts, "test", cache)
        chosen = sensitivity(name, train_texts, train_intents, train_vectors)
        defaults: Params = (MIN_CLUSTER_SIZE, MIN_SAMPLES, JOIN_THRESHOLD)
        for label, params in (("library defaults", defaults), ("best on train", chosen)):
            if label == "best on train" and params == defaults:
                continue
            fit_seconds, fit = [], None
            for _ in range(args.repeats):
                started = time.perf_counter()
                fit = fit_with(test_texts, test_vectors, params)
                fit_seconds.append(time.perf_counter() - started)
            assert fit is not None
            index = fit.index()
            assign = sorted(single_call_latencies(index.assign, list(test_vectors)))
            result = scores(test_intents, fit)
            summary.append(
                [
                    f"{name}, {label} ({describe(params)})",
                    f"{result['themes']:.0f}",
                    fmt(result["nmi"], 3),
                    fmt(result["ari"], 3),
                    fmt(100 * result["no_theme"], 1),
                    fmt(result["nmi_hdbscan_noise"], 3),
                    fmt(100 * result["hdbscan_noise"], 1),
                    fmt(result["nmi_themed_only"], 3),
                    fmt(median(fit_seconds), 2),
                    fmt(1e6 * percentile(assign, 0.5), 1),
                    fmt(1e6 * percentile(assign, 0.99), 1),
                    fmt(1e3 * median(per_text), 2),
                ]
            )
            if label == "library defaults":
                print(f"\nTEST split, {name}, library defaults")
                examples(fit, test_texts, test_intents)
        nmi, ari = kmeans_reference(test_intents, test_vectors)
        summary.append(
            [
                f"{name}, k-means told k={TRUE_K}",
                f"{TRUE_K}",
                fmt(nmi, 3),
                fmt(ari, 3),
                "0.0",
                "",
                "",
                "",
                "",
                "",
                "",
                fmt(1000.0 * median(per_text), 2),
            ]
        )
    print(f"\nTEST split ({len(test_texts)} items, {len(set(test_intents))} intents)")
    print_table(
        [
            "encoder, parameters",
            "themes",
            "NMI",
            "ARI",
            "no theme %",
            "NMI HDBSCAN",
            "HDBSCAN noise %",
            "NMI themed only",
            "fit s",
            "assign p50 µs",
            "assign p99 µs",
            "encode ms/text",
        ],
        summary,
    )


if __name__ == "__main__":
    main()
