"""Start-up of `triage serve`: process start to ready, model load time, resident memory, and
the imports on the serving start-up path.

    python -m benchmarks.startup [--store DIR] [--starts 5]

1. Process start to ready: `triage serve` is started `--starts` times per model source
   (interleaved across sources) and timed from `Popen` until `GET /readyz` answers 200
   (polled every 20 ms); median and all values. Sources: `file` (on a database migrated
   before, and on a fresh SQLite file each time, i.e. with the migration), `champion` and
   `auto` (the temporary MLflow store), and `none` (rules only, the floor without a model).
   RSS (VmRSS) and its peak (VmHWM) of the server process are read from /proc after ready.
2. In a fresh interpreter, the start-up steps one by one: imports, migrations, compiling the
   rules (`RedFlagRules()`) and reading them back from the cache (`load_rules`, what a start
   does), `load_triager(path, rules=...)` and the champion lookup (`_champion_artifact`, from
   the store's alias table; the version is already downloaded); then the same again, median
   of 5.
3. `python -X importtime` of `import service.app` and of the whole `triage serve` path: the 15
   largest cumulative imports, own import time per top-level package, and whether heavy
   modules (mlflow, sklearn, scipy, pandas, spacy, matplotlib...) are on the path.

Like `benchmarks.serving`, it trains and promotes a model into a temporary MLflow store once
(about 40 s) unless `--store DIR` holds one from an earlier run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import (
    VENV_BIN,
    ModelStore,
    Server,
    exact_command,
    fmt,
    free_port,
    machine_description,
    memory_kib,
    prepare_store,
    print_machine,
    print_table,
    venv_env,
)
from model.rules import load_rules

HEAVY = (
    "mlflow",
    "sklearn",
    "scipy",
    "pandas",
    "numpy",
    "spacy",
    "thinc",
    "matplotlib",
    "alembic",
    "sqlalchemy",
    "pyarrow",
    "torch",
    "typer",
    "uvicorn",
    "fastapi",
    "pydantic",
    "joblib",
    "psycopg",
)
# Lines `triage serve` logs on its way up (the log is unbuffered and polled every 20 ms):
# printed after the imports, the migration and the key check; uvicorn starting the app's
# lifespan; the lifespan done (database, policy, rules, model loaded).
MILESTONES = (
    ("imports + migrate done", "review-triage service on http://"),
    ("lifespan starts", "Waiting for application startup."),
    ("lifespan done", "Application startup complete."),
)
SERVE_PATH = (
    "import triage.cli, uvicorn, service.app, service.access.keys, service.db, alembic.command"
)


# ---- 1. process start to ready ------------------------------------------------------------------


@dataclass
class Starts:
    """The starts of one configuration."""

    name: str
    source: str
    fresh_db: bool
    ready: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    stops: list[str] = field(default_factory=list)
    phases: list[dict[str, float]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "fresh_db": self.fresh_db,
            "ready_s": [round(x, 3) for x in self.ready],
            "ready_median_s": round(statistics.median(self.ready), 3),
            "rss_median_mib": round(statistics.median(self.rss_kib) / 1024, 1),
            "peak_rss_median_mib": round(statistics.median(self.peak_kib) / 1024, 1),
            "readyz_status": sorted(set(self.statuses)),
            "stops": sorted(set(self.stops)),
            "milestones_median_s": {
                name: round(statistics.median(p[name] for p in self.phases if name in p), 3)
                for name, _ in MILESTONES
                if any(name in p for p in self.phases)
            },
        }


def start_once(
    starts: Starts, store: ModelStore, work: Path, *, attempt: int, timeout: float
) -> None:
    """Start `triage serve`, time it until /readyz answers 200, read its memory, stop it."""
    name = starts.name
    database = work / f"{name}-{attempt}.db" if starts.fresh_db else work / f"{name}.db"
    port = free_port()
    env = venv_env(
        {
            "TRIAGE_MODEL_SOURCE": starts.source,
            "TRIAGE_MODEL_PATH": str(store.model_path),
            "TRIAGE_MLFLOW_DIR": str(store.mlflow_dir),
            "TRIAGE_DATABASE_URL": f"sqlite:///{database}",
            "TRIAGE_ESCALATION_INTERVAL_SECONDS": "0",
            "TRIAGE_CACHE_DIR": str(work / "cache"),
        }
    )
    env.pop("MLFLOW_TRACKING_URI", None)
    server = Server(
        name=f"{name} #{attempt}",
        args=[str(VENV_BIN / "triage"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        log_path=work / f"{name}-{attempt}.log",
        ready_url=f"http://127.0.0.1:{port}/readyz",
        milestones=list(MILESTONES),
    )
    server.start()
    try:
        starts.ready.append(server.wait_ready(timeout=timeout, poll=0.02))
        memory = memory_kib(server.pid)
        starts.rss_kib.append(memory.get("VmRSS", 0))
        starts.peak_kib.append(memory.get("VmHWM", 0))
        status = httpx.get(server.ready_url, timeout=5).json().get("status")
        starts.statuses.append(str(status))
        starts.phases.append(dict(server.seen))
    finally:
        server.stop()
        starts.stops.append(f"{server.stop_note} ({server.exit_code})")
    print(
        f"  {name}: start {attempt}: ready after {starts.ready[-1]:.2f} s, "
        f"RSS {starts.rss_kib[-1] / 1024:.0f} MiB, /readyz {starts.statuses[-1]}",
        flush=True,
    )


# ---- 2. the steps in process --------------------------------------------------------------------

PHASES_CHILD = r"""
import json, statistics, sys, tempfile, time
from pathlib import Path
model_path, mlflow_dir = Path(sys.argv[1]), Path(sys.argv[2])
out = {}
def step(name, run):
    started = time.perf_counter()
    value = run()
    out[name] = round(time.perf_counter() - started, 4)
    return value
