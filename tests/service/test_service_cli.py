"""The service's commands end to end: migrations, keys, `triage serve` over real HTTP."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, delete, select

from service.db import alembic_config, current_revision, make_engine
from service.tables import Base, Item

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
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()  # type: ignore[arg-type]
    assert head is not None and current_revision(engine) == head
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_reviewer_flags_migration_goes_down_and_up(database_url: str) -> None:
    """0004 adds `reviewer_flags` to items and reviews; rows stored before it get []."""
    from alembic import command
    from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, MetaData, Table, inspect

    from service.db import migrate

    engine = make_engine(database_url)

    def has_flags(table: str) -> bool:
        return "reviewer_flags" in {c["name"] for c in inspect(engine).get_columns(table)}

    def value_for(column: Any) -> Any:
        for kind, value in ((JSON, []), (DateTime, datetime.now(UTC)), (Boolean, False)):
            if isinstance(column.type, kind):
                return value
        return 1 if isinstance(column.type, Integer | Float) else "x"

    try:
        command.downgrade(alembic_config(database_url), "0003")  # type: ignore[arg-type]
        assert current_revision(engine) == "0003"
        assert not has_flags("items") and not has_flags("reviews")
        items = Table("items", MetaData(), autoload_with=engine)
        row = {
            c.name: value_for(c)
            for c in items.columns
            if not c.nullable and c.server_default is None and not c.primary_key
        }
        with engine.begin() as connection:
            old_id = connection.execute(items.insert().returning(items.c.id), row).scalar_one()
    finally:
        migrate(database_url)
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()  # type: ignore[arg-type]
    assert current_revision(engine) == head
    assert has_flags("items") and has_flags("reviews")
    with engine.begin() as connection:
        (stored,) = connection.execute(
            select(Item.reviewer_flags).where(Item.id == old_id)
        ).scalars()
        connection.execute(delete(Item).where(Item.id == old_id))
    engine.dispose()
    assert stored == []


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


def test_keys_carry_skills(tmp_path: Path) -> None:
    """`keys create --skill`, `keys skills` and `keys list` (issue 19); a bad skill changes
    nothing and says what is wrong."""
    env = {"TRIAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}"}
    created = triage(
        "keys", "create", "--role", "reviewer", "--name", "Dana",
        "--skill", "flag:legal", "--skill", "lang:DE", "--skill", "category:complaint",
        env=env,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "flag:legal lang:de category:complaint" in created.stderr
    listed = triage("keys", "list", env=env)
    assert "Dana  active  flag:legal lang:de category:complaint" in listed.stdout
    for bad, message in (
        ("flag:lawsuit", "flags"),
        ("lang:xx", "ISO 639-1"),
        ("category:praise", "categories"),
        ("team:legal", "KIND:VALUE"),
    ):
        refused = triage("keys", "skills", "1", "--skill", bad, env=env)
        assert refused.returncode == 2 and message in refused.stderr, (bad, refused.stderr)
    assert "flag:legal lang:de category:complaint" in triage("keys", "list", env=env).stdout
    changed = triage("keys", "skills", "1", "--skill", "flag:fraud", env=env)
    assert changed.returncode == 0, changed.stderr
    assert "Dana  active  flag:fraud" in triage("keys", "list", env=env).stdout
    cleared = triage("keys", "skills", "1", env=env)
    assert cleared.returncode == 0 and "no skills" in triage("keys", "list", env=env).stdout


def test_db_upgrade_on_postgresql(postgresql_url: str) -> None:
    done = triage("db", "upgrade", env={"TRIAGE_DATABASE_URL": postgresql_url})
    assert done.returncode == 0, done.stderr
    engine = create_engine(postgresql_url)
    head = ScriptDirectory.from_config(alembic_config(postgresql_url)).get_current_head()  # type: ignore[arg-type]
    assert current_revision(engine) == head
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


@contextlib.contextmanager
def _serving(env: dict[str, str], *args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`triage serve` on a free port, once it answers /readyz; stopped (SIGTERM) after."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "triage.cli", "serve", "--port", str(port), *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(server, base)
        yield server, base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_ready(server: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            status, ready = _request(f"{base}/readyz")
            if status == 200:
                assert ready["status"] == "ready" and ready["model"]
                return
        except OSError:
            pass
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        assert time.monotonic() < deadline, "the service did not become ready"
        time.sleep(0.3)


def _served_env(tmp_path: Path, model_path: Path) -> dict[str, str]:
    return {
        "TRIAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "TRIAGE_MODEL_PATH": str(model_path),
        "TRIAGE_MODEL_SOURCE": "file",
        "TRIAGE_BOOTSTRAP_ADMIN_KEY": "rt_bootstrap_for_tests",
    }


def test_serve_answers_over_http(tmp_path: Path, model_path: Path) -> None:
    with _serving(_served_env(tmp_path, model_path)) as (_, base):
        status, body = _request(
            f"{base}/v1/classify", {"text": "Our account was hacked!"}, "rt_bootstrap_for_tests"
        )
        assert status == 200 and body["severity"] == "red" and body["owner"] == "leadership"
        status, body = _request(f"{base}/v1/classify", {"text": "hi"})
        assert status == 401 and body["error"] == "NotAuthenticatedError"
        status, spec = _request(f"{base}/openapi.json")
        assert status == 200 and "/v1/classify" in spec["paths"]


def _workers(supervisor: int) -> list[int]:
    """The supervisor's worker processes (multiprocessing's spawned children)."""
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return sorted(
        int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    )


def _environment(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(p.decode().partition("=")[::2] for p in pairs if b"=" in p)


def _wait_for_workers(supervisor: int, count: int, not_in: list[int]) -> list[int]:
    deadline = time.monotonic() + 120
    while True:
        workers = _workers(supervisor)
        if len(workers) == count and not set(workers) & set(not_in):
            return workers
        assert time.monotonic() < deadline, f"workers now {workers}, before {not_in}"
        time.sleep(0.3)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads workers from /proc")
def test_serve_with_workers_shares_the_socket_and_reloads_every_worker(
    tmp_path: Path, model_path: Path
) -> None:
    """`--workers 2`: two processes serve one port, agree on the console's signing key, store
    every request once; a model reload replaces both workers, and the port keeps answering."""
    key = "rt_bootstrap_for_tests"
    with _serving(_served_env(tmp_path, model_path), "--workers", "2") as (server, base):
        workers = _wait_for_workers(server.pid, 2, [])
        environments = [_environment(pid) for pid in workers]
        secrets = {env.get("TRIAGE_UI_SECRET") for env in environments}
        assert len(secrets) == 1 and None not in secrets  # one key signs every cookie
        assert {env["TRIAGE_SUPERVISOR_PID"] for env in environments} == {str(server.pid)}

        texts = [f"Order {n} arrived late and the invoice is wrong" for n in range(24)]
        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(
                    lambda n: _request(
                        f"{base}/v1/classify", {"text": texts[n], "external_id": f"w{n}"}, key
                    ),
                    range(len(texts)),
                )
            )
        assert [status for status, _ in answers] == [200] * len(texts)
        assert len({body["id"] for _, body in answers}) == len(texts)

        status, reloaded = _request(f"{base}/v1/model/reload", {}, key)
        assert status == 200, reloaded
        assert reloaded["loaded"] and reloaded["restarting_workers"] is True
        _wait_for_workers(server.pid, 2, workers)  # both replaced, each new one ready first
        _wait_ready(server, base)
        status, body = _request(f"{base}/v1/classify", {"text": "We will sue you"}, key)
        assert status == 200 and body["severity"] == "red"
        status, listed = _request(f"{base}/v1/items?limit=200", None, key)
        assert status == 200 and len(listed["items"]) == len(texts) + 1
    assert server.returncode == 0
