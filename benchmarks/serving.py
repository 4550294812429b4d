"""HTTP serving benchmark: our `POST /v1/classify` (persisting on SQLite and on PostgreSQL)
side by side with two peers on the same model and the same texts, in one run.

    python -m benchmarks.serving [--store DIR] [--requests 2000] [--duration-limit 30]
                                 [--concurrency 1 32] [--only ours-sqlite ours-postgres ...]

1. A temporary MLflow store (TRIAGE_MLFLOW_DIR): `triage train --family tfidf_logreg --out
   STORE/model.joblib` and `triage promote` (about 40 s); `--store DIR` keeps and reuses it.
2. Servers, one at a time, each a single process on loopback, each stopped (SIGTERM) before
   the next starts:
   - ours-sqlite:   `triage serve`, TRIAGE_MODEL_SOURCE=file, a fresh SQLite file;
   - ours-postgres: the same on PostgreSQL, in a fresh schema, dropped afterwards;
   - mlflow:        `mlflow models serve -m models:/review-triage@champion --env-manager local`
                    (`POST /invocations`, {"dataframe_records": [{"text": ...}]});
   - plain:         uvicorn benchmarks.peer_app:app (`POST /predict`, {"text": ...}): the
                    artifact's scikit-learn pipeline, stock calls, nothing else;
   - only with --only: ours-sqlite-2w, ours-postgres-2w: `triage serve --workers 2`, a
                    process per core; floor: the plain peer's `POST /noop`, which validates
                    the body and answers without a model: what HTTP and FastAPI cost here.
3. Per server and concurrency: a warm-up, then a measured closed-loop run, each by
   `python -m benchmarks.http_load` in a process of its own (bounded by count and time).
   Texts: data/calibration.csv, cycled in file order, one per request. Our requests carry a
   unique `external_id`, so each one classifies, routes and commits a new item; the stored
   count is checked at the end.
4. CPU while measuring, from /proc: the server's processes (and, of that, their main
   threads: in an asyncio server the event loop, i.e. HTTP, the framework and handing work to
   other threads), the load generator, PostgreSQL's backends, and everything else on the
   machine ("other", i.e. interference).

With `--rounds N` every server is measured N times, interleaved (ours-sqlite, ours-postgres,
mlflow, plain, then again), and the round with the median req/s is reported: on a shared
machine this keeps one disturbed run from deciding a ratio.

Prints the machine, the exact command, a Markdown table, ratios to the peers and the targets.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import (
    CALIBRATION_CSV,
    DEFAULT_POSTGRES_URL,
    VENV_BIN,
    ModelStore,
    Server,
    calibration_texts,
    cpu_seconds_of_command,
    exact_command,
    fmt,
    free_port,
    machine_busy_ticks,
    machine_description,
    median,
    prepare_store,
    print_machine,
    print_table,
    ratio,
    tree_cpu_seconds,
    tree_main_thread_cpu_seconds,
    tree_rss_mib,
    venv_env,
)

TARGETS = ("ours-sqlite", "ours-postgres", "mlflow", "plain")
# Not run by default: the service's app in 2 worker processes (one per core), to show what a
# second process gives (`triage serve` itself runs one); and the floor, a no-op FastAPI
# endpoint in the peer's process (no model, no storage): what HTTP and the framework cost here.
EXTRA_TARGETS = ("ours-sqlite-2w", "ours-postgres-2w", "floor")
OURS = ("ours-sqlite", "ours-postgres", "ours-sqlite-2w", "ours-postgres-2w")
LABELS = {
    "ours-sqlite": "ours, SQLite",
    "ours-postgres": "ours, PostgreSQL",
    "ours-sqlite-2w": "ours, SQLite, 2 workers",
    "ours-postgres-2w": "ours, PostgreSQL, 2 workers",
    "mlflow": "mlflow models serve",
    "plain": "plain FastAPI + sklearn",
    "floor": "floor: FastAPI no-op",
}
# Targets of the speed issue (2-core machine).
TARGET_RPS_RATIO = 3.0
TARGET_P99_MS = 20.0


@dataclass
class Target:
    key: str
    server: Server
    url: str
    shape: str
    unique_field: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    items_url: str | None = None
    workers: int = 1


@dataclass
class CpuWindow:
    """CPU seconds over one load-generator run, and the run's wall-clock length."""

    server_s: float
    server_main_threads_s: float  # the server processes' event loops
    client_s: float
    postgres_s: float
    machine_busy_s: float
    window_s: float


