"""Replay of four weeks of feedback through the whole service (issue 18): every item goes in
through `POST /v1/classify/batch` with its `created_at`, the pattern worker gives it a theme
and shows it to the burst detector, themes are re-fitted weekly on the items so far, and the
incidents come out of the database. Three bursts (an outage, a billing bug, a coordinated
rumour; tests/fixtures/replay_bursts.json) are injected into real background feedback, the
stream `benchmarks.incident_replay` builds.

    python -m benchmarks.service_replay [--background labelled|corpus] [--total 2000]
                                       [--database-url URL] [--model PATH]

Prints per burst: the incident holding most of its items, at which burst item and how many
minutes after its first item it opened, the share of its items linked; the incidents opened
on background (false incidents) with a few texts; themes found and items in no theme; the
worker's and the re-fits' cost. Needs both encoders (`make embeddings`) and a model file
(`make train`; otherwise one is trained from data/ first, about 30 s).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import select

from benchmarks.incident_replay import (
    BURST_STARTS,
    DAYS,
    START,
    Item,
    build_stream,
    corpus_background,
    labelled_background,
)
from core.settings import Settings, get_settings
from model.embeddings import default_encoder
from service.access.keys import create_key
from service.app import build_runtime, create_app
from service.db import migrate, transaction
from service.enums import Role
from service.patterns.encoders import theme_encoder_name
from service.patterns.flows import analyse_all
from service.runtime import Runtime
from service.tables import Incident, Theme
from service.tables import Item as StoredItem
from service.themes.refit import refit_themes

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REFIT_EVERY_DAYS = 7  # the service re-fits daily by default; weekly keeps the replay short
BATCH = 200


def model_file(path: Path | None, folder: Path) -> Path:
    """The given model, else the configured one (`make train`), else one trained now."""
    for candidate in (path, get_settings().model_path):
        if candidate is not None and candidate.exists():
            return candidate
    from model.rules import RedFlagRules
    from training.datasets import load_labelled
    from training.train import save_trained, train_model

    trained = train_model(
        train=load_labelled(PROJECT_ROOT / "data" / "train.csv"),
        calibration=load_labelled(PROJECT_ROOT / "data" / "calibration.csv"),
        rules=RedFlagRules(),
    )
    target = folder / "model.joblib"
    save_trained(trained, target)
    return target


def payload(item: Item) -> dict[str, Any]:
    return {
        "text": item.text,
        "source": item.source,
        "author": item.author,
        "account_id": f"account-{abs(hash(item.author)) % 150}",
        "created_at": item.at.isoformat(),
    }


def replay(runtime: Runtime, client: TestClient, key: str, items: Sequence[Item]) -> dict[str, Any]:
    """Feed the stream day by day; the worker drains each day; re-fit every week."""
    headers = {"Authorization": f"Bearer {key}"}
    ids: list[int] = []
    worker_seconds: list[float] = []
    refit_seconds: list[float] = []
    encode = default_encoder()
    for day in range(DAYS + 1):
        day_end = START + timedelta(days=day + 1)
        todays = [it for it in items[len(ids) :] if it.at < day_end]
        for begin in range(0, len(todays), BATCH):
            answer = client.post(
                "/v1/classify/batch",
                headers=headers,
                json={"items": [payload(it) for it in todays[begin : begin + BATCH]]},
            )
            answer.raise_for_status()
            ids.extend(result["id"] for result in answer.json()["items"])
        started = time.perf_counter()
        analyse_all(runtime)
        worker_seconds.append(time.perf_counter() - started)
        if (day + 1) % REFIT_EVERY_DAYS == 0 and day + 1 < DAYS:
            started = time.perf_counter()
            with transaction(runtime.factory) as session:
                refit_themes(
                    session,
                    encode=lambda texts: encode.encode(texts).astype(np.float32),
                    now=day_end,
                    window_days=28,
                    max_items=20_000,
                    actor="replay",
                    encoder_name=theme_encoder_name(),
                )
            refit_seconds.append(time.perf_counter() - started)
    return {"ids": ids, "worker_seconds": worker_seconds, "refit_seconds": refit_seconds}


def score(runtime: Runtime, items: Sequence[Item], ids: Sequence[int]) -> None:
    with transaction(runtime.factory) as session:
        stored = {
            row.id: (row.incident_id, row.theme_id)
            for row in session.execute(
                select(StoredItem.id, StoredItem.incident_id, StoredItem.theme_id)
            )
        }
        incidents = {i.id: i for i in session.scalars(select(Incident))}
        themes = session.scalars(select(Theme).where(Theme.status == "active")).all()
        for incident in incidents.values():
            session.expunge(incident)
    incident_of = [stored[i][0] for i in ids]
    print(f"{len(items)} items, {len(incidents)} incidents, {len(themes)} active themes")
    for name in sorted(BURST_STARTS, key=BURST_STARTS.__getitem__):
        members = [k for k, it in enumerate(items) if it.burst == name]
        holding = Counter(incident_of[k] for k in members if incident_of[k] is not None)
        if not holding:
            print(f"{name:12} size {len(members):3}  NOT DETECTED")
            continue
        main_id, linked = holding.most_common(1)[0]
        incident = incidents[main_id]
        first_at = items[members[0]].at
        opened_at = incident.opened_at.replace(tzinfo=first_at.tzinfo)
        detected_at = sum(items[k].at <= opened_at for k in members)
        foreign = sum(1 for k, inc in enumerate(incident_of) if inc == main_id) - linked
        print(
            f"{name:12} size {len(members):3}  incidents {sorted(holding)}  kind {incident.kind}  "
            f"owner {incident.owner}  opened at burst item {detected_at}, "
            f"{(opened_at - first_at).total_seconds() / 60:.1f} min after its first  "
            f"linked {linked / len(members):.0%}  other items linked {foreign}  "
            f"authors listed {len(incident.evidence.get('authors', []))}"
        )
    burst_ids = {
        inc for k, inc in enumerate(incident_of) if inc is not None and items[k].burst is not None
    }
    false = [i for i in incidents if i not in burst_ids]
    print(f"false incidents (mostly background): {len(false)}")
    for incident_id in false:
        texts = [items[k].text for k, inc in enumerate(incident_of) if inc == incident_id]
        incident = incidents[incident_id]
        print(f"  #{incident_id} {incident.kind} {len(texts)} items: {incident.reason}")
        for text in texts[:3]:
            print(f"    - {text[:140]!r}")
    unthemed = sum(stored[i][1] is None for i in ids)
    print(f"items in no theme: {unthemed} of {len(ids)} ({unthemed / len(ids):.1%})")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--background", choices=["labelled", "corpus"], default="labelled")
    parser.add_argument("--total", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/replay.db"
        background = (
            labelled_background() if args.background == "labelled" else corpus_background(3000)
        )
        items = build_stream(background, min(args.total, len(background) + 86), seed=args.seed)
        settings = Settings(
            database_url=url,
            model_source="file",
            model_path=model_file(args.model, Path(folder)),
            escalation_interval_seconds=0,
            patterns_interval_seconds=0,
            themes_refit_hours=0,
            audit_share=0.0,
        )
        migrate(url)
        runtime = build_runtime(settings)
        with transaction(runtime.factory) as session:
            key = create_key(session=session, role=Role.ADMIN, name="replay").key
        with TestClient(create_app(settings, runtime=runtime)) as client:
            started = time.perf_counter()
            done = replay(runtime, client, key, items)
            total = time.perf_counter() - started
        print(f"== service replay, {args.background} background, seed {args.seed}, {url} ==")
        score(runtime, items, done["ids"])
        per_day = done["worker_seconds"]
        refits = ", ".join(f"{s:.1f} s" for s in done["refit_seconds"])
        print(
            f"worker: {sum(per_day):.1f} s for {len(items)} items "
            f"({sum(per_day) / len(items) * 1000:.1f} ms per item; "
            f"median day {statistics.median(per_day):.2f} s); re-fits: {refits}; "
            f"whole replay {total:.0f} s"
        )
        runtime.engine.dispose()


if __name__ == "__main__":
    main()
