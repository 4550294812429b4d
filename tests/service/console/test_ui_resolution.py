"""The console's resolve form asks what the item's severity needs (root cause, post-escalation
review), refuses a resolution without it and loses nothing; the dashboard shows the
resolution section. Over HTTP, no browser (tests/e2e/test_console_resolution.py clicks)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.service.console.test_ui import _token, sign_in

LEGAL = "We will sue you over the lost pallet, our lawyer is already on it."
REVIEW = {"what_happened": "A lost pallet", "what_failed": "No tracking on the courier"}


@pytest.fixture
def console(make_api: Any) -> Any:
    return make_api(ui_cookie_secure=False)


def _routed(console: Any, severity: str) -> dict[str, Any]:
    item = console.post("/v1/classify", json={"text": LEGAL}).json()
    body = {"version": 1, "action": "correct", "category": "service_issue", "severity": severity}
    routed: dict[str, Any] = console.post(f"/v1/items/{item['id']}/review", json=body).json()
    assert routed["status"] == "routed"
    return routed


def _resolve_form(html: str) -> str:
    found = re.search(r'<form [^>]*id="resolve-form">(.*?)</form>', html, re.S)
    assert found is not None, html[:2000]
    return found.group(1)


def test_the_form_asks_what_the_severity_needs(console: Any) -> None:
    red, yellow, green = (_routed(console, s) for s in ("red", "yellow", "green"))
    sign_in(console)
    red_form = _resolve_form(console.client.get(f"/ui/items/{red['id']}").text)
    assert '<select id="root_cause" name="root_cause" required>' in red_form
    assert '<option value="third_party">third party</option>' in red_form
    assert 'id="resolution-review"' in red_form
    assert 'name="what_happened" rows="2" required' in red_form
    yellow_form = _resolve_form(console.client.get(f"/ui/items/{yellow['id']}").text)
    assert 'name="root_cause" required' in yellow_form and "resolution-review" not in yellow_form
    green_form = _resolve_form(console.client.get(f"/ui/items/{green['id']}").text)
    assert "Root cause (optional)" in green_form and 'name="root_cause" required' not in green_form


def test_a_red_item_without_its_review_is_refused_and_the_text_kept(console: Any) -> None:
    item = _routed(console, "red")
    sign_in(console)
    token = _token(console.client.get(f"/ui/items/{item['id']}").text)
    data = {
        "csrf_token": token,
        "version": str(item["version"]),
        "action_taken": "Called the customer",
        "internal_change": "Courier tracking on every pallet",
        "root_cause": "third_party",
        "what_happened": "A lost pallet",
    }
    refused = console.client.post(
        f"/ui/items/{item['id']}/resolve", data=data, follow_redirects=False
    )
    assert refused.status_code == 303 and refused.headers["location"] == f"/ui/items/{item['id']}"
    page = console.client.get(refused.headers["location"]).text
    error = re.search(
        r'<section class="alert error" role="alert" id="error">(.*?)</section>', page, re.S
    )
    assert error is not None, page[:2000]
    assert "review.what_failed: String should have at least 1 character" in error.group(1)
    assert "<dd>Courier tracking on every pallet</dd>" in error.group(1)  # kept to retype
    stored = console.get(f"/v1/items/{item['id']}").json()
    assert stored["status"] == "routed" and stored["resolution"] is None

    done = console.client.post(
        f"/ui/items/{item['id']}/resolve",
        data=data | {"what_failed": REVIEW["what_failed"]},
        follow_redirects=False,
    )
    assert done.status_code == 303
    stored = console.get(f"/v1/items/{item['id']}").json()
    assert stored["resolution"] == {
        "root_cause": "third_party",
        "action_taken": "Called the customer",
        "internal_change": "Courier tracking on every pallet",
        "review": REVIEW | {"prevent_recurrence": None},
    }
    page = console.client.get(f"/ui/items/{item['id']}").text
    shown = re.search(r'<dl class="meta" id="resolution">(.*?)</dl>', page, re.S)
    assert shown is not None and "<dd>third party</dd>" in shown.group(1)
    assert "<dd>No tracking on the courier</dd>" in shown.group(1)


def test_the_dashboard_shows_the_resolution_section(console: Any) -> None:
    item = _routed(console, "yellow")
    body = {
        "action_taken": "Refunded",
        "internal_change": "Invoice check",
        "root_cause": "billing",
    }
    assert console.post(f"/v1/items/{item['id']}/resolve", json=body).status_code == 200
    sign_in(console)
    html = console.client.get("/ui/dashboard").text
    section = re.search(r'<section class="card" id="resolution">(.*?)</section>', html, re.S)
    assert section is not None
    text = section.group(1)
    assert '<th scope="row">owner support</th><td>1</td><td>1</td>' in text
    assert '<th scope="row">severity yellow</th><td>1</td><td>1</td>' in text
    billing = re.search(
        r'<th scope="row">billing</th><td>1</td><td>100%</td>(.*?)</tr>', text, re.S
    )
    assert billing is not None and "service_issue 1" in billing.group(1)
    assert '<th scope="row">process</th><td>0</td><td>0%</td>' in text
