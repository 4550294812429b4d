"""The managers' figures (`service.metrics.service.compute_metrics`, GET /v1/metrics) on a large
database: seconds per call and peak Python memory, SQLite and PostgreSQL.

    python -m benchmarks.metrics_speed [--items 100000] [--repeats 5] [--postgres URL|skip]
                                       [--dump DIR]

A seeded, varied database of `--items` items over 90 days (1-2 predictions each, one in ten
with red flags, a third reviewed, one in twenty escalated) is written to a temporary SQLite
file and, when reachable, to a temporary schema on PostgreSQL (dropped afterwards). Two ranges
are timed: the whole 90 days and the last 28 (the dashboard's default), day buckets. After one
warm-up call, each is called `--repeats` times; the median is printed. Peak memory is
tracemalloc's peak over one more call (Python allocations only: the database's own memory
and the driver's C buffers are not counted). `--dump DIR` writes each answer as JSON (the
clock is fixed), so two runs on different code can be compared with `diff`.

Measured 2026-12-05 on one shared machine (Intel Xeon, 2 cores, other jobs running; load
average 0.7-2.3 at the start), one run right after the other, 100,000 items, median of 5:
the Python aggregation (commit 6fa3999, which read every row in range into Python) against
the SQL aggregation of this branch (aa6a0ed, code identical to the merge after it). Peak is
tracemalloc's.

| database, range          | Python rows: s / peak MiB | SQL: s / peak MiB |
|---------------------------|--------------------------:|------------------:|
| SQLite, all 90 days       |               3.15 / 95.1 |       1.87 / 25.5 |
| SQLite, last 28 days      |               0.80 / 29.5 |        0.59 / 8.1 |
| PostgreSQL, all 90 days   |               2.76 / 91.2 |       1.37 / 22.9 |
| PostgreSQL, last 28 days  |               0.81 / 28.3 |        0.45 / 8.2 |

The four answers (--dump) were byte-for-byte identical between the two runs. Compare the two
columns of one run, not figures across runs: the load changes by the minute. An earlier pair
under load 3-4, with the first SQL version (f7c2190: three separate GROUP BY passes over the
items), gave SQLite 90 days 2.90 s (Python) against 3.70 s (SQL), PostgreSQL 4.58 against
1.56 s. SQLite walks ix_items_received for every range (ANALYZE does not change that), about
twice the cost of a plain scan when the range holds every row, so each pass over the items
counts; hence the one pass.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, create_engine, insert, text
from sqlalchemy.orm import Session

from benchmarks.common import DEFAULT_POSTGRES_URL, machine_description, print_machine
from service.db import migrate
from service.metrics.resolution import resolution_figures
from service.metrics.service import compute_metrics
from service.routing.resolution import DEFAULT_ROOT_CAUSES
from service.tables import Event, Item, Prediction, Review

START = datetime(2024, 1, 1, tzinfo=UTC)
DAYS = 90
NOW = START + timedelta(days=DAYS + 1)  # fixed, so --dump files compare
CHUNK = 5_000
SEVERITIES = ["green"] * 12 + ["yellow"] * 5 + ["red"] * 3
CATEGORIES = ["complaint", "review", "service_issue", "question", "billing", None]
SOURCES = ["g2", "capterra", "trustpilot", "email", "linkedin", "twitter", "reddit", None]
STATUSES = ["new", "needs_review", "routed", "acknowledged", "resolved", "dismissed"]
FAMILIES = ["legal", "security", "fraud", "safety"]
VERSIONS = ["m-1", "m-2", "m-3"]


def _rows(count: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(table, rows) in chunks, deterministic for a given count. Ids are given so predictions
    and reviews can point at them."""
    rng = random.Random(17)
    # Closing times and root causes from their own stream: the items above stay as they were.
    closing = random.Random(29)
    prediction_id = review_id = 0
    for first in range(1, count + 1, CHUNK):
        items, predictions, reviews, events = [], [], [], []
        for item_id in range(first, min(first + CHUNK, count + 1)):
            received = START + timedelta(seconds=rng.randrange(DAYS * 86400))
            acknowledged = rng.random() < 0.5
            severity = rng.choice(SEVERITIES)
            items.append(
                {
                    "id": item_id,
                    "text": "benchmark item",
                    "decision": "needs_review",
                    "owner": "support",
                    "response_rule": "public_reply",
                    "routing_rule": "benchmark",
                    "policy_version": "benchmark",
                    "rules_version": "benchmark",
                    "received_at": received,
                    "status": rng.choice(STATUSES),
                    "severity": severity,
                    "category": rng.choice(CATEGORIES),
                    "source": rng.choice(SOURCES),
                    "account_id": f"acct-{rng.randrange(2000)}" if rng.random() < 0.8 else None,
                    "acknowledged_at": (
                        received + timedelta(seconds=rng.randrange(60, 200_000), microseconds=7)
                        if acknowledged
                        else None
                    ),
                    "due_at": received + timedelta(hours=rng.choice([4, 24, 72])),
                }
            )
            resolved = items[-1]["status"] == "resolved"  # every row names the same columns
            closed_after = timedelta(seconds=closing.randrange(600, 900_000))
            items[-1]["closed_at"] = received + closed_after if resolved else None
            items[-1]["root_cause"] = closing.choice(DEFAULT_ROOT_CAUSES) if resolved else None
            for _ in range(rng.choice([1, 1, 1, 2])):
                prediction_id += 1
                flags = (
                    [{"family": rng.choice(FAMILIES), "rule": "r", "phrase": "p"}]
                    if rng.random() < 0.1
                    else []
                )
                predictions.append(
                    {
                        "id": prediction_id,
                        "item_id": item_id,
                        "created_at": received,
                        "rules_version": "benchmark",
                        "decision": "needs_review",
                        "category": "complaint",
                        "severity": severity,
                        "model_severity": rng.choice(SEVERITIES),
                        "red_flags": flags,
                    }
                )
            if rng.random() < 0.33:
                review_id += 1
                reviews.append(
                    {
                        "id": review_id,
                        "item_id": item_id,
                        "prediction_id": prediction_id,
                        "created_at": received,
                        "actor_type": "human",
                        "actor": "benchmark",
                        "action": "correct",
                        "category": rng.choice(CATEGORIES[:5]),
                        "severity": rng.choice(SEVERITIES),
                        "model_category": rng.choice(CATEGORIES[:5]),
                        "proposed_severity": rng.choice(SEVERITIES),
                        "model_version": rng.choice(VERSIONS),
                    }
                )
            kinds = ["classified", "routed"] + ["escalated"] * (rng.random() < 0.05)
            events += [
                {
                    "item_id": item_id,
                    "created_at": received,
                    "kind": kind,
                    "actor_type": "system",
                    "actor": "benchmark",
                }
                for kind in kinds
            ]
        yield "items", items
        yield "predictions", predictions
        yield "reviews", reviews
        yield "events", events


