"""Console sessions live on the server: sign-out, revocation and expiry end them, so a replayed
cookie is refused; cookie-deleting responses keep the cookies' safe attributes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from service.access.keys import hash_key
from service.console.session import cookie_value
from service.db import transaction
from service.tables import ApiKey, Review, UiSession

LEGAL = "We will sue you and our lawyer is drafting the complaint"
COOKIE = "triage_session"


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def _sign_in(client: TestClient, key: str) -> Any:
    form = client.get("/ui/login")
    response = client.post(
        "/ui/login",
        data={"api_key": key, "csrf_token": _token(form.text), "next": "/ui/queue"},
    )
    assert response.status_code == 303 and response.headers["location"] == "/ui/queue"
    return response


def _browser(api: Any, *, https: bool = False) -> TestClient:
    """Another browser on the same app: its own cookie jar; redirects are not followed."""
    base = "https://testserver" if https else "http://testserver"
    return TestClient(api.client.app, base_url=base, follow_redirects=False)


def _signed_in_browser(api: Any, key: str) -> tuple[TestClient, str, str]:
    """A browser signed in with `key`, its session cookie and the session's CSRF token."""
    browser = _browser(api)
    _sign_in(browser, key)
    page = browser.get("/ui/queue")
    assert page.status_code == 200
    cookie = browser.cookies.get(COOKIE)
    assert cookie
    return browser, cookie, _token(page.text)


def _replay(api: Any, cookie: str) -> TestClient:
    """A fresh client that sends a copied session cookie (as an attacker would)."""
    replayer = _browser(api)
    replayer.cookies.set(COOKIE, cookie, path="/ui")
    return replayer


def _redirects_to_login(response: Any) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith(
        "/ui/login?next="
    )


def _set_cookies(response: Any, name: str) -> list[str]:
    return [
        header
        for header in response.headers.get_list("set-cookie")
        if header.startswith(f"{name}=")
    ]


@pytest.fixture
def console(make_api: Any) -> Any:
    return make_api(ui_cookie_secure=False)  # TestClient speaks plain http to "testserver"


