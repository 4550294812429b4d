"""End-to-end fixtures: the real service on a real port, driven by headless Chromium.

The service runs in a background thread under uvicorn on 127.0.0.1 (a free port), on a fresh
SQLite file and the session's trained model. The browser is the system's Chromium (Debian's
`chromium` package, installed by `make browser`), driven by Playwright's sync API; Playwright's
own browser downloads are never used. `TRIAGE_TEST_CHROMIUM` points at another executable.

Fixtures:
- `live_server` (session): the running service, a `LiveServer`.
- `server` (function): `live_server` with an empty database and fresh keys, one per role.
- `make_live_server` (function): `make_live_server(**settings_overrides)` starts another
  service with other settings, stopped at the end of the test.
- `browser` (session): headless Chromium.
- `new_page` (function): `new_page(width=1280, height=800, **context_options)` opens a page in
  a new browser context (own cookies) whose base URL is `server.base_url`.
- `page` (function): a desktop page (1280x800); `tablet_page`: a tablet page (820x1180).
- `screenshot` (function): `screenshot(page, "name")` saves `test-artifacts/screenshots/name.png`
  and returns its path. A failing test also leaves a screenshot of each of its pages in
  `test-artifacts/failures/`.

Every test in this folder is marked `e2e`.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from core.settings import Settings
from service.access.keys import create_key
from service.app import build_runtime, create_app
from service.db import migrate, transaction
from service.enums import Role
from service.runtime import Runtime
from service.serving.holder import ModelHolder
from service.tables import Base

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ARTIFACTS = Path(os.environ.get("TRIAGE_TEST_ARTIFACTS", ROOT / "test-artifacts"))
SCREENSHOTS = ARTIFACTS / "screenshots"
FAILURES = ARTIFACTS / "failures"

DESKTOP = (1280, 800)
TABLET = (820, 1180)
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# --no-sandbox: Chromium's sandbox refuses to run as root (CI) and needs user namespaces that
# containers often lack. --disable-dev-shm-usage: a container's /dev/shm may be 64 MB.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
STARTUP_SECONDS = 30.0
TIMEOUT_MS = 10_000  # Playwright's default wait for a selector or a navigation: fail fast


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


# ---------------------------------------------------------------------------------------------
# The service


def _free_socket() -> socket.socket:
    """A socket bound to a free port on 127.0.0.1, handed to uvicorn (no race for the port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _create_keys(runtime: Runtime) -> dict[str, str]:
    with transaction(runtime.factory) as session:
        return {
            role.value: create_key(session=session, role=role, name=f"{role.value}-e2e").key
            for role in Role
        }


@dataclass
class LiveServer:
    """The service running on `base_url`, its runtime, and one API key per role."""

    base_url: str
    runtime: Runtime
    keys: dict[str, str]
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _socket: socket.socket = field(repr=False)
    _client: httpx.Client = field(repr=False)

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def headers(self, role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def request(self, method: str, path: str, role: str | None = "admin", **kwargs: Any) -> Any:
        """A real HTTP request (to seed data through the API); role None sends no key."""
        headers = {**(self.headers(role) if role else {}), **kwargs.pop("headers", {})}
        return self._client.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, role: str | None = "admin", **kwargs: Any) -> Any:
        return self.request("GET", path, role, **kwargs)

    def post(self, path: str, role: str | None = "admin", **kwargs: Any) -> Any:
        return self.request("POST", path, role, **kwargs)

    def reset(self) -> None:
        """Empty every table and create new keys, one per role."""
        with transaction(self.runtime.factory) as session:
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(table.delete())
        self.keys = _create_keys(self.runtime)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._client.close()
        self._socket.close()
        self.runtime.engine.dispose()
        if self._thread.is_alive():
            raise RuntimeError("the e2e server did not stop within 15 s")


def start_server(settings: Settings, holder: ModelHolder) -> LiveServer:
    """Migrate the database, start uvicorn in a thread and wait until /readyz answers 200."""
    migrate(settings.database_url)
    runtime = build_runtime(settings, holder=holder)
    keys = _create_keys(runtime)
    sock = _free_socket()
    host, port = sock.getsockname()[:2]
    base_url = f"http://{host}:{port}"
    config = uvicorn.Config(
        create_app(settings, runtime=runtime),
        host=host,
        port=port,
        log_config=None,  # leave logging to pytest
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"e2e-uvicorn-{port}", daemon=True
    )
    thread.start()
    client = httpx.Client(base_url=base_url, timeout=10)
    live = LiveServer(base_url, runtime, keys, server, thread, sock, client)
    deadline = time.monotonic() + STARTUP_SECONDS
    last = "no answer"
    while time.monotonic() < deadline:
        if not thread.is_alive():
            live.stop()
            pytest.fail("the e2e server stopped during start-up (see the captured log)")
        if server.started:
            try:
                answer = client.get("/readyz")
                if answer.status_code == 200:
                    return live
                last = f"{answer.status_code} {answer.text[:200]}"
            except httpx.HTTPError as exc:
                last = repr(exc)
        time.sleep(0.05)
    live.stop()
    pytest.fail(f"the e2e server was not ready within {STARTUP_SECONDS:.0f} s: /readyz {last}")


def e2e_settings(database_url: str, model_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "escalation_interval_seconds": 0,
        "themes_refit_hours": 0,
        # Tests run pattern rounds themselves (service.patterns.flows.analyse).
        "patterns_interval_seconds": 0,
        # Tests evaluate thresholds themselves (service.metrics.thresholds.check_thresholds).
        "thresholds_interval_seconds": 0,
        "model_source": "file",
        "model_path": model_path,
        # Audit samples are drawn at random; the tests that want them ask for a share.
        "audit_share": 0.0,
    }
    return Settings(**(values | overrides))


@pytest.fixture(scope="session")
def e2e_holder(model_path: Path) -> ModelHolder:
    """The session's trained model, loaded once for every e2e server."""
    holder = ModelHolder(Settings(model_source="file", model_path=model_path))
    holder.load()
    return holder


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, model_path: Path, e2e_holder: ModelHolder
) -> Iterator[LiveServer]:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e-db') / 'triage.db'}"
    live = start_server(e2e_settings(url, model_path), e2e_holder)
    yield live
    live.stop()


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    """The session's server with an empty database and fresh keys."""
    live_server.reset()
    return live_server


