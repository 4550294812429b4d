"""The console's incident pages over HTTP (no browser): the list, one incident with its items
and timeline, the status, note and status-text forms, publishing (admins), a stale form, and
escaping. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.service.console.test_ui import sign_in

HOSTILE = 'Outage <script>alert("x")</script> & "quotes"'


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


@pytest.fixture
def console(make_api: Any) -> Any:
    return make_api(ui_cookie_secure=False)  # TestClient speaks plain http to "testserver"


def _incident(console: Any) -> tuple[dict[str, Any], int]:
    item = console.post("/v1/classify", json={"text": "The dashboard returns 502 for everyone."})
    item_id = item.json()["id"]
    opened = console.post("/v1/incidents", json={"title": HOSTILE, "item_ids": [item_id]})
    assert opened.status_code == 201
    body: dict[str, Any] = opened.json()
    return body, item_id


def _post(console: Any, path: str, html: str, **fields: Any) -> Any:
    return console.client.post(
        path, data={"csrf_token": _token(html)} | fields, follow_redirects=False
    )


def test_incident_pages_need_a_session(console: Any) -> None:
    for path in ("/ui/incidents", "/ui/incidents/1"):
        response = console.client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/ui/login?next=")


def test_list_and_page_show_the_incident_escaped(console: Any) -> None:
    incident, item_id = _incident(console)
    sign_in(console)
    listing = console.client.get("/ui/incidents").text
    assert 'href="/ui/incidents"' in listing and 'aria-current="page"' in listing
    assert f'href="/ui/incidents/{incident["id"]}"' in listing
    assert "<script>alert" not in listing and "&lt;script&gt;" in listing
    assert "No incidents" in console.client.get("/ui/incidents?status=resolved").text
    page = console.client.get(f"/ui/incidents/{incident['id']}").text
    assert "<script>alert" not in page
    assert f'href="/ui/items/{item_id}"' in page  # its item, linked
    assert 'id="timeline"' in page and "opened" in page and "item_linked" in page
    assert 'id="publish-form"' not in page  # reviewers do not publish
    item_page = console.client.get(f"/ui/items/{item_id}").text
    assert f'href="/ui/incidents/{incident["id"]}"' in item_page
    assert console.client.get("/ui/incidents/999999").status_code == 404


def test_forms_change_status_note_and_text_and_admins_publish(console: Any) -> None:
    incident, _ = _incident(console)
    path = f"/ui/incidents/{incident['id']}"
    sign_in(console)
    html = console.client.get(path).text
    moved = _post(console, f"{path}/status", html, version=incident["version"], status="monitoring")
    assert moved.status_code == 303 and moved.headers["location"].startswith(path)
    page = console.client.get(moved.headers["location"]).text
    assert "Status changed." in page
    now = console.get(f"/v1/incidents/{incident['id']}").json()
    assert now["status"] == "monitoring"

    noted = _post(console, f"{path}/notes", page, text="Vendor is on it")
    assert "Note added." in console.client.get(noted.headers["location"]).text
    edited = _post(
        console, f"{path}/status-text", page, version=now["version"], text="Fixed by noon."
    )
    page = console.client.get(edited.headers["location"]).text
    assert "Status text saved." in page and "Fixed by noon." in page

    # A stale form (the version the page had before the edit) saves nothing.
    stale = _post(console, f"{path}/status", page, version=now["version"], status="resolved")
    page = console.client.get(stale.headers["location"]).text
    assert "Someone else changed this incident first" in page
    assert console.get(f"/v1/incidents/{incident['id']}").json()["status"] == "monitoring"
    # A reviewer may not publish; an admin may.
    refused = _post(console, f"{path}/publish", page, version=now["version"] + 1)
    assert (
        "role &#39;reviewer&#39; may not do this"
        in console.client.get(refused.headers["location"]).text
    )
    assert console.get(f"/v1/incidents/{incident['id']}").json()["published_text"] is None
    sign_in(console, "admin")
    page = console.client.get(path).text
    assert 'id="publish-form"' in page
    published = _post(console, f"{path}/publish", page, version=now["version"] + 1)
    page = console.client.get(published.headers["location"]).text
    assert "Status text published." in page and 'id="published"' in page
    # bad input: an unknown status and a missing token change nothing
    bad = _post(console, f"{path}/status", page, version=now["version"] + 2, status="done")
    assert "alert error" in console.client.get(bad.headers["location"]).text
    forged = console.client.post(f"{path}/notes", data={"csrf_token": "x", "text": "y"})
    assert forged.status_code == 403
    events = console.get(f"/v1/incidents/{incident['id']}").json()["events"]
    assert [e["kind"] for e in events] == [
        "opened",
        "item_linked",
        "status_changed",
        "note",
        "status_text_edited",
        "published",
    ]