def seed(engine: Engine, count: int) -> float:
    """Write the benchmark's rows; returns seconds taken."""
    tables = {
        model.__tablename__: cast(Table, model.__table__)
        for model in (Item, Prediction, Review, Event)
    }
    started = time.perf_counter()
    with engine.begin() as connection:
        for name, rows in _rows(count):
            if rows:
                connection.execute(insert(tables[name]), rows)
        if engine.dialect.name == "postgresql":  # what autovacuum would have done by now
            connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


RANGES = {
    f"all {DAYS} days": (START, START + timedelta(days=DAYS)),
    "last 28 days": (START + timedelta(days=DAYS - 28), START + timedelta(days=DAYS)),
}


def _call(engine: Engine, received_from: datetime, received_to: datetime) -> dict[str, Any]:
    with Session(engine) as session:
        return compute_metrics(
            session=session,
            received_from=received_from,
            received_to=received_to,
            bucket="day",
            now=NOW,
        ).model_dump()


def _call_resolution(
    engine: Engine, received_from: datetime, received_to: datetime
) -> dict[str, Any]:
    """The `resolution` section (time to resolve and acknowledge, root causes), which
    GET /v1/metrics computes beside compute_metrics' figures."""
    with Session(engine) as session:
        return resolution_figures(
            session=session,
            received_from=received_from,
            received_to=received_to,
            taxonomy=DEFAULT_ROOT_CAUSES,
        ).model_dump()


def _median_seconds(call: Any, repeats: int) -> tuple[float, list[float]]:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), timings


def measure(engine: Engine, repeats: int, dump: Path | None, backend: str) -> None:
    for name, bounds in RANGES.items():
        answer = _call(engine, *bounds)  # warm-up: the pool, statement caches, the OS cache
        median, timings = _median_seconds(lambda bounds=bounds: _call(engine, *bounds), repeats)
        resolution = _call_resolution(engine, *bounds)  # warm-up
        resolution_median, _ = _median_seconds(
            lambda bounds=bounds: _call_resolution(engine, *bounds), repeats
        )
        tracemalloc.start()
        _call(engine, *bounds)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        runs = ", ".join(f"{t:.3f}" for t in timings)
        print(
            f"  {name:>13}: {answer['items']:>7,} items  median {median:.3f} s"
            f"  (runs {runs})  peak Python memory {peak / 2**20:.1f} MiB;"
            f"  resolution section median {resolution_median:.3f} s"
            f" ({resolution['overall']['resolved']:,} resolved)",
            flush=True,
        )
        if dump is not None:
            dump.mkdir(parents=True, exist_ok=True)
            path = dump / f"{backend}-{name.replace(' ', '_')}.json"
            path.write_text(json.dumps(answer, indent=1, sort_keys=True) + "\n")


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A URL on a new schema of the server at `base`, dropped on the way out."""
    schema = f"bench_metrics_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in base else "?"
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(url: str, backend: str, args: argparse.Namespace) -> None:
    migrate(url)
    engine = create_engine(url)
    try:
        print(f"{backend}: seeding {args.items:,} items ...", flush=True)
        print(f"  seeded in {seed(engine, args.items):.1f} s", flush=True)
        measure(engine, args.repeats, args.dump, backend)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES_URL, help="URL, or 'skip'")
    parser.add_argument("--dump", type=Path, default=None, help="write each answer here")
    args = parser.parse_args()
    print_machine(machine_description())
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'metrics.db'}", "sqlite", args)
    if args.postgres == "skip":
        return
    try:
        create_engine(args.postgres).connect().close()
    except Exception as error:  # unreachable: say so and stop, SQLite was measured
        print(f"postgresql: not reachable ({type(error).__name__}); skipped")
        return
    with postgres_schema(args.postgres) as url:
        run(url, "postgresql", args)


if __name__ == "__main__":
    main()
