"""Where the time of one `POST /v1/classify` goes, in process (no network, no load generator).

Part 1, a breakdown: median wall time per text (the calibration texts, cycled) of each layer,
from the model alone up to the whole request through Starlette's TestClient:
  rules `find_many([text])`, the classifier's `predict_proba`, the stock scikit-learn pipeline,
  `Triager.classify_many`, MLflow's pyfunc path (`classify_frame` on a one-row DataFrame, what
  `mlflow models serve` runs per request, without its HTTP layer), the authentication
  transaction, `flows.classify` (classify + route + store + commit), the full request.
Part 2: cProfile of the full-request loop, top functions by own time and by cumulative time.

    python -m benchmarks.profile_classify [--model PATH] [--database-url URL] [--requests 400]

Without --model it trains nothing: it uses TRIAGE_MODEL_PATH, else var/model.joblib.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import pstats
import secrets
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from benchmarks.common import (
    CALIBRATION_CSV,
    PROJECT_ROOT,
    calibration_texts,
    exact_command,
    percentile,
)


def _timed(run: Callable[[int], object], count: int, warmup: int = 30) -> dict[str, float]:
    for i in range(warmup):
        run(i)
    timings = []
    for i in range(count):
        started = time.perf_counter()
        run(warmup + i)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "p50": statistics.median(timings),
        "p90": percentile(timings, 0.9),
        "p99": percentile(timings, 0.99),
        "mean": sum(timings) / len(timings),
    }


IDLE = ("acquire' of '_thread.lock", "'poll' of 'select.epoll", "'select' of 'select.")


def _package(filename: str, function: str) -> str:
    """Where a profiled function lives: a site-packages distribution, a project package, or
    the interpreter (built-ins, with the function's name)."""
    if filename == "~":
        return f"builtin {function}"[:60]
    path = Path(filename)
    parts = path.parts
    if path.suffix in (".pyx", ".pxd"):  # Cython modules compiled with profiling hooks
        return f"{parts[0]} (Cython)"
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    if PROJECT_ROOT in path.parents:
        rel = path.relative_to(PROJECT_ROOT).parts
        return "/".join(rel[:2]) if len(rel) > 1 else rel[0]
    return f"stdlib {path.stem}"


def print_profile(stats: pstats.Stats, *, count: int, wall: float, top: int) -> None:
    """Own time per package (idle waits left out), then the top functions."""
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    by_package: dict[str, float] = {}
    busy = 0.0
    for (filename, _, function), (_, _, own, _, _) in raw.items():
        if any(marker in function for marker in IDLE):
            continue
        name = _package(filename, function)
        by_package[name] = by_package.get(name, 0.0) + own
        busy += own
    print(
        f"\ncProfile of {count} full requests in the server threads: {1000 * busy / count:.2f} ms "
        f"busy per request under the profiler (wall {1000 * wall / count:.2f} ms per request; "
        "cProfile inflates pure-Python code more than C code). Own time by package:\n"
    )
    print("| package or module | ms per request | share |")
    print("|---|---:|---:|")
    for name, own in sorted(by_package.items(), key=lambda kv: -kv[1])[:top]:
        print(f"| {name} | {1000 * own / count:.3f} | {100 * own / busy:.1f} % |")
    for order in ("tottime", "cumulative"):
        stream = io.StringIO()
        stats.stream = stream  # type: ignore[attr-defined]
        stats.sort_stats(order).print_stats(top)
        print(f"\nTop {top} functions by {order} (seconds over {count} requests):")
        lines = stream.getvalue().splitlines()
        first = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        print(
            "\n".join(
                line.replace(str(PROJECT_ROOT) + "/", "") for line in lines[first:] if line.strip()
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, help="model artifact (default TRIAGE_MODEL_PATH)")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    parser.add_argument("--requests", type=int, default=400, help="per measured layer")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--texts-csv", type=Path, default=CALIBRATION_CSV)
    args = parser.parse_args(argv)

    import pandas as pd
    from fastapi.testclient import TestClient
    from pydantic import SecretStr

    from core.settings import Settings, get_settings
    from model.artifact import load_triager, read_artifact
    from model.records import FeedbackItem
    from service.access.keys import authenticate
    from service.app import create_app
    from service.db import migrate, transaction
    from service.items import flows
    from service.items.schemas import ItemIn
    from training.pyfunc import classify_frame

    print(f"Command: {exact_command('benchmarks.profile_classify')}")
    texts = calibration_texts(args.texts_csv)
    model_path = args.model or get_settings().model_path
    work = Path(tempfile.mkdtemp(prefix="triage-profile-"))
    database_url = args.database_url or f"sqlite:///{work / 'profile.db'}"
    key = "rt_profile_" + secrets.token_urlsafe(16)
    settings = Settings(
        model_source="file",
        model_path=model_path,
        database_url=database_url,
        bootstrap_admin_key=SecretStr(key),
        escalation_interval_seconds=0,
        mlflow_dir=work / "mlflow",
    )
    migrate(database_url)
    triager = load_triager(model_path)
    classifier, _ = read_artifact(model_path)  # the scikit-learn pipeline, for comparison
    assert classifier is not None and classifier.features is not None
    items = [FeedbackItem(text=t) for t in texts]
    n = len(texts)
    headers = {"Authorization": f"Bearer {key}"}
    counter = {"id": 0}

    def body(i: int) -> dict[str, Any]:
        counter["id"] += 1
        return {"text": texts[i % n], "external_id": f"profile-{counter['id']}"}

    rows: list[tuple[str, dict[str, float]]] = []
    count = args.requests
    rows.append(
        (
            "rules: find_many([text])",
            _timed(lambda i: triager.rules.find_many([texts[i % n]]), count),
        )
    )
    rows.append(
        (
            "classifier.predict_proba([item])",
            _timed(lambda i: classifier.predict_proba([items[i % n]]), count),
        )
    )
    pipeline = getattr(classifier, "pipeline_proba", None)
    if pipeline is not None:
        rows.append(
            (
                "classifier.pipeline_proba (stock sklearn)",
                _timed(lambda i: pipeline([items[i % n]]), count),
            )
        )
    features = classifier.features
    heads = classifier.heads

    def stock(i: int) -> None:
        matrix = features.transform([items[i % n]])
        for head in heads.values():
            head.predict_proba(matrix) if hasattr(
                head, "predict_proba"
            ) else head.decision_function(matrix)

    rows.append(("plain peer's work: transform + 2x predict_proba", _timed(stock, count)))
    rows.append(
        (
            "Triager.classify_many([item])",
            _timed(lambda i: triager.classify_many([items[i % n]]), count),
        )
    )
    rows.append(
        (
            "mlflow pyfunc: classify_frame(1-row DataFrame)",
            _timed(
                lambda i: classify_frame(triager, pd.DataFrame([{"text": texts[i % n]}])), count
            ),
        )
    )

    app = create_app(settings)
    with TestClient(app) as client:
        runtime = app.state.runtime

        def auth(_: int) -> None:
            with transaction(runtime.factory) as session:
                authenticate(session=session, key=key)

        rows.append(("auth: key lookup transaction", _timed(auth, count)))
        principal = None
        with transaction(runtime.factory) as session:
            principal = authenticate(session=session, key=key)
        actor = principal.actor
        rows.append(
            (
                "flows.classify (classify+route+store+commit)",
                _timed(lambda i: flows.classify(runtime, [ItemIn(**body(i))], actor), count),
            )
        )
        # The same with the model's and rules' answers computed beforehand: what is left is
        # validation, routing, the ORM inserts, the commit and building the response.
        answers = dict(zip(texts, triager.classify_many(items), strict=True))
        known = SimpleNamespace(classify_many=lambda batch: [answers[item.text] for item in batch])
        stored_only = dataclasses.replace(runtime, holder=SimpleNamespace(triager=known))
        rows.append(
            (
                "flows.classify, answers precomputed (route+store+commit+response)",
                _timed(lambda i: flows.classify(stored_only, [ItemIn(**body(i))], actor), count),
            )
        )
        # What batching concurrent requests would buy: 32 items in one call / one transaction,
        # timed per batch and reported per item.
        size = 32
        batches = max(count // size, 10)

        def per_item(figures: dict[str, float]) -> dict[str, float]:
            return {k: v / size for k, v in figures.items()}

        def batch_items(i: int) -> list[FeedbackItem]:
            return [items[(i * size + j) % n] for j in range(size)]

        rows.append(
            (
                f"Triager.classify_many({size} items), per item",
                per_item(_timed(lambda i: triager.classify_many(batch_items(i)), batches, 3)),
            )
        )
        rows.append(
            (
                f"flows.classify({size} items, one transaction), per item",
                per_item(
                    _timed(
                        lambda i: flows.classify(
                            runtime, [ItemIn(**body(i * size + j)) for j in range(size)], actor
                        ),
                        batches,
                        3,
                    )
                ),
            )
        )

        def request(on: TestClient, i: int) -> None:
            response = on.post("/v1/classify", json=body(i), headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code}: {response.text[:300]}")

        rows.append(
            ("POST /v1/classify via TestClient (full)", _timed(lambda i: request(client, i), count))
        )
        rows.append(
            (
                "GET /healthz via TestClient (framework floor)",
                _timed(lambda _: client.get("/healthz"), count),
            )
        )

        print(
            f"\nIn-process wall time per text, ms ({count} calls each after 30 warm-up; "
            f"database {database_url.split(':', 1)[0]}; model {model_path})\n"
        )
        print("| layer | p50 | p90 | p99 | mean |")
        print("|---|---:|---:|---:|---:|")
        for name, figures in rows:
            print(
                f"| {name} | {figures['p50']:.3f} | {figures['p90']:.3f} | {figures['p99']:.3f} "
                f"| {figures['mean']:.3f} |"
            )

    # Part 2: the app runs in TestClient's event-loop thread and the sync dependencies and
    # endpoint in its worker threads, so each new thread gets a profiler of its own (the
    # main thread only drives the client and is left out). Warm-up statistics are cleared.
    profiles: list[cProfile.Profile] = []

    def start_profiler(*_: object) -> None:
        profiler = cProfile.Profile()
        profiles.append(profiler)
        profiler.enable()

    threading.setprofile(start_profiler)
    try:
        with TestClient(create_app(settings)) as client:
            threading.setprofile(None)
            for i in range(30):
                request(client, i)
            for profiler in profiles:
                profiler.clear()
            started = time.perf_counter()
            for i in range(count):
                request(client, i)
            wall = time.perf_counter() - started
    finally:
        threading.setprofile(None)
    stats = pstats.Stats(*profiles) if profiles else None
    if stats is None:
        print("no thread was profiled")
        return 1
    print_profile(stats, count=count, wall=wall, top=args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
