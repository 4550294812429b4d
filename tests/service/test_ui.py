"""The reviewer console over HTTP (no browser): sign-in, escaping, CSRF, headers, conflicts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.ui.charts import Bar, bar_chart, grouped_bar_chart, trend_chart
from service.ui.routes import highlighted

HOSTILE = 'We will sue you <script>alert("x")</script> <img src=x onerror=alert(1)> & "quotes"'


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def sign_in(api: Any, role: str = "reviewer", client: Any = None) -> Any:
    client = client or api.client
    form = client.get("/ui/login")
    response = client.post(
        "/ui/login",
        data={"api_key": api.keys[role], "csrf_token": _token(form.text), "next": "/ui/queue"},
        follow_redirects=False,
    )
    return response


@pytest.fixture
def console(make_api: Any) -> Any:
    return make_api(ui_cookie_secure=False)  # TestClient speaks plain http to "testserver"


def test_pages_need_a_session(console: Any) -> None:
    for path in ("/ui/queue", "/ui/items/1", "/ui/dashboard", "/ui/queue/at/0"):
        response = console.client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith(
            "/ui/login?next="
        )


def test_sign_in_sets_a_safe_cookie_and_only_for_reviewers(make_api: Any) -> None:
    api = make_api()  # secure cookies, as in production: a browser sends them over https only
    secure_client = TestClient(api.client.app, base_url="https://testserver")
    api.client = secure_client
    response = sign_in(api)
    assert response.status_code == 303 and response.headers["location"] == "/ui/queue"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    assert api.keys["reviewer"].lower() not in cookie  # the key itself is never in the cookie
    refused = sign_in(api, "helpdesk")
    assert "error=" in refused.headers["location"] and "session" not in str(refused.cookies)
    form = api.client.get("/ui/login")
    forged = api.client.post(
        "/ui/login",
        data={"api_key": api.keys["admin"], "csrf_token": "forged", "next": "/ui/queue"},
        cookies={"triage_login_csrf": _token(form.text) + "x"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    wrong = api.client.post(
        "/ui/login",
        data={"api_key": "nope", "csrf_token": _token(form.text), "next": "https://evil.test/"},
        follow_redirects=False,
    )
    assert wrong.headers["location"].startswith("/ui/login?next=%2Fui%2Fqueue")


def test_review_text_is_escaped_everywhere(console: Any) -> None:
    console.post("/v1/classify", json={"text": HOSTILE, "source": "<b>g2</b>"})
    sign_in(console)
    for path in ("/ui/queue", "/ui/queue/at/0"):
        html = console.client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
    page = console.client.get("/ui/queue/at/0").text
    assert "<mark" in page  # the legal hit is highlighted, inside escaped text
    assert "&lt;b&gt;g2&lt;/b&gt;" in page or "&lt;b&gt;g2" in page


def test_security_headers(console: Any) -> None:
    sign_in(console)
    response = console.client.get("/ui/queue")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    api_response = console.get("/v1/items")
    assert api_response.headers["x-content-type-options"] == "nosniff"


def test_forms_need_the_session_token(console: Any) -> None:
    item = console.post("/v1/classify", json={"text": HOSTILE}).json()
    sign_in(console)
    forged = console.client.post(
        f"/ui/items/{item['id']}/review",
        data={"csrf_token": "forged", "version": "1", "action": "confirm"},
    )
    assert forged.status_code == 403
    assert console.get(f"/v1/items/{item['id']}").json()["reviews"] == []


def test_confirm_moves_to_the_next_item_and_a_stale_edit_shows_the_conflict(
    console: Any,
) -> None:
    console.post("/v1/classify", json={"text": HOSTILE})
    console.post("/v1/classify", json={"text": "Someone hacked our admin account"})
    sign_in(console)
    page = console.client.get("/ui/queue/at/0")
    shown = re.search(r"<h1>Item (\d+)", page.text)
    assert shown is not None
    first = {"id": int(shown.group(1))}
    token = _token(page.text)
    done = console.client.post(
        f"/ui/items/{first['id']}/review",
        data={"csrf_token": token, "version": "1", "action": "confirm", "pos": "0"},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/ui/queue/at/0?done=reviewed"
    stale = console.client.post(
        f"/ui/items/{first['id']}/review",
        data={
            "csrf_token": token,
            "version": "1",
            "action": "correct",
            "category": "review",
            "severity": "green",
        },
    )
    assert stale.status_code == 409
    assert "Someone else changed this item" in stale.text and "confirm" in stale.text
    assert console.get(f"/v1/items/{first['id']}").json()["severity"] == "red"


def test_dashboard_renders_svg_charts_without_external_assets(console: Any) -> None:
    console.post("/v1/classify", json={"text": HOSTILE, "source": "g2"})
    sign_in(console)
    html = console.client.get("/ui/dashboard?bucket=week").text
    assert html.count("<svg") >= 6
    assert not re.search(r'(src|href)="(https?:)?//', html)
    templates = Path(__file__).resolve().parents[2] / "service" / "ui" / "templates"
    for template in templates.glob("*.html"):
        assert not re.search(r"https?://", template.read_text()), template.name


def test_highlight_segments_cover_the_text_once() -> None:
    text = "we will sue and then sue again"
    flags = [
        {"family": "legal", "rule": "legal.sue", "start": 8, "end": 11},
        {"family": "legal", "rule": "legal.sue", "start": 21, "end": 24},
        {"family": "fraud", "rule": "x", "start": 9, "end": 14},
    ]
    segments = highlighted(text, flags)
    assert "".join(s["text"] for s in segments) == text
    assert [s["text"] for s in segments if s["flags"]] == ["sue an", "sue"]


def test_charts_escape_labels_and_handle_no_data() -> None:
    svg = bar_chart("t", [Bar("<b>x</b>", 0.5)], unit="%")
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "50%" in svg
    assert "No data" in bar_chart("t", [])
    assert "No data" in grouped_bar_chart("t", ["a"], [("s", [None])])
    assert "No data" in trend_chart("t", ["d1"], [0], [0], [None])
