"""The service's commands end to end: migrations, keys, `triage serve` over real HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from service.db import current_revision, make_engine
from service.tables import Base

pytestmark = pytest.mark.slow


def triage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


def test_migrations_match_the_tables(database_url: str) -> None:
    """The migrated schema is exactly what the ORM declares (no missing migration)."""
    engine = make_engine(database_url)
    assert current_revision(engine) == "0001"
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_db_upgrade_and_keys(tmp_path: Path) -> None:
    env = {"TRIAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}"}
    upgraded = triage("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    created = triage("keys", "create", "--role", "reviewer", "--name", "Dana", env=env)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("rt_") and len(key) > 30 and "shown only now" in created.stderr
    listed = triage("keys", "list", env=env)
    assert "reviewer" in listed.stdout and "Dana" in listed.stdout and key not in listed.stdout
    bad = triage("keys", "create", "--role", "owner", env=env)
    assert bad.returncode == 2 and "role must be one of" in bad.stderr
    revoked = triage("keys", "revoke", "1", env=env)
    assert revoked.returncode == 0 and "revoked" in listed.stdout + revoked.stdout


def test_db_upgrade_on_postgresql(postgresql_url: str) -> None:
    done = triage("db", "upgrade", env={"TRIAGE_DATABASE_URL": postgresql_url})
    assert done.returncode == 0, done.stderr
    engine = create_engine(postgresql_url)
    assert current_revision(engine) == "0001"
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(url: str, body: Any = None, key: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_answers_over_http(tmp_path: Path, model_path: Path) -> None:
    port = _free_port()
    env = {
        "TRIAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "TRIAGE_MODEL_PATH": str(model_path),
        "TRIAGE_MODEL_SOURCE": "file",
        "TRIAGE_BOOTSTRAP_ADMIN_KEY": "rt_bootstrap_for_tests",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "triage.cli", "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, ready = _request(f"{base}/readyz")
                if status == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "the service did not become ready"
            time.sleep(0.3)
        assert ready["status"] == "ready" and ready["model"]
        status, body = _request(
            f"{base}/v1/classify", {"text": "Our account was hacked!"}, "rt_bootstrap_for_tests"
        )
        assert status == 200 and body["severity"] == "red" and body["owner"] == "leadership"
        status, body = _request(f"{base}/v1/classify", {"text": "hi"})
        assert status == 401 and body["error"] == "NotAuthenticatedError"
        status, spec = _request(f"{base}/openapi.json")
        assert status == 200 and "/v1/classify" in spec["paths"]
    finally:
        server.terminate()
        server.wait(timeout=30)
