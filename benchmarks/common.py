"""Shared helpers of the speed benchmarks: machine description, statistics, texts, a
temporary model store, and starting, watching and stopping server processes.

Nothing here asserts a time: the benchmarks print figures.
"""

from __future__ import annotations

import contextlib
import csv
import os
import platform
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
CALIBRATION_CSV = PROJECT_ROOT / "data" / "calibration.csv"


def single_call_latencies(run: Any, items: Sequence[Any]) -> list[float]:
    """Seconds of `run(item)` for each item, one call at a time, after 50 warm-up calls."""
    for item in items[:50]:  # warm caches
        run(item)
    timings = []
    for item in items:
        started = time.perf_counter()
        run(item)
        timings.append(time.perf_counter() - started)
    return timings


DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ---- the machine and the command --------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _mem_total_gib() -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return None


def _os_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    return platform.platform()


def library_versions(names: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def source_state() -> dict[str, Any]:
    """The commit measured, and files of the serving code changed or added since (the working
    tree is what runs)."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.rstrip("\n")

    changed = git("status", "--porcelain", "--", "model", "service", "training", "triage")
    return {
        "commit": git("rev-parse", "--short", "HEAD").strip() or "unknown",
        "changed": [line[3:] for line in changed.splitlines() if line.strip()],
    }


def machine_description() -> dict[str, Any]:
    memory = _mem_total_gib()
    return {
        "source": source_state(),
        "cpu": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "ram_gib": round(memory, 1) if memory is not None else None,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{_os_name()} ({platform.system()} {platform.release()})",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "libraries": library_versions(
            (
                "fastapi",
                "starlette",
                "uvicorn",
                "httpx",
                "pydantic",
                "sqlalchemy",
                "psycopg",
                "scikit-learn",
                "spacy",
                "mlflow",
            )
        ),
    }


def print_machine(description: Mapping[str, Any]) -> None:
    print("Machine")
    print(f"  CPU      {description['cpu']}")
    print(
        f"  cores    {description['logical_cores']} logical, {description['usable_cores']} usable"
    )
    print(f"  RAM      {description['ram_gib']} GiB")
    print(f"  Python   {description['python']}")
    print(f"  OS       {description['os']}")
    print(f"  load avg {description['load_average']} (1, 5, 15 min) before the run")
    libraries = ", ".join(f"{k} {v}" for k, v in description["libraries"].items())
    print(f"  libs     {libraries}")
    source = description["source"]
    changed = ", ".join(source["changed"]) or "none"
    print(f"  source   commit {source['commit']}; changed serving files in the tree: {changed}")


def exact_command(module: str) -> str:
    """How this benchmark was run, as one shell line."""
    return shlex.join([sys.executable, "-m", module, *sys.argv[1:]])


# ---- statistics --------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); values must be sorted."""
    if not sorted_values:
        return float("nan")
    if len(sorted_values) == 1:
        return sorted_values[0]
    position = fraction * (len(sorted_values) - 1)
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    weight = position - lower
    return sorted_values[lower] * (1 - weight) + sorted_values[upper] * weight


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:  # None or NaN
        return "n/a"
    return f"{value:,.{digits}f}"


def ratio(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or theirs is None or theirs == 0 or ours != ours or theirs != theirs:
        return None
    return ours / theirs


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A Markdown table (pastes into RESULTS.md as is); numbers right-aligned."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print(
        "|"
        + "|".join("-" * (w + 1) + ":" if i else "-" * (w + 2) for i, w in enumerate(widths))
        + "|"
    )
    for row in rows:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("| " + " | ".join(cells) + " |")


# ---- texts -------------------------------------------------------------------------------------


def calibration_texts(path: Path = CALIBRATION_CSV) -> list[str]:
    """The real feedback texts of the calibration file, in file order."""
    with path.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle) if row.get("text", "").strip()]
    if not texts:
        raise SystemExit(f"{path} has no texts")
    return texts


# ---- /proc: CPU time and memory ----------------------------------------------------------------