step("import triage.cli (typer, settings)", lambda: __import__("triage.cli"))
step("import uvicorn", lambda: __import__("uvicorn"))
step("import service.app (FastAPI app, model, rules, tables)", lambda: __import__("service.app"))
from service.app import create_app
from service.db import migrate
from service.serving.holder import _champion_artifact
from model.artifact import load_triager
from model.rules import RedFlagRules, load_rules
from core.settings import Settings
folder = Path(tempfile.mkdtemp(prefix="triage-startup-"))
url = f"sqlite:///{folder / 'db.sqlite'}"
step("migrate: fresh SQLite database (imports alembic)", lambda: migrate(url))
step("migrate: database already at head", lambda: migrate(url))
rules = step("RedFlagRules(): first build (compile)", RedFlagRules)
cache = folder / "cache"
step("load_rules(cache): compile and save", lambda: load_rules(cache))
step("load_rules(cache): read back (what a start does)", lambda: load_rules(cache))
step("load_triager(path, rules=rules): first load", lambda: load_triager(model_path, rules=rules))
settings = Settings(mlflow_dir=mlflow_dir, model_source="champion", database_url=url)
step(
    "_champion_artifact (champion source: alias lookup, cached download)",
    lambda: _champion_artifact(settings),
)
step("create_app(settings)", lambda: create_app(settings))
def median_of(run, times=5):
    values = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        values.append(time.perf_counter() - started)
    return round(statistics.median(values), 4), [round(v, 4) for v in values]