class MakeLiveServer(Protocol):
    def __call__(self, **overrides: Any) -> LiveServer: ...


@pytest.fixture
def make_live_server(
    tmp_path: Path, model_path: Path, e2e_holder: ModelHolder
) -> Iterator[MakeLiveServer]:
    """Start a server of its own with setting overrides (a new SQLite file each)."""
    started: list[LiveServer] = []

    def make(**overrides: Any) -> LiveServer:
        url = f"sqlite:///{tmp_path / f'triage-{len(started)}.db'}"
        live = start_server(e2e_settings(url, model_path, **overrides), e2e_holder)
        started.append(live)
        return live

    yield make
    for live in started:
        live.stop()


# ---------------------------------------------------------------------------------------------
# The browser


def chromium_executable() -> str:
    """TRIAGE_TEST_CHROMIUM, else `chromium` on PATH, else /usr/bin/chromium; fails if absent."""
    path = os.environ.get("TRIAGE_TEST_CHROMIUM") or shutil.which("chromium") or DEFAULT_CHROMIUM
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"no Chromium executable at {path}: run `make browser` (installs Debian's chromium "
            "package), or set TRIAGE_TEST_CHROMIUM to a Chromium executable",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    launched = playwright_session.chromium.launch(
        executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report: pytest.TestReport = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "page"


class NewPage(Protocol):
    def __call__(
        self, width: int = DESKTOP[0], height: int = DESKTOP[1], **context_options: Any
    ) -> Page: ...


@pytest.fixture
def new_page(
    browser: Browser, server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[NewPage]:
    """Pages in new browser contexts (own cookies), with `server.base_url` as base URL."""
    contexts: list[BrowserContext] = []

    def open_page(
        width: int = DESKTOP[0], height: int = DESKTOP[1], **context_options: Any
    ) -> Page:
        options: dict[str, Any] = {
            "viewport": {"width": width, "height": height},
            "base_url": server.base_url,
        }
        context = browser.new_context(**(options | context_options))
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    reports = request.node.stash.get(_REPORTS, {})
    failed = any(report.failed for report in reports.values())
    for c, context in enumerate(contexts):
        if failed:
            FAILURES.mkdir(parents=True, exist_ok=True)
            for p, page in enumerate(context.pages):
                target = FAILURES / f"{_slug(request.node.nodeid)}-{c}-{p}.png"
                try:
                    page.screenshot(path=target, full_page=True)
                except Exception as exc:  # the page may be gone; the test failed anyway
                    print(f"no failure screenshot {target.name}: {exc}")
                else:
                    print(f"failure screenshot: {target}")
        context.close()


@pytest.fixture
def page(new_page: NewPage) -> Page:
    """A desktop page (1280x800)."""
    return new_page(*DESKTOP)


@pytest.fixture
def tablet_page(new_page: NewPage) -> Page:
    """A tablet page (820x1180, portrait)."""
    return new_page(*TABLET)


class Screenshot(Protocol):
    def __call__(self, page: Page, name: str, *, full_page: bool = True) -> Path: ...


def take_screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save `test-artifacts/screenshots/<name>.png` and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{_slug(name.removesuffix('.png'))}.png"
    page.screenshot(path=target, full_page=full_page)
    return target


@pytest.fixture
def screenshot() -> Screenshot:
    return take_screenshot
