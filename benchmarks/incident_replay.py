"""Replay of a feedback stream through the burst detector (issue 18): three injected bursts
(an outage, a billing bug, a coordinated rumour; tests/fixtures/replay_bursts.json) in four
weeks of real background feedback with a daily rhythm.

Background A: the project's labelled real rows (data/real/train and data/real/calibration,
read in place). Background B: unlabelled real rows from ../shared/corpora (read in place,
rows already in data/real left out); these have no dates, so both are spread over the weeks.
Prints, per run: time to detect each burst (items and minutes), its link rate, the
incidents opened on background (with a few of their texts) and the per-observation cost.

    python -m benchmarks.incident_replay [--corpus-rows 3000]

Needs the static encoder's weights (`make embeddings`; TRIAGE_STATIC_EMBEDDINGS_DIR).
Themes: no themes library exists yet, so `stand_in_themes` derives theme ids with
scikit-learn's HDBSCAN fitted on the first two weeks of background, later items going to the
nearest cluster centroid within a threshold. It is a stand-in, not the themes feature.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sklearn.cluster import HDBSCAN

from model.incidents import (
    BurstConfig,
    BurstDetector,
    Close,
    Decision,
    Link,
    Observation,
    Open,
    Reclassify,
)
from model.static_embeddings import default_static_encoder

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BURSTS_JSON = PROJECT_ROOT / "tests" / "fixtures" / "replay_bursts.json"
REAL_DIRS = (
    PROJECT_ROOT / "data" / "real" / "train",
    PROJECT_ROOT / "data" / "real" / "calibration",
)
CORPORA = PROJECT_ROOT.parent / "shared" / "corpora"
START = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday
DAYS = 28
# Share of a day's items per hour (UTC): quiet nights, a working-day hump.
HOURLY = np.array(
    [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 7, 8, 8, 7, 6, 5, 4, 4, 3, 2, 2, 1], dtype=np.float64
)
WEEKDAY = np.array([1.0, 1.0, 1.0, 1.0, 0.9, 0.5, 0.4])  # Monday first
# When each burst starts: weeks three and four, after the stand-in themes are fitted.
BURST_STARTS = {
    "outage": START + timedelta(days=16, hours=9, minutes=10),
    "billing_bug": START + timedelta(days=20, hours=14, minutes=5),
    "rumour": START + timedelta(days=24, hours=19, minutes=40),
}
THEME_FIT_DAYS = 14
THEME_MATCH = 0.80  # raw cosine to a stand-in theme's centroid to belong to it


@dataclass(frozen=True)
class Item:
    item_id: str
    text: str
    at: datetime
    author: str
    source: str
    category: str
    burst: str | None  # the injected burst's name, None for background


def read_rows(paths: Sequence[Path]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def labelled_background() -> list[dict[str, str]]:
    """The project's labelled real rows: text, category, source."""
    return read_rows([p for d in REAL_DIRS for p in sorted(d.glob("*.csv"))])


def corpus_background(rows: int, seed: int = 7) -> list[dict[str, str]]:
    """Unlabelled real rows from ../shared/corpora that are not in data/real."""
    known = {row["id"] for row in labelled_background()}
    pool = [
        {"id": r["id"], "text": r["text"], "category": "unlabelled", "source": r["source_kind"]}
        for r in read_rows(sorted(CORPORA.glob("*.csv")))
        if r["id"] not in known
    ]
    picked = np.random.default_rng(seed).choice(len(pool), size=min(rows, len(pool)), replace=False)
    return [pool[i] for i in sorted(picked)]


def spread_times(count: int, rng: np.random.Generator) -> list[datetime]:
    """`count` arrival times over the weeks: weekday and hour-of-day rhythm."""
    day_weight = np.array([WEEKDAY[(START + timedelta(days=d)).weekday()] for d in range(DAYS)])
    days = rng.choice(DAYS, size=count, p=day_weight / day_weight.sum())
    hours = rng.choice(24, size=count, p=HOURLY / HOURLY.sum())
    seconds = rng.uniform(0, 3600, size=count)
    return sorted(
        START + timedelta(days=int(d), hours=int(h), seconds=float(s))
        for d, h, s in zip(days, hours, seconds, strict=True)
    )


