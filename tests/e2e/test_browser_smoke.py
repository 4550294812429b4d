"""The browser test infrastructure itself: the real service on a real port, seen by Chromium;
and the API documentation pages, which must work with no network but the service's."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page, Route


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
    assert ready["model"] == server.runtime.holder.state.describe().model_version


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


def _offline(page: Page, server: Any) -> tuple[list[str], list[str]]:
    """Cut `page` off from everything but the service; returns the URLs it tried elsewhere and
    the errors its console shows."""
    elsewhere: list[str] = []
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )

    def only_the_service(route: Route) -> None:
        if route.request.url.startswith(server.base_url + "/"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", only_the_service)
    return elsewhere, errors


def test_swagger_ui_works_offline_with_authorize(page: Page, server: Any, screenshot: Any) -> None:
    elsewhere, errors = _offline(page, server)
    page.goto("/docs")
    page.locator(".swagger-ui .information-container .title").wait_for()
    assert "review-triage" in page.locator(".swagger-ui .title").first.inner_text()
    assert page.locator(".opblock").count() >= 15  # the operations, from /openapi.json
    authorize = page.locator("button.authorize").first
    authorize.wait_for()
    authorize.click()
    dialog = page.locator(".dialog-ux .modal-ux")
    dialog.wait_for()
    assert "ApiKey" in dialog.inner_text() and "Bearer" in dialog.inner_text()
    # Authorize with a reviewer key as X-API-Key, then run GET /v1/items from the page.
    dialog.locator("input").first.fill(server.keys["reviewer"])
    dialog.locator("button.authorize").first.click()
    dialog.locator("button.close-modal").click()
    server.post("/v1/classify", role="helpdesk", json={"text": "How do I add a second admin?"})
    operation = page.locator("#operations-items-items_v1_items_get")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert '"total": 1' in operation.locator(".live-responses-table .microlight").first.inner_text()
    screenshot(page, "docs-swagger-offline", full_page=False)
    assert elsewhere == [] and errors == []


def test_redoc_works_offline(page: Page, server: Any, screenshot: Any) -> None:
    elsewhere, errors = _offline(page, server)
    page.goto("/redoc")
    page.get_by_role("heading", name="review-triage").first.wait_for()
    page.get_by_role("heading", name="Classify Batch").first.wait_for()
    # Each operation names the two ways to send a key.
    assert page.locator("text=ApiKey").count() >= 15 and page.locator("text=Bearer").count() >= 15
    screenshot(page, "docs-redoc-offline", full_page=False)
    # ReDoc's logo comes from its CDN: the page's policy refuses it before any request is made.
    assert elsewhere == []
    assert len(errors) == 1, errors
    assert "logo-mini.svg" in errors[0] and "Content Security Policy" in errors[0]
