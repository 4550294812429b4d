"""The browser test infrastructure itself: the real service on a real port, seen by Chromium.

(/docs loads Swagger UI's assets from a CDN, which tests cannot reach: these use JSON pages.)
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page


def _body_json(page: Page) -> Any:
    return json.loads(page.locator("body").inner_text())


def test_healthz_in_the_browser(page: Page, server: Any, screenshot: Any) -> None:
    answer = page.goto("/healthz")
    assert answer is not None
    assert answer.status == 200
    assert page.url == f"{server.base_url}/healthz"
    assert _body_json(page) == {"status": "ok"}
    path = screenshot(page, "smoke-healthz")
    assert path.name == "smoke-healthz.png"
    assert path.is_file()
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 100


def test_readyz_reports_the_loaded_model(page: Page, server: Any) -> None:
    page.goto("/readyz")
    ready = _body_json(page)
    assert ready["status"] == "ready"
    assert ready["database"] == "ok"
    assert ready["model"] == server.runtime.holder.state.describe()["model_version"]


def test_openapi_on_a_tablet(tablet_page: Page, screenshot: Any) -> None:
    tablet_page.goto("/openapi.json")
    assert tablet_page.viewport_size == {"width": 820, "height": 1180}
    spec = _body_json(tablet_page)
    assert spec["info"]["title"] == "review-triage"
    assert "/healthz" in spec["paths"]
    assert screenshot(tablet_page, "smoke-openapi-tablet", full_page=False).stat().st_size > 0


def test_server_keys_work_over_http(server: Any) -> None:
    assert set(server.keys) == {"helpdesk", "reviewer", "admin"}
    assert server.get("/v1/items", role="reviewer").status_code == 200
    assert server.get("/v1/items", role=None).status_code == 401


def test_each_page_has_its_own_cookies(new_page: Any, server: Any) -> None:
    first = new_page()
    second = new_page(390, 844)
    first.context.add_cookies([{"name": "probe", "value": "1", "url": server.base_url}])
    assert [c["name"] for c in first.context.cookies()] == ["probe"]
    assert second.context.cookies() == []