def _stat_fields(pid: int, thread: int | None = None) -> list[str] | None:
    path = Path(f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat")
    try:
        raw = path.read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces.
    return raw[raw.rindex(")") + 2 :].split()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError, ValueError):
                found += [int(x) for x in (task / "children").read_text().split()]
    return found


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (a server may run its work in a child, as mlflow does)."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending += _children(current)
    return tree


def _cpu_ticks(pid: int, thread: int | None = None) -> int:
    """User + system clock ticks of a process (all its threads) or of one of its threads."""
    fields = _stat_fields(pid, thread)
    return 0 if fields is None else int(fields[11]) + int(fields[12])  # utime, stime


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU seconds consumed so far by these processes (all their threads)."""
    return sum(map(_cpu_ticks, pids)) / CLOCK_TICKS


def tree_cpu_seconds(pid: int) -> float:
    return cpu_seconds(process_tree(pid))


def tree_main_thread_cpu_seconds(pid: int) -> float:
    """CPU seconds of the main thread of `pid` and of each descendant: in an asyncio server,
    its event loop (HTTP, framework, handing work to other threads)."""
    return sum(_cpu_ticks(member, thread=member) for member in process_tree(pid)) / CLOCK_TICKS


def cpu_seconds_of_command(name: str) -> float:
    """CPU seconds of every process whose command name is `name` (e.g. PostgreSQL backends)."""
    pids: list[int] = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
    return cpu_seconds(pids)


def machine_busy_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of one process, in KiB."""
    found: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(rest.split()[0])
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped counts as gone)."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def tree_rss_mib(pid: int) -> float:
    return sum(memory_kib(p).get("VmRSS", 0) for p in process_tree(pid)) / 1024


# ---- server processes --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def venv_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child: the venv's bin first on PATH, the project importable."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env | dict(extra or {})