def test_a_cookie_replayed_after_sign_out_is_refused_and_changes_nothing(console: Any) -> None:
    item = console.post("/v1/classify", json={"text": LEGAL}).json()
    assert item["severity"] == "red"
    browser, cookie, csrf = _signed_in_browser(console, console.keys["reviewer"])
    replayer = _replay(console, cookie)
    assert replayer.get("/ui/queue").status_code == 200  # the copy works while signed in

    out = browser.post("/ui/logout", data={"csrf_token": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/ui/login"
    assert browser.cookies.get(COOKIE) is None

    for path in ("/ui/queue", f"/ui/items/{item['id']}", "/ui/dashboard"):
        assert _redirects_to_login(replayer.get(path)), path
    before = console.get(f"/v1/items/{item['id']}").json()
    correction = replayer.post(
        f"/ui/items/{item['id']}/review",
        data={
            "csrf_token": csrf,
            "version": str(before["version"]),
            "action": "correct",
            "category": "review",
            "severity": "green",
            "note": "replayed",
        },
    )
    assert _redirects_to_login(correction)
    after = console.get(f"/v1/items/{item['id']}").json()
    assert (after["severity"], after["category"], after["version"]) == (
        before["severity"],
        before["category"],
        before["version"],
    )
    assert after["severity"] == "red" and after["reviews"] == []
    with transaction(console.runtime.factory) as db:
        assert db.scalars(select(Review).where(Review.item_id == item["id"])).all() == []
        (ended,) = db.scalars(select(UiSession.ended_at)).all()
    assert ended is not None


def test_signing_out_one_session_keeps_the_other_session_of_the_key(console: Any) -> None:
    first, first_cookie, first_csrf = _signed_in_browser(console, console.keys["reviewer"])
    second, second_cookie, _ = _signed_in_browser(console, console.keys["reviewer"])
    assert first_cookie != second_cookie
    first.post("/ui/logout", data={"csrf_token": first_csrf})
    assert second.get("/ui/queue").status_code == 200
    assert _redirects_to_login(_replay(console, first_cookie).get("/ui/queue"))


def test_sign_out_without_the_session_token_is_refused_and_ends_nothing(console: Any) -> None:
    browser, _, _ = _signed_in_browser(console, console.keys["reviewer"])
    forged = browser.post("/ui/logout", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert browser.get("/ui/queue").status_code == 200


def test_signing_in_again_ends_the_browsers_previous_session(console: Any) -> None:
    browser, old_cookie, _ = _signed_in_browser(console, console.keys["reviewer"])
    _sign_in(browser, console.keys["admin"])
    assert browser.cookies.get(COOKIE) != old_cookie
    assert browser.get("/ui/queue").status_code == 200
    assert _redirects_to_login(_replay(console, old_cookie).get("/ui/queue"))


def test_revoking_the_key_ends_its_sessions(console: Any) -> None:
    created = console.post("/v1/keys", json={"role": "reviewer", "name": "Dana"}).json()
    first, _, _ = _signed_in_browser(console, created["key"])
    second, _, _ = _signed_in_browser(console, created["key"])
    others, _, _ = _signed_in_browser(console, console.keys["reviewer"])
    revoked = console.client.request(
        "DELETE", f"/v1/keys/{created['id']}", headers=console.headers("admin")
    )
    assert revoked.status_code == 200
    for browser in (first, second):
        assert _redirects_to_login(browser.get("/ui/queue"))
    assert others.get("/ui/queue").status_code == 200
    with transaction(console.runtime.factory) as db:
        ended = db.scalars(select(UiSession.ended_at).where(UiSession.key_id == created["id"]))
        assert [when is not None for when in ended] == [True, True]


def test_a_key_revoked_in_the_database_alone_still_ends_its_sessions(console: Any) -> None:
    """The lookup joins the key: a revoked key's session is refused even if its row is live."""
    browser, _, _ = _signed_in_browser(console, console.keys["reviewer"])
    with transaction(console.runtime.factory) as db:
        db.execute(
            update(ApiKey)
            .where(ApiKey.key_hash == hash_key(console.keys["reviewer"]))
            .values(revoked_at=datetime.now(UTC))
        )
        live = db.scalars(select(UiSession).where(UiSession.ended_at.is_(None))).all()
    assert len(live) == 1
    assert _redirects_to_login(browser.get("/ui/queue"))


def test_an_expired_session_is_refused(console: Any) -> None:
    browser, _, _ = _signed_in_browser(console, console.keys["reviewer"])
    with transaction(console.runtime.factory) as db:
        row = db.scalars(select(UiSession)).one()
        assert row.expires_at - row.created_at == timedelta(minutes=480)
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert _redirects_to_login(browser.get("/ui/queue"))


def test_a_live_token_under_another_signature_is_refused(console: Any) -> None:
    _, cookie, _ = _signed_in_browser(console, console.keys["reviewer"])
    token = cookie.rsplit(".", 1)[0]
    with transaction(console.runtime.factory) as db:
        assert db.scalars(select(UiSession.token_hash)).one() == hash_key(token)  # never the token
    forged = cookie_value(secret=b"another secret", token=token)
    assert _redirects_to_login(_replay(console, forged).get("/ui/queue"))
    assert _replay(console, cookie).get("/ui/queue").status_code == 200


@pytest.mark.parametrize("secure", [True, False])
def test_cookie_deleting_responses_keep_the_cookies_attributes(make_api: Any, secure: bool) -> None:
    api = make_api(ui_cookie_secure=secure)
    browser = _browser(api, https=True)  # a Secure cookie is sent back over https only
    signed_in = _sign_in(browser, api.keys["reviewer"])
    csrf = _token(browser.get("/ui/queue").text)
    signed_out = browser.post("/ui/logout", data={"csrf_token": csrf})
    deleted = _set_cookies(signed_in, "triage_login_csrf") + _set_cookies(signed_out, COOKIE)
    assert len(deleted) == 2
    for header in deleted:
        attributes = {part.strip().lower() for part in header.split(";")[1:]}
        assert "max-age=0" in attributes, header
        assert {"httponly", "samesite=strict", "path=/ui"} <= attributes, header
        assert ("secure" in attributes) is secure, header