out["RedFlagRules() median of 5"], out["RedFlagRules() runs"] = median_of(RedFlagRules)
out["load_rules(cache) median of 5"], out["load_rules(cache) runs"] = median_of(
    lambda: load_rules(cache)
)
out["load_triager median of 5"], out["load_triager runs"] = median_of(
    lambda: load_triager(model_path, rules=rules)
)
out["_champion_artifact median of 5 (imports done)"], _ = median_of(
    lambda: _champion_artifact(settings)
)
out["mlflow in sys.modules after champion lookup"] = "mlflow" in sys.modules
print(json.dumps(out))
"""

MLFLOW_CHILD = r"""
import sys, time
import service.app
before = "mlflow" in sys.modules
started = time.perf_counter()
import mlflow.artifacts
from mlflow.tracking import MlflowClient
print(before, round(time.perf_counter() - started, 4))
"""


def in_process_steps(store: ModelStore) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", PHASES_CHILD, str(store.model_path), str(store.mlflow_dir)],
        env=venv_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"in-process steps failed:\n{done.stderr[-3000:]}")
    steps: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    mlflow = subprocess.run(
        [sys.executable, "-c", MLFLOW_CHILD],
        env=venv_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if mlflow.returncode == 0:
        was_loaded, seconds = mlflow.stdout.split()
        steps["import mlflow.artifacts + MlflowClient after service.app"] = float(seconds)
        steps["mlflow already imported by service.app"] = was_loaded == "True"
    return steps


# ---- 3. import-time profile -------------------------------------------------------------------


def import_profile(code: str) -> dict[str, Any]:
    """`python -X importtime -c code`: rows of (self us, cumulative us, depth, module)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=venv_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"importtime of {code!r} failed:\n{done.stderr[-3000:]}")
    rows: list[tuple[int, int, int, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own_text, cumulative_text, name = line.split(":", 1)[1].split("|")
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        rows.append((int(own_text), int(cumulative_text), depth, name.strip()))
    by_package: dict[str, int] = {}
    for self_us, _, _, name in rows:
        top = name.split(".")[0]
        by_package[top] = by_package.get(top, 0) + self_us
    # A failed optional import (thinc tries torch) is listed by -X importtime too, so what was
    # really imported is read from sys.modules.
    check = f"{code}; import sys; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    loaded = subprocess.run(
        [sys.executable, "-c", check],
        env=venv_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout.split()
    heavy = {h: h in loaded for h in HEAVY}
    total_us = sum(r[0] for r in rows)
    return {
        "code": code,
        "total_s": round(total_us / 1e6, 3),
        "modules": len(rows),
        "top_cumulative": sorted(rows, key=lambda r: -r[1])[:15],
        "by_package": sorted(by_package.items(), key=lambda kv: -kv[1])[:15],
        "heavy": heavy,
    }


def print_import_profile(profile: dict[str, Any]) -> None:
    print(
        f'\n`python -X importtime -c "{profile["code"]}"`: {profile["modules"]} modules, '
        f"{profile['total_s']:.2f} s of import time in total (one cold-ish run)\n"
    )
    print_table(
        ["module (15 largest cumulative)", "cumulative ms", "self ms", "depth"],
        [
            [name, fmt(cum / 1000), fmt(own / 1000), str(depth)]
            for own, cum, depth, name in profile["top_cumulative"]
        ],
    )
    print()
    print_table(
        ["top-level package", "own import ms", "share"],
        [
            [name, fmt(us / 1000), f"{100 * us / (profile['total_s'] * 1e6):.1f} %"]
            for name, us in profile["by_package"]
        ],
    )
    present = [h for h, yes in profile["heavy"].items() if yes]
    absent = [h for h, yes in profile["heavy"].items() if not yes]
    print(f"\n  imported: {', '.join(present)}\n  not imported: {', '.join(absent)}")


# ---- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, help="keep the trained store here and reuse it")
    parser.add_argument("--starts", type=int, default=5, help="starts per model source")
    parser.add_argument(
        "--sources",
        nargs="+",
        default=["file", "file-fresh-db", "champion", "auto", "none"],
        choices=["file", "file-fresh-db", "champion", "auto", "none"],
    )
    parser.add_argument("--start-timeout", type=float, default=120.0)
    parser.add_argument("--json-out", type=Path, help="also write every figure here as JSON")
    args = parser.parse_args(argv)

    description = machine_description()
    print_machine(description)
    print(f"\nCommand: {exact_command('benchmarks.startup')}")
    work = Path(tempfile.mkdtemp(prefix="triage-startup-"))
    results: dict[str, Any] = {
        "machine": description,
        "command": exact_command("benchmarks.startup"),
    }
    try:
        print("\nModel")
        store = prepare_store(args.store or work / "store")

        # Every start after the first finds the rules compiled; compile them once here.
        started = time.perf_counter()
        load_rules(work / "cache")
        print(f"\nRules compiled into the cache in {time.perf_counter() - started:.2f} s")
        print(f"\n1. Process start to ready ({args.starts} starts each; logs in {work})")
        configurations = [
            Starts(name, "file" if name == "file-fresh-db" else name, name == "file-fresh-db")
            for name in args.sources
        ]
        # Interleaved (each configuration once, then again): a busy spell on a shared machine
        # then lands on every configuration alike.
        for attempt in range(1, args.starts + 1):
            for configuration in configurations:
                start_once(configuration, store, work, attempt=attempt, timeout=args.start_timeout)
        starts = [c.summary() for c in configurations]
        results["starts"] = starts
        print()
        print_table(
            [
                "TRIAGE_MODEL_SOURCE",
                "database",
                "ready, median s",
                "all starts, s",
                "RSS MiB",
                "peak RSS MiB",
                "/readyz",
            ],
            [
                [
                    s["source"],
                    "fresh (migrated at start)" if s["fresh_db"] else "migrated before",
                    fmt(s["ready_median_s"], 2),
                    ", ".join(f"{x:.2f}" for x in s["ready_s"]),
                    fmt(s["rss_median_mib"]),
                    fmt(s["peak_rss_median_mib"]),
                    "/".join(s["readyz_status"]),
                ]
                for s in starts
            ],
        )

        print(
            "\nWhere the time goes: median seconds after process start at which each log line "
            "appeared (20 ms polling), and /readyz 200\n"
        )
        print_table(
            ["configuration", *[name for name, _ in MILESTONES], "ready"],
            [
                [
                    s["name"],
                    *[fmt(s["milestones_median_s"].get(name), 2) for name, _ in MILESTONES],
                    fmt(s["ready_median_s"], 2),
                ]
                for s in starts
            ],
        )

        print("\n2. Start-up steps in one fresh interpreter (seconds, in this order)\n")
        steps = in_process_steps(store)
        results["steps"] = steps
        print_table(
            ["step", "seconds"],
            [
                [
                    name,
                    ", ".join(f"{v:.3f}" for v in value)
                    if isinstance(value, list)
                    else (f"{value:.3f}" if isinstance(value, float) else str(value)),
                ]
                for name, value in steps.items()
            ],
        )

        print("\n3. Import time on the serving start-up path")
        profiles = [import_profile("import service.app"), import_profile(SERVE_PATH)]
        results["imports"] = profiles
        for profile in profiles:
            print_import_profile(profile)
        if args.json_out:
            args.json_out.write_text(json.dumps(results, indent=2))
            print(f"\nWrote {args.json_out}")
    finally:
        if args.store is None:
            shutil.rmtree(work / "store", ignore_errors=True)
    print(f"\nServer logs in {work}; {time.strftime('%Y-%m-%d %H:%M:%S')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