@dataclass
class Server:
    """A server started by a benchmark, in a process group of its own, logging to a file."""

    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    ready_url: str
    started_at: float = 0.0
    ready_after: float | None = None
    process: subprocess.Popen[bytes] | None = None
    exit_code: int | None = None
    stop_note: str = ""
    # (name, text of a log line): when each first showed in the log, seconds after start.
    milestones: list[tuple[str, str]] = field(default_factory=list)
    seen: dict[str, float] = field(default_factory=dict)
    _log: IO[bytes] | None = field(default=None, repr=False)
    _log_offset: int = 0

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError(f"{self.name} is not running")
        return self.process.pid

    def start(self) -> None:
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self._log = self.log_path.open("ab")
        self.started_at = time.perf_counter()
        self.process = subprocess.Popen(
            self.args,
            env=self.env,
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped together, never others
        )

    def wait_ready(
        self, *, timeout: float, poll: float = 0.02, expect_status: str | None = None
    ) -> float:
        """Poll `ready_url` until it answers 200; returns seconds since the process started."""
        assert self.process is not None
        deadline = self.started_at + timeout
        with httpx.Client(timeout=1.0) as client:
            while True:
                self._note_milestones()
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited with {self.process.returncode} before it was ready; "
                        f"log:\n{self.log_tail()}"
                    )
                try:
                    response = client.get(self.ready_url)
                    if response.status_code == 200:
                        self.ready_after = time.perf_counter() - self.started_at
                        self._note_milestones()
                        if expect_status is not None:
                            status = response.json().get("status")
                            if status != expect_status:
                                raise RuntimeError(
                                    f"{self.name} is {status!r}, not {expect_status!r}: "
                                    f"{response.text}"
                                )
                        return self.ready_after
                except httpx.TransportError:
                    pass
                if time.perf_counter() > deadline:
                    raise RuntimeError(
                        f"{self.name} not ready after {timeout:.0f} s; log:\n{self.log_tail()}"
                    )
                time.sleep(poll)

    def _note_milestones(self) -> None:
        pending = [(name, text) for name, text in self.milestones if name not in self.seen]
        if not pending:
            return
        now = time.perf_counter() - self.started_at
        try:
            with self.log_path.open("rb") as handle:
                handle.seek(self._log_offset)
                log = handle.read().decode(errors="replace")
        except OSError:
            return
        for name, text in pending:
            if text in log:
                self.seen[name] = now

    def stop(self, *, timeout: float = 30.0) -> None:
        """SIGTERM to the server's own process group (graceful shutdown); waits for the
        process and its children (mlflow serves from a child); SIGKILL to the group if
        they are not gone within `timeout`."""
        process = self.process
        if process is None:
            return
        family = process_tree(process.pid)
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            try:
                process.wait(timeout=timeout)
                while any(_alive(pid) for pid in family[1:]):
                    if time.monotonic() > deadline:
                        raise subprocess.TimeoutExpired(self.args, timeout)
                    time.sleep(0.05)
                self.stop_note = "stopped by SIGTERM"
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
                self.stop_note = f"not gone within {timeout:.0f} s of SIGTERM: SIGKILL"
        else:
            self.stop_note = "had already exited"
        self.exit_code = process.returncode
        if self._log is not None:
            self._log.close()
            self._log = None
        # uvicorn re-raises SIGTERM after a graceful shutdown, hence exit code -15.
        if "Application shutdown complete" in self.log_tail(200):
            self.stop_note += ", graceful shutdown logged"

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def run_checked(
    args: Sequence[str], *, env: Mapping[str, str], timeout: float, what: str
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion within `timeout`; on failure exit with its output."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            list(args),
            env=dict(env),
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SystemExit(f"{what} did not finish within {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise SystemExit(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    print(f"  {what}: {time.perf_counter() - started:.1f} s", flush=True)
    return done


# ---- the model store ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelStore:
    """A temporary MLflow store holding one trained, promoted model and its joblib file."""

    root: Path

    @property
    def mlflow_dir(self) -> Path:
        return self.root / "mlflow"

    @property
    def model_path(self) -> Path:
        return self.root / "model.joblib"

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{self.mlflow_dir / 'mlflow.db'}"

    @property
    def ready(self) -> bool:
        return (self.root / ".promoted").is_file() and self.model_path.is_file()

    def env(self) -> dict[str, str]:
        """Environment for `triage` commands on this store (never the project's var/)."""
        return venv_env(
            {
                "TRIAGE_MLFLOW_DIR": str(self.mlflow_dir),
                "TRIAGE_MODEL_PATH": str(self.model_path),
                "TRIAGE_DATABASE_URL": f"sqlite:///{self.root / 'cli.db'}",
            }
        )


def stale_code(store: ModelStore) -> list[str]:
    """Files of model/ and training/ that differ from the code logged with the store's newest
    MLflow model: `mlflow models serve` runs that logged copy, the service the working tree."""
    snapshots = sorted(
        store.mlflow_dir.glob("artifacts/models/*/artifacts/code"), key=lambda p: p.stat().st_mtime
    )
    if not snapshots:
        return ["(no logged code found)"]
    differs = []
    for package in ("model", "training"):
        for path in sorted((PROJECT_ROOT / package).glob("*.py")):
            logged = snapshots[-1] / package / path.name
            if not logged.is_file() or logged.read_bytes() != path.read_bytes():
                differs.append(f"{package}/{path.name}")
    return differs


def prepare_store(
    root: Path, *, family: str = "tfidf_logreg", timeout: float = 420.0
) -> ModelStore:
    """Train (`triage train`) and promote (`triage promote`) once into `root`; reused after."""
    store = ModelStore(root)
    if store.ready:
        print(f"  reusing the trained and promoted model in {root}", flush=True)
        differs = stale_code(store)
        if differs:
            print(
                "  WARNING: the code logged with this model differs from the working tree in "
                f"{', '.join(differs)}; `mlflow models serve` runs the logged copy. For a "
                "like-for-like comparison train afresh (leave out --store).",
                flush=True,
            )
        return store
    root.mkdir(parents=True, exist_ok=True)
    env = store.env()
    triage = str(VENV_BIN / "triage")
    run_checked(
        [triage, "train", "--family", family, "--out", str(store.model_path)],
        env=env,
        timeout=timeout,
        what=f"triage train --family {family}",
    )
    run_checked([triage, "promote"], env=env, timeout=timeout, what="triage promote")
    (root / ".promoted").write_text("1\n")
    return store
