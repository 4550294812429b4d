"""How `triage serve` runs the app: one process, or a supervisor and N worker processes.

Python runs one thread of Python code at a time per process, so one process uses about one
core however many requests wait. With `workers` > 1, uvicorn's supervisor starts that many
processes on one listening socket (the kernel hands each connection to one of them), restarts
a worker that dies, and on SIGHUP replaces the workers one by one, each new one serving before
the old one stops.

What the workers must share is settled before they start: the database is migrated and the
bootstrap key seeded once, here; console cookies need one signing key, so a random one is
made here when none is configured; and each worker learns the supervisor's pid, so that a
model reload in one worker can restart all of them with the new model
(`service.serving.flows.reload_model`). Escalation rounds take one lock for every process on
the database (`service.locks`), so no two workers, or hosts, escalate the same item twice.
Each worker counts its Prometheus metrics in files of one folder made here, which a scrape adds
up (`service.observability.prometheus`); every process logs in TRIAGE_LOG_FORMAT.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prometheus_client import multiprocess
from uvicorn.supervisors import Multiprocess

from core.settings import Settings
from service.errors import AddressInUseError

APP_FACTORY = "service.app:create_app"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus-client


BACKLOG = 2048  # uvicorn's default
WORKER_READY_SECONDS = 60  # how long a restarted worker may take to become ready


def run(settings: Settings, listener: socket.socket, workers: int) -> None:
    """Serve on `listener` (from `listening_socket`, bound before anything else starts so
    that a taken port is a clear error) until stopped (SIGINT, SIGTERM); blocks."""
    import uvicorn

    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    host, port = listener.getsockname()[:2]
    if workers == 1:
        from service.app import create_app

        config = uvicorn.Config(create_app(settings), host=host, port=port, **_logging(settings))
        uvicorn.Server(config).run(sockets=[listener])
        return

    # The workers are new interpreters (spawned): they read their settings from the
    # environment, so what they must agree on goes there.
    if settings.ui_secret is None:
        os.environ["TRIAGE_UI_SECRET"] = secrets.token_urlsafe(32)
    os.environ["TRIAGE_SUPERVISOR_PID"] = str(os.getpid())
    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **_logging(settings),
        # uvicorn gives a new worker 5 s to start on a restart (a model reload), then keeps
        # the old one; loading the libraries and the model takes 4-8 s on a busy 2-core machine.
        timeout_worker_healthcheck=WORKER_READY_SECONDS,
    )
    # Each worker counts its requests in files here; a scrape adds them up (prometheus-client's
    # multiprocess mode). Set before the workers start: they read it when they import it.
    metrics_dir = prepare_metrics_dir(settings.cache_dir)
    os.environ[MULTIPROC_ENV] = str(metrics_dir)
    try:
        MetricsMultiprocess(config, sockets=[listener]).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _logging(settings: Settings) -> dict[str, Any]:
    """uvicorn's logging options: every logger to stderr in TRIAGE_LOG_FORMAT; uvicorn's own
    access lines off, since the app logs one line per request (`service.observability`)."""
    from service.observability.logs import log_config

    return {
        "log_config": log_config(settings.log_format),
        "log_level": "info",
        "access_log": False,
    }


def prepare_metrics_dir(cache_dir: Path) -> Path:
    """An empty folder for this supervisor's workers' metric files, under
    TRIAGE_CACHE_DIR/prometheus/<pid>; folders left by supervisors no longer running (killed
    before they could clean up) are removed."""
    root = cache_dir / "prometheus"
    root.mkdir(parents=True, exist_ok=True)
    for folder in root.iterdir():
        if folder.name.isdigit() and not _running(int(folder.name)):
            shutil.rmtree(folder, ignore_errors=True)
    mine = root / str(os.getpid())
    shutil.rmtree(mine, ignore_errors=True)
    mine.mkdir()
    return mine


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


class MetricsMultiprocess(Multiprocess):
    """uvicorn's supervisor, telling prometheus-client when a worker is gone (died, or
    replaced on a model reload), so that its live gauges stop counting."""

    def keep_subprocess_alive(self) -> None:
        self._marking_gone(super().keep_subprocess_alive)

    def restart_all(self) -> None:
        self._marking_gone(super().restart_all)

    def _marking_gone(self, step: Callable[[], None]) -> None:
        before = {process.pid for process in self.processes}
        step()
        for pid in before - {process.pid for process in self.processes}:
            if pid is not None:
                multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def listening_socket(host: str, port: int, backlog: int = BACKLOG) -> socket.socket:
    """The socket the service listens on (the workers share it), bound with protocol
    IPPROTO_TCP; AddressInUseError, saying how to choose another port, when it is taken.

    uvicorn binds its own with protocol 0; asyncio then leaves Nagle's algorithm on for the
    connections accepted from it, and every keep-alive request after the first waits about
    40 ms for the client's delayed ACK (uvicorn issue #3149; measured here: 23 requests a
    second at one client with `uvicorn --workers 2`, against 1,560 with one worker).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as exc:
        listener.close()
        if exc.errno != errno.EADDRINUSE:
            raise
        raise AddressInUseError(
            f"port {port} on {host} is taken by another process; choose another with "
            f"`triage serve --port N` or TRIAGE_PORT=N (e.g. TRIAGE_PORT={port + 1} make run)"
        ) from exc
    listener.listen(backlog)
    listener.set_inheritable(True)
    return listener