@dataclass
class Phase:
    target: str
    concurrency: int
    load: dict[str, Any]
    cpu: CpuWindow

    @property
    def completed(self) -> int:
        value: int = self.load["completed"]
        return value

    def per_request_ms(self, seconds: float) -> float | None:
        return round(1000 * seconds / self.completed, 3) if self.completed else None

    def as_dict(self) -> dict[str, Any]:
        cpu = self.cpu
        duration = self.load["duration_s"] or float("nan")
        other = cpu.machine_busy_s - cpu.server_s - cpu.client_s - cpu.postgres_s
        return {
            "target": self.target,
            "concurrency": self.concurrency,
            "load": self.load,
            "server_cpu_s": round(cpu.server_s, 3),
            "server_cpu_ms_per_request": self.per_request_ms(cpu.server_s),
            "server_main_threads_cpu_ms_per_request": self.per_request_ms(
                cpu.server_main_threads_s
            ),
            "server_cores": round(cpu.server_s / duration, 3),
            "client_cpu_s_with_start": round(cpu.client_s, 3),
            "postgres_cpu_s": round(cpu.postgres_s, 3),
            "postgres_cpu_ms_per_request": self.per_request_ms(cpu.postgres_s),
            "machine_busy_cores": round(cpu.machine_busy_s / cpu.window_s, 3),
            "other_cores": round(max(other, 0.0) / cpu.window_s, 3),
            "window_s": round(cpu.window_s, 3),
        }


