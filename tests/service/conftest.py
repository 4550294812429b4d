"""Service fixtures: the app on a real database, SQLite and PostgreSQL alike.

PostgreSQL: `TRIAGE_TEST_POSTGRES_URL` (default: the local server on 127.0.0.1:5432, database
`test`). Each test session works in a schema of its own. The PostgreSQL tests fail, not skip,
when the server is unreachable; set TRIAGE_TEST_POSTGRES_URL=skip to leave them out on purpose.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from core.settings import Settings
from service.access.keys import create_key
from service.app import build_runtime, create_app
from service.db import migrate, transaction
from service.enums import Role
from service.runtime import Runtime
from service.serving.holder import ModelHolder
from service.tables import Base

POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_url() -> str | None:
    url = os.environ.get("TRIAGE_TEST_POSTGRES_URL", POSTGRES_DEFAULT)
    return None if url == "skip" else url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'triage.db'}"
    migrate(url)
    return url


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    base = _postgres_url()
    if base is None:
        pytest.skip("TRIAGE_TEST_POSTGRES_URL=skip")
    schema = f"triage_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    url = f"{base}{separator}options=-csearch_path%3D{schema}"
    migrate(url)
    yield url
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture(scope="session")
def shared_holder(model_path: Path) -> ModelHolder:
    """The session's trained model, loaded once and shared by every app of the session."""
    holder = ModelHolder(Settings(model_source="file", model_path=model_path))
    holder.load()
    return holder


def _empty(runtime: Runtime) -> None:
    with transaction(runtime.factory) as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())


@dataclass
class Api:
    """A client on the app plus one key per role."""

    client: TestClient
    runtime: Runtime
    keys: dict[str, str]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def post(self, path: str, role: str = "admin", **kwargs: Any) -> Any:
        return self.client.post(path, headers=self.headers(role), **kwargs)

    def get(self, path: str, role: str = "admin", **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers(role), **kwargs)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "escalation_interval_seconds": 0,
        "themes_refit_hours": 0,
        # Tests run pattern rounds themselves (service.patterns.flows.analyse).
        "patterns_interval_seconds": 0,
        # Tests evaluate thresholds themselves (service.metrics.thresholds.check_thresholds).
        "thresholds_interval_seconds": 0,
        "model_source": "file",
        # Audit samples are drawn at random; the tests that want them ask for a share.
        "audit_share": 0.0,
    }
    return Settings(**(values | overrides))


@pytest.fixture
def make_api(database_url: str, shared_holder: ModelHolder) -> Iterator[Any]:
    """Build an app on the test database (emptied first) with optional setting overrides."""
    opened: list[TestClient] = []

    def build(holder: ModelHolder | None = None, **overrides: Any) -> Api:
        settings = make_settings(database_url, **overrides)
        runtime = build_runtime(settings, holder=holder or shared_holder)
        _empty(runtime)
        keys = {}
        with transaction(runtime.factory) as session:
            for role in Role:
                keys[role.value] = create_key(session=session, role=role, name=f"{role}-test").key
        client = TestClient(create_app(settings, runtime=runtime))
        client.__enter__()
        opened.append(client)
        return Api(client, runtime, keys)

    yield build
    for client in opened:
        client.__exit__(None, None, None)
        client.app.state.runtime.engine.dispose()


@pytest.fixture
def api(make_api: Any) -> Api:
    built: Api = make_api()
    return built