def build_stream(background: Sequence[dict[str, str]], total: int, seed: int = 18) -> list[Item]:
    """Background rows at rhythmic times plus the three bursts, sorted by time."""
    rng = np.random.default_rng(seed)
    bursts = json.loads(BURSTS_JSON.read_text(encoding="utf-8"))["bursts"]
    injected: list[Item] = []
    for burst in bursts:
        texts: list[str] = burst["texts"]
        offsets = np.sort(rng.uniform(0, 50 * 60, size=len(texts)))  # within 50 minutes
        for i, (text, offset) in enumerate(zip(texts, offsets, strict=True)):
            injected.append(
                Item(
                    item_id=f"{burst['name']}-{i}",
                    text=text,
                    at=BURST_STARTS[burst["name"]] + timedelta(seconds=float(offset)),
                    author=f"{burst['name']}-author-{i}",
                    source=burst["sources"][i % len(burst["sources"])],
                    category=burst["category"],
                    burst=burst["name"],
                )
            )
    chosen = rng.choice(len(background), size=total - len(injected), replace=False)
    times = spread_times(len(chosen), rng)
    rows = [background[i] for i in chosen]
    items = [
        Item(
            r["id"], r["text"], at, f"author-{r['id']}", r["source"] or "other", r["category"], None
        )
        for r, at in zip(rows, times, strict=True)
    ]
    return sorted(items + injected, key=lambda item: (item.at, item.item_id))


def stand_in_themes(items: Sequence[Item], vectors: NDArray[np.float32]) -> list[int | None]:
    """STAND-IN for the themes library: HDBSCAN on the first two weeks' background; every
    item goes to the nearest cluster centroid when within THEME_MATCH, else no theme."""
    fit_end = START + timedelta(days=THEME_FIT_DAYS)
    fit = [i for i, item in enumerate(items) if item.at < fit_end and item.burst is None]
    labels = HDBSCAN(min_cluster_size=8, copy=True).fit_predict(vectors[fit])
    clusters = sorted(set(int(label) for label in labels) - {-1})
    themes: list[int | None] = [None] * len(items)
    if not clusters:
        return themes
    centroids = np.stack([vectors[fit][labels == c].mean(axis=0) for c in clusters])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    # Every item, the fitted ones included, by the same rule, as an online assignment would:
    # HDBSCAN's own labels are stricter, and a switch of rule would change the themes' rates.
    for index in range(len(items)):
        sims = centroids @ vectors[index]
        best = int(np.argmax(sims))
        themes[index] = clusters[best] if sims[best] >= THEME_MATCH else None
    return themes


@dataclass
class Replay:
    items: list[Item]
    themes: list[int | None]
    decisions: list[tuple[int, Decision]]  # (index of the item being observed, decision)
    seconds: list[float]  # per observation
    incident_items: dict[str, list[int]] = field(default_factory=dict)
    incident_kind: dict[str, str] = field(default_factory=dict)
    incident_open: dict[str, Open] = field(default_factory=dict)
    # authors and sources the detector lists for each incident, last seen while open
    incident_evidence: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(
        default_factory=dict
    )


def run(items: Sequence[Item], config: BurstConfig | None = None) -> Replay:
    encoder = default_static_encoder()
    vectors = encoder.encode([item.text for item in items]).astype(np.float32)
    themes = stand_in_themes(items, vectors)
    detector = BurstDetector(config or BurstConfig(), dim=vectors.shape[1])
    replay = Replay(list(items), themes, [], [])
    index_of = {item.item_id: i for i, item in enumerate(items)}
    for i, item in enumerate(items):
        obs = Observation(
            item.item_id, item.at, themes[i], vectors[i], item.author, item.source, item.category
        )
        started = time.perf_counter()
        decisions = detector.observe(obs)
        replay.seconds.append(time.perf_counter() - started)
        for decision in decisions:
            replay.decisions.append((i, decision))
            if isinstance(decision, Open):
                replay.incident_open[decision.incident_key] = decision
                replay.incident_kind[decision.incident_key] = decision.kind
                replay.incident_items[decision.incident_key] = [
                    index_of[x] for x in decision.item_ids
                ]
            elif isinstance(decision, Link):
                replay.incident_items[decision.incident_key].append(i)
            elif isinstance(decision, Reclassify):
                replay.incident_kind[decision.incident_key] = decision.kind
            if isinstance(decision, Open | Link):
                authors, sources, _ = detector.evidence(decision.incident_key)
                replay.incident_evidence[decision.incident_key] = (authors, sources)
    return replay