@dataclass
class Outcome:
    target: str
    ready_s: float | None = None
    rss_ready_mib: float | None = None
    rss_end_mib: float | None = None
    phases: list[dict[str, Any]] = field(default_factory=list)
    stored: int | None = None
    expected_stored: int | None = None
    sample: dict[str, Any] | None = None
    stop: str = ""
    skipped: str | None = None
    error: str | None = None


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_generator(
    target: Target,
    *,
    concurrency: int,
    requests: int,
    duration_limit: float,
    client: str,
    texts_csv: Path,
    timeout: float = 30.0,
) -> tuple[dict[str, Any], CpuWindow]:
    """One load-generator process; returns its JSON and the CPU seconds of server (and of its
    main threads), generator, PostgreSQL and the whole machine over its run."""
    args = [
        sys.executable,
        "-m",
        "benchmarks.http_load",
        "--url",
        target.url,
        "--concurrency",
        str(concurrency),
        "--requests",
        str(requests),
        "--duration-limit",
        str(duration_limit),
        "--texts-csv",
        str(texts_csv),
        "--shape",
        target.shape,
        "--client",
        client,
        "--timeout",
        str(timeout),
    ]
    if target.unique_field:
        args += ["--unique-field", target.unique_field]
    for name, value in target.headers.items():
        args += ["--header", f"{name}: {value}"]
    server_before = tree_cpu_seconds(target.server.pid)
    main_threads_before = tree_main_thread_cpu_seconds(target.server.pid)
    postgres_before = cpu_seconds_of_command("postgres")
    client_before = _children_cpu()
    busy_before, _ = machine_busy_ticks()
    window_start = time.perf_counter()
    done = subprocess.run(
        args,
        env=venv_env(),
        capture_output=True,
        text=True,
        timeout=duration_limit + timeout + 60,
        check=False,
    )
    window = time.perf_counter() - window_start
    busy_after, _ = machine_busy_ticks()
    cpu = CpuWindow(
        server_s=tree_cpu_seconds(target.server.pid) - server_before,
        server_main_threads_s=tree_main_thread_cpu_seconds(target.server.pid) - main_threads_before,
        client_s=_children_cpu() - client_before,
        postgres_s=cpu_seconds_of_command("postgres") - postgres_before,
        machine_busy_s=(busy_after - busy_before) / os.sysconf("SC_CLK_TCK"),
        window_s=window,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result, cpu


def _sample(target: Target, text: str) -> dict[str, Any]:
    """The server's answer to one text (a sanity check that all answer the same model)."""
    body: dict[str, Any] = (
        {"dataframe_records": [{"text": text}]}
        if target.shape == "dataframe_records"
        else {"text": text}
    )
    if target.unique_field:
        body[target.unique_field] = f"bench-sample-{uuid.uuid4().hex}"
    response = httpx.post(target.url, json=body, headers=target.headers, timeout=30)
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    if "predictions" in data:
        data = data["predictions"][0]
    return {
        "category": data.get("category"),
        "severity": data.get("severity"),
        "decision": data.get("decision"),
        "model_version": data.get("model_version"),
    }


def _stored_items(target: Target) -> int | None:
    if target.items_url is None:
        return None
    response = httpx.get(target.items_url, headers=target.headers, timeout=30)
    response.raise_for_status()
    total: int = response.json()["total"]
    return total


# ---- the servers ------------------------------------------------------------------------------

# Folders put first on every server's PYTHONPATH (--server-pythonpath), e.g. to try uvloop and
# httptools, which uvicorn uses when it finds them, without installing them into the venv.
SERVER_PYTHONPATH: list[str] = []


def server_env(extra: dict[str, str]) -> dict[str, str]:
    env = venv_env(extra)
    if SERVER_PYTHONPATH:
        env["PYTHONPATH"] = os.pathsep.join([*SERVER_PYTHONPATH, env["PYTHONPATH"]])
    return env


def _ours(
    key: str, tag: str, store: ModelStore, work: Path, database_url: str, *, workers: int = 1
) -> Target:
    port = free_port()
    admin_key = "rt_bench_" + secrets.token_urlsafe(24)
    env = server_env(
        {
            "TRIAGE_MODEL_SOURCE": "file",
            "TRIAGE_MODEL_PATH": str(store.model_path),
            "TRIAGE_MLFLOW_DIR": str(store.mlflow_dir),
            "TRIAGE_DATABASE_URL": database_url,
            "TRIAGE_BOOTSTRAP_ADMIN_KEY": admin_key,
            "TRIAGE_ESCALATION_INTERVAL_SECONDS": "0",
            "TRIAGE_HOST": "127.0.0.1",
        }
    )
    env.pop("MLFLOW_TRACKING_URI", None)
    args = [str(VENV_BIN / "triage"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--workers", str(workers)]
    server = Server(
        name=key,
        args=args,
        env=env,
        log_path=work / f"{tag}.log",
        ready_url=f"http://127.0.0.1:{port}/readyz",
    )
    return Target(
        key=key,
        server=server,
        url=f"http://127.0.0.1:{port}/v1/classify",
        shape="text",
        unique_field="external_id",
        headers={"Authorization": f"Bearer {admin_key}"},
        items_url=f"http://127.0.0.1:{port}/v1/items?limit=1",
        workers=workers,
    )


def _wait_workers(server: Server, workers: int, timeout: float) -> float:
    """Seconds from process start until every worker logged that its start-up completed."""
    deadline = server.started_at + timeout
    while server.log_tail(10_000).count("Application startup complete") < workers:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{server.name}: not all {workers} workers started")
        time.sleep(0.02)
    return time.perf_counter() - server.started_at


@contextlib.contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A fresh schema for one run (the tests' way), dropped afterwards."""
    from sqlalchemy import create_engine, text

    schema = f"triage_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in base_url else "?"
        yield f"{base_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with contextlib.suppress(Exception), admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _postgres_version(base_url: str) -> str | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(base_url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar())
    except Exception as exc:
        print(f"  PostgreSQL at {base_url} is not reachable: {type(exc).__name__}: {exc}")
        return None
    finally:
        engine.dispose()


def _mlflow(tag: str, store: ModelStore, work: Path) -> Target:
    port = free_port()
    env = server_env({"MLFLOW_TRACKING_URI": store.tracking_uri})
    server = Server(
        name="mlflow",
        args=[
            str(VENV_BIN / "mlflow"),
            "models",
            "serve",
            "-m",
            "models:/review-triage@champion",
            "--env-manager",
            "local",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        env=env,
        log_path=work / f"{tag}.log",
        ready_url=f"http://127.0.0.1:{port}/ping",
    )
    return Target("mlflow", server, f"http://127.0.0.1:{port}/invocations", "dataframe_records")


def _plain(tag: str, store: ModelStore, work: Path, *, key: str = "plain") -> Target:
    """The plain peer (`POST /predict`), or with key "floor" its no-op (`POST /noop`)."""
    port = free_port()
    server = Server(
        name=key,
        args=[
            str(VENV_BIN / "uvicorn"),
            "benchmarks.peer_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=server_env({"PEER_MODEL_PATH": str(store.model_path)}),
        log_path=work / f"{tag}.log",
        ready_url=f"http://127.0.0.1:{port}/ping",
    )
    path = "/noop" if key == "floor" else "/predict"
    return Target(key, server, f"http://127.0.0.1:{port}{path}", "text")


# ---- one server through its phases -----------------------------------------------------------


def measure(
    target: Target,
    args: argparse.Namespace,
    *,
    deadline: float,
    sample_text: str,
) -> Outcome:
    outcome = Outcome(target.key)
    server = target.server
    print(f"\n== {LABELS[target.key]}: {' '.join(server.args[:3])} ...", flush=True)
    server.start()
    try:
        expect = "ready" if target.items_url else None
        outcome.ready_s = server.wait_ready(timeout=args.start_timeout, expect_status=expect)
        if target.workers > 1:
            outcome.ready_s = _wait_workers(server, target.workers, args.start_timeout)
        outcome.rss_ready_mib = round(tree_rss_mib(server.pid), 1)
        print(
            f"  ready {outcome.ready_s:.2f} s after process start, RSS {outcome.rss_ready_mib} MiB"
        )
        outcome.sample = _sample(target, sample_text)
        accepted = 1
        for concurrency in args.concurrency:
            budget = args.duration_limit + 60
            if time.monotonic() + budget > deadline:
                print(f"  c={concurrency}: skipped, the time budget is spent")
                continue
            warm, *_ = run_generator(
                target,
                concurrency=concurrency,
                requests=args.warmup,
                duration_limit=args.duration_limit,
                client=args.client,
                texts_csv=args.texts_csv,
            )
            accepted += warm["ok"]
            load, cpu = run_generator(
                target,
                concurrency=concurrency,
                requests=args.requests,
                duration_limit=args.duration_limit,
                client=args.client,
                texts_csv=args.texts_csv,
            )
            accepted += load["ok"]
            phase = Phase(target.key, concurrency, load, cpu)
            figures = phase.as_dict()
            figures["warmup_errors"] = warm["errors"]
            outcome.phases.append(figures)
            latency = load["latency_ms"]
            print(
                f"  c={concurrency:<3} {load['completed']} req in {load['duration_s']:.1f} s: "
                f"{load['rps']:.1f} req/s, p50 {latency['p50']:.1f} ms, "
                f"p99 {latency['p99']:.1f} ms, "
                f"errors {load['errors']} (warm-up {warm['errors']}); server "
                f"{figures['server_cpu_ms_per_request']} ms CPU/req "
                f"({figures['server_main_threads_cpu_ms_per_request']} in main threads), "
                f"other load {figures['other_cores']} cores",
                flush=True,
            )
            if load["first_error"]:
                print(f"    first error: {load['first_error']}")
        if target.items_url:
            outcome.stored = _stored_items(target)
            outcome.expected_stored = accepted
        outcome.rss_end_mib = round(tree_rss_mib(server.pid), 1)
    except Exception as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
        print(f"  FAILED: {outcome.error}")
    finally:
        server.stop()
        outcome.stop = f"{server.stop_note}, exit code {server.exit_code}"
        print(f"  {outcome.stop}")
    return outcome


# ---- report ----------------------------------------------------------------------------------


Outcomes = dict[str, list[Outcome]]  # per server, one per round


def _phases(outcomes: Outcomes, key: str, concurrency: int) -> list[dict[str, Any]]:
    return [p for o in outcomes.get(key, []) for p in o.phases if p["concurrency"] == concurrency]


def _phase(outcomes: Outcomes, key: str, concurrency: int) -> dict[str, Any] | None:
    """The round with the median req/s (the lower one of an even count)."""
    phases = sorted(_phases(outcomes, key, concurrency), key=lambda p: p["load"]["rps"])
    return phases[(len(phases) - 1) // 2] if phases else None


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(outcomes: Outcomes, concurrencies: list[int], rounds: int) -> dict[str, Any]:
    print(
        "\nResults (latency in ms; CPU in ms per request; cores = CPU seconds per second"
        + (
            f"; of {rounds} rounds, the one with the median req/s, and the req/s range"
            if rounds > 1
            else ""
        )
        + ")\n"
    )
    headers = [
        "server",
        "clients",
        "requests",
        "req/s",
        "req/s range",
        "p50",
        "p90",
        "p99",
        "max",
        "errors",
        "server CPU/req",
        "of it in main threads",
        "PG CPU/req",
        "server cores",
        "other cores",
    ]
    rows = []
    for key in outcomes:
        for c in concurrencies:
            p = _phase(outcomes, key, c)
            if p is None:
                continue
            every = [q["load"]["rps"] for q in _phases(outcomes, key, c)]
            load, latency = p["load"], p["load"]["latency_ms"]
            rows.append(
                [
                    LABELS[key],
                    str(p["concurrency"]),
                    f"{load['completed']}" + (" (time)" if load["stopped_by"] == "time" else ""),
                    fmt(load["rps"]),
                    f"{fmt(min(every))}-{fmt(max(every))}" if len(every) > 1 else "-",
                    fmt(latency["p50"]),
                    fmt(latency["p90"]),
                    fmt(latency["p99"]),
                    fmt(latency["max"]),
                    str(load["errors"]),
                    fmt(p["server_cpu_ms_per_request"], 2),
                    fmt(p["server_main_threads_cpu_ms_per_request"], 2),
                    fmt(p["postgres_cpu_ms_per_request"], 2) if "postgres" in key else "-",
                    fmt(p["server_cores"], 2),
                    fmt(p["other_cores"], 2),
                ]
            )
    print_table(headers, rows)

    print("\nServers\n")
    rows = []
    for key, runs in outcomes.items():
        last = runs[-1]
        stored = (
            f"{sum(o.stored or 0 for o in runs)} of {sum(o.expected_stored or 0 for o in runs)}"
            if last.stored is not None
            else "-"
        )
        ready = [o.ready_s for o in runs if o.ready_s is not None]
        rss = [o.rss_ready_mib for o in runs if o.rss_ready_mib is not None]
        rss_end = [o.rss_end_mib for o in runs if o.rss_end_mib is not None]
        notes = sorted({o.skipped or o.error or o.stop for o in runs})
        rows.append(
            [
                LABELS[key],
                ", ".join(f"{x:.2f}" for x in ready) or "n/a",
                fmt(median(rss) if rss else None),
                fmt(median(rss_end) if rss_end else None),
                stored,
                "/".join(str(v) for k, v in last.sample.items() if k != "model_version")
                if last.sample
                else "-",
                "; ".join(notes),
            ]
        )
    print_table(
        [
            "server",
            "start to ready (s), each round",
            "RSS ready (MiB)",
            "RSS end (MiB)",
            "items stored",
            "text 1: category/severity/decision",
            "stop",
        ],
        rows,
    )

    ratios: dict[str, Any] = {}
    print("\nRatios: ours / peer (req/s: higher is better; p99: lower is better)\n")
    rows = []
    for ours in OURS:
        for peer in ("mlflow", "plain"):
            for c in concurrencies:
                a, b = _phase(outcomes, ours, c), _phase(outcomes, peer, c)
                if a is None or b is None:
                    continue
                rps = ratio(a["load"]["rps"], b["load"]["rps"])
                p99 = ratio(a["load"]["latency_ms"]["p99"], b["load"]["latency_ms"]["p99"])
                cpu = ratio(a["server_cpu_ms_per_request"], b["server_cpu_ms_per_request"])
                ratios[f"{ours}/{peer}/c{c}"] = {"rps": rps, "p99": p99, "server_cpu": cpu}
                rows.append(
                    [
                        f"{LABELS[ours]} / {LABELS[peer]}",
                        str(c),
                        fmt(rps, 2),
                        fmt(p99, 2),
                        fmt(cpu, 2),
                    ]
                )
    print_table(["pair", "clients", "req/s ratio", "p99 ratio", "server CPU/req ratio"], rows)

    print(
        f"\nTargets: req/s >= {TARGET_RPS_RATIO:g} x mlflow models serve; at 32 clients "
        f"p99 <= {TARGET_P99_MS:g} ms; zero errors\n"
    )
    rows = []
    top = max(concurrencies)
    for ours in OURS:
        if ours not in outcomes:
            continue
        for c in concurrencies:
            mine = _phase(outcomes, ours, c)
            if mine is None:
                continue
            r = ratios.get(f"{ours}/mlflow/c{c}", {}).get("rps")
            p99 = mine["load"]["latency_ms"]["p99"]
            errors = sum(
                q["load"]["errors"] + q.get("warmup_errors", 0) for q in _phases(outcomes, ours, c)
            )
            rows.append(
                [
                    LABELS[ours],
                    str(c),
                    f"{fmt(r, 2)} ({_met(r is not None and r >= TARGET_RPS_RATIO)})",
                    (f"{fmt(p99)} ({_met(p99 <= TARGET_P99_MS)})" if c == top else fmt(p99)),
                    f"{errors} ({_met(errors == 0)})",
                ]
            )
    print_table(["server", "clients", "req/s / mlflow", "p99 ms", "errors"], rows)
    print(
        f"\nIn a closed loop the mean latency is clients / throughput (Little's law): a p99 of "
        f"{TARGET_P99_MS:g} ms at {top} clients needs at least "
        f"{top / (TARGET_P99_MS / 1000):,.0f} req/s."
    )
    return ratios


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, help="keep the trained store here and reuse it")
    parser.add_argument("--family", default="tfidf_logreg")
    parser.add_argument("--only", nargs="+", choices=TARGETS + EXTRA_TARGETS, default=list(TARGETS))
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--requests", type=int, default=2000, help="measured, per run (most)")
    parser.add_argument("--duration-limit", type=float, default=30.0, help="s per run (most)")
    parser.add_argument("--warmup", type=int, default=50, help="requests before each run")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat every server this often, interleaved; report the median round",
    )
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--texts-csv", type=Path, default=CALIBRATION_CSV)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--start-timeout", type=float, default=180.0)
    parser.add_argument("--time-budget", type=float, default=840.0, help="s for the whole run")
    parser.add_argument("--json-out", type=Path, help="also write every figure here as JSON")
    parser.add_argument(
        "--server-pythonpath",
        type=Path,
        action="append",
        default=[],
        help="folder put first on every server's PYTHONPATH (e.g. holding uvloop, httptools)",
    )
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.time_budget
    SERVER_PYTHONPATH[:] = [str(p.resolve()) for p in args.server_pythonpath]

    description = machine_description()
    print_machine(description)
    print(f"\nCommand: {exact_command('benchmarks.serving')}")
    print(
        f"Load: {args.warmup} warm-up requests, then up to {args.requests} requests or "
        f"{args.duration_limit:g} s per run, at {args.concurrency} concurrent clients "
        f"(closed loop, keep-alive, client '{args.client}', separate process, loopback); "
        f"texts: {args.texts_csv} (cycled)"
    )
    texts = calibration_texts(args.texts_csv)
    work = Path(tempfile.mkdtemp(prefix="triage-bench-"))
    print(f"Work folder: {work} (server logs)")
    outcomes: Outcomes = {}
    try:
        print("\nModel")
        store = prepare_store(args.store or work / "store", family=args.family)
        uses_pg = any(k.startswith("ours-postgres") for k in args.only)
        pg_version = _postgres_version(args.postgres_url) if uses_pg else None
        description["postgresql"] = pg_version
        if pg_version:
            print(f"  PostgreSQL {pg_version} at {args.postgres_url}")
        for round_number in range(1, args.rounds + 1):
            if args.rounds > 1:
                print(f"\n#### round {round_number} of {args.rounds}")
            for key in TARGETS + EXTRA_TARGETS:
                if key not in args.only:
                    continue
                runs = outcomes.setdefault(key, [])
                tag = f"{key}-{round_number}"
                workers = 2 if key.endswith("-2w") else 1
                if time.monotonic() + 60 > deadline:
                    runs.append(Outcome(key, skipped="time budget spent"))
                elif key.startswith("ours-sqlite"):
                    url = f"sqlite:///{work / f'{tag}.db'}"
                    target = _ours(key, tag, store, work, url, workers=workers)
                    runs.append(measure(target, args, deadline=deadline, sample_text=texts[0]))
                elif key.startswith("ours-postgres") and pg_version is None:
                    runs.append(Outcome(key, skipped="PostgreSQL not reachable"))
                elif key.startswith("ours-postgres"):
                    with postgres_schema(args.postgres_url) as url:
                        target = _ours(key, tag, store, work, url, workers=workers)
                        runs.append(measure(target, args, deadline=deadline, sample_text=texts[0]))
                else:
                    target = (
                        _mlflow(tag, store, work)
                        if key == "mlflow"
                        else _plain(tag, store, work, key=key)
                    )
                    runs.append(measure(target, args, deadline=deadline, sample_text=texts[0]))
        ratios = report(outcomes, args.concurrency, args.rounds)
        if args.json_out:
            payload = {
                "machine": description,
                "command": exact_command("benchmarks.serving"),
                "settings": {
                    k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
                },
                "outcomes": {k: [vars(o) for o in v] for k, v in outcomes.items()},
                "ratios": ratios,
            }
            args.json_out.write_text(json.dumps(payload, indent=2))
            print(f"\nWrote {args.json_out}")
    finally:
        if args.store is None:
            shutil.rmtree(work / "store", ignore_errors=True)
    failed = sorted({k for k, runs in outcomes.items() for o in runs if o.error})
    print(f"\nServer logs in {work}" + (f"; failed: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
