"""The reviewer console over HTTP (no browser): sign-in, escaping, CSRF, headers, conflicts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.console.flash import Flash, decode, encode
from service.console.routes import highlighted

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


def _review(console: Any, item_id: int, token: str, **fields: str) -> Any:
    data = {"csrf_token": token, "version": "1", "action": "confirm"} | fields
    return console.client.post(f"/ui/items/{item_id}/review", data=data, follow_redirects=False)


def test_a_review_goes_on_to_the_next_item_of_the_queue_with_a_notice(console: Any) -> None:
    for text, source in (
        ("Someone hacked our admin account", "g2"),
        ("We will sue you over the lost pallet", "email"),
        ("Your rep stole money from our account, this is fraud", "g2"),
    ):
        assert console.post("/v1/classify", json={"text": text, "source": source}).is_success
    ids = [i["id"] for i in console.get("/v1/queue").json()["items"]]
    sign_in(console)
    token = _token(console.client.get(f"/ui/items/{ids[0]}?pos=0").text)

    done = _review(console, ids[0], token, pos="0")
    assert done.status_code == 303
    assert done.headers["location"] == f"/ui/items/{ids[1]}?pos=0"  # ids[0] left the queue
    page = console.client.get(done.headers["location"]).text
    assert f"Item {ids[0]} reviewed." in page
    assert f'<a href="/ui/items/{ids[0]}" id="last-item">Back to item {ids[0]}</a>' in page
    assert f"<h1>Item {ids[1]}" in page
    assert "reviewed." not in console.client.get(f"/ui/items/{ids[1]}").text  # shown once

    # An item opened on its own: on to the top of the queue.
    alone = _review(console, ids[1], token)
    assert alone.headers["location"] == f"/ui/items/{ids[2]}?pos=0"
    # The last one: the queue page says nothing else is waiting.
    last = _review(console, ids[2], token, pos="0")
    assert last.headers["location"] == "/ui/queue?"
    queue_page = console.client.get("/ui/queue").text
    assert f"Item {ids[2]} reviewed." in queue_page
    assert "Nothing else is waiting for review." in queue_page
    assert console.get("/v1/queue").json()["items"] == []
    reviewed = [console.get(f"/v1/items/{i}").json() for i in ids]
    assert all(item["status"] == "routed" and item["reviewed"] for item in reviewed)


def test_the_next_item_keeps_the_queue_filters(console: Any) -> None:
    for text, source in (
        ("Someone hacked our admin account", "g2"),
        ("We will sue you over the lost pallet", "email"),
        ("Your rep stole money from our account, this is fraud", "g2"),
    ):
        console.post("/v1/classify", json={"text": text, "source": source})
    g2 = [i["id"] for i in console.get("/v1/queue", params={"source": "g2"}).json()["items"]]
    sign_in(console)
    token = _token(console.client.get(f"/ui/items/{g2[0]}?pos=0&source=g2").text)
    done = _review(console, g2[0], token, pos="0", q_source="g2")
    assert done.headers["location"] == f"/ui/items/{g2[1]}?pos=0&source=g2"
    last = _review(console, g2[1], token, pos="0", q_source="g2")
    assert last.headers["location"] == "/ui/queue?source=g2"
    assert "Nothing else is waiting for review with these filters." in (
        console.client.get(last.headers["location"]).text
    )


def test_a_stale_edit_redirects_to_the_item_with_the_conflict_and_keeps_the_change(
    console: Any,
) -> None:
    item = console.post("/v1/classify", json={"text": "Someone hacked our admin account"}).json()
    sign_in(console)
    token = _token(console.client.get(f"/ui/items/{item['id']}").text)
    assert _review(console, item["id"], token).status_code == 303
    stale = _review(
        console,
        item["id"],
        token,
        action="correct",
        category="review",
        severity="green",
        note="Looks harmless <b>to me</b>",
        pos="3",
    )
    assert stale.status_code == 303  # never left on the POST address
    assert stale.headers["location"] == f"/ui/items/{item['id']}?pos=3"
    page = console.client.get(stale.headers["location"])
    assert page.status_code == 200
    assert "Someone else changed this item" in page.text
    assert "Their decision: <strong>confirm</strong>" in page.text
    assert "Your change (not saved)" in page.text
    assert "Looks harmless &lt;b&gt;to me&lt;/b&gt;" in page.text
    assert "<dd>green</dd>" in page.text and "<dd>review</dd>" in page.text
    assert "Someone else changed" not in console.client.get(stale.headers["location"]).text
    stored = console.get(f"/v1/items/{item['id']}").json()
    assert [r["action"] for r in stored["reviews"]] == ["confirm"]
    assert stored["severity"] == "red"


def test_bad_input_redirects_to_the_item_with_the_error_and_loses_nothing(console: Any) -> None:
    item = console.post("/v1/classify", json={"text": "Someone hacked our admin account"}).json()
    sign_in(console)
    token = _token(console.client.get(f"/ui/items/{item['id']}").text)
    bad = _review(
        console,
        item["id"],
        token,
        action="correct",
        category="not-a-category",
        severity="red",
        note="Keep this note",
    )
    assert bad.status_code == 303 and bad.headers["location"] == f"/ui/items/{item['id']}"
    page = console.client.get(bad.headers["location"]).text
    found = re.search(
        r'<section class="alert error" role="alert" id="error">(.*?)</section>', page, re.S
    )
    assert found is not None, page[:2000]
    assert "Input should be" in found.group(1)  # what was wrong with the category
    assert "Your change was not saved." in found.group(1)
    assert "<dd>not-a-category</dd>" in found.group(1) and "Keep this note" in found.group(1)
    assert console.get(f"/v1/items/{item['id']}").json()["reviews"] == []


def test_a_long_unsaved_note_is_shortened_to_fit_a_cookie_and_says_so(console: Any) -> None:
    item = console.post("/v1/classify", json={"text": "Someone hacked our admin account"}).json()
    sign_in(console)
    token = _token(console.client.get(f"/ui/items/{item['id']}").text)
    _review(console, item["id"], token)
    note = "Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich. " * 75
    stale = _review(console, item["id"], token, action="correct", note=note[:5000])
    assert len(stale.headers["set-cookie"]) < 4096
    page = console.client.get(stale.headers["location"]).text
    assert note[:500] in page and "[…]" in page and "is shortened" in page


def test_flash_cookies_are_signed() -> None:
    secret = b"k" * 32
    flash = Flash("conflict", 7, detail="changed", attempt={"note": "ünïcödé"})
    value = encode(secret, flash)
    assert decode(secret, value) == flash
    assert decode(b"other" * 8, value) is None
    payload, signature = value.rsplit(".", 1)
    assert decode(secret, payload[:-2] + "AA." + signature) is None
    assert decode(secret, "garbage") is None and decode(secret, None) is None


def test_dashboard_renders_svg_charts_without_external_assets(console: Any) -> None:
    console.post("/v1/classify", json={"text": HOSTILE, "source": "g2"})
    sign_in(console)
    html = console.client.get("/ui/dashboard?bucket=week").text
    assert html.count("<svg") >= 6
    assert not re.search(r'(src|href)="(https?:)?//', html)
    templates = Path(__file__).resolve().parents[3] / "service" / "console" / "templates"
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