@dataclass(frozen=True)
class BurstScore:
    name: str
    size: int
    incidents: list[str]  # incidents holding any of its items
    main: str | None  # the one holding most of them
    kind: str | None
    detected_at_item: int | None  # 1-based position in the burst of the item that opened it
    minutes_to_detect: float | None
    link_rate: float
    foreign: int  # items of other bursts or background in its incident
    authors: tuple[str, ...]


def score(replay: Replay) -> tuple[list[BurstScore], list[str]]:
    """Per burst figures, and the incidents whose items are mostly background."""
    scores: list[BurstScore] = []
    names = sorted(
        {item.burst for item in replay.items if item.burst}, key=lambda n: BURST_STARTS[n]
    )
    opened_by = {d.incident_key: i for i, d in replay.decisions if isinstance(d, Open)}
    for name in names:
        members = [i for i, item in enumerate(replay.items) if item.burst == name]
        holding = Counter(
            key for key, idx in replay.incident_items.items() for i in idx if i in set(members)
        )
        main = holding.most_common(1)[0][0] if holding else None
        detected = minutes = None
        authors: tuple[str, ...] = ()
        if main is not None:
            opener = opened_by[main]
            if opener in members:
                detected = members.index(opener) + 1
            first = replay.items[members[0]].at
            minutes = (replay.items[opener].at - first).total_seconds() / 60
            authors = replay.incident_evidence[main][0]
        linked = holding[main] / len(members) if main else 0.0
        foreign = len(replay.incident_items[main]) - holding[main] if main else 0
        scores.append(
            BurstScore(
                name,
                len(members),
                sorted(holding),
                main,
                replay.incident_kind.get(main) if main else None,
                detected,
                minutes,
                linked,
                foreign,
                authors,
            )
        )
    background = [
        key
        for key, idx in replay.incident_items.items()
        if sum(replay.items[i].burst is None for i in idx) * 2 > len(idx)
    ]
    return scores, background


def report(title: str, replay: Replay) -> None:
    scores, background = score(replay)
    closes = sum(isinstance(d, Close) for _, d in replay.decisions)
    print(
        f"\n== {title}: {len(replay.items)} items, {len(replay.incident_items)} incidents, "
        f"{closes} closed idle =="
    )
    for s in scores:
        print(
            f"{s.name:12} size {s.size:3}  incidents {s.incidents}  kind {s.kind}  "
            f"detected at item {s.detected_at_item} after {s.minutes_to_detect:.1f} min  "
            f"linked {s.link_rate:.0%}  other items linked {s.foreign}  "
            f"authors listed {len(s.authors)}"
            if s.minutes_to_detect is not None
            else f"{s.name:12} size {s.size:3}  NOT DETECTED"
        )
    print(f"background incidents: {len(background)}")
    for key in background:
        opened = replay.incident_open[key]
        idx = replay.incident_items[key]
        print(
            f"  {key} ({opened.kind}, theme {opened.theme_id}, {len(idx)} items): {opened.reason}"
        )
        for i in idx[:4]:
            print(f"    - [{replay.items[i].item_id}] {replay.items[i].text[:140]!r}")
    ms = sorted(s * 1000 for s in replay.seconds)
    print(
        f"per observation: median {statistics.median(ms):.3f} ms, "
        f"p99 {ms[int(len(ms) * 0.99)]:.3f} ms, max {ms[-1]:.2f} ms"
    )
    themed = sum(t is not None for t in replay.themes)
    burst_themed = sum(
        t is not None for t, item in zip(replay.themes, replay.items, strict=True) if item.burst
    )
    print(
        f"stand-in themes: {themed} of {len(replay.items)} items themed; "
        f"{burst_themed} burst items got an existing theme"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus-rows", type=int, default=3000)
    args = parser.parse_args(argv)
    report("labelled real background", run(build_stream(labelled_background(), 2000)))
    corpus = corpus_background(args.corpus_rows)
    report(
        "../shared/corpora background",
        run(build_stream(corpus, len(corpus) + 86)),
    )


if __name__ == "__main__":
    main()
