"""Bad requests get clear 4xx errors in one body shape, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest

GOOD = "How do I add a second admin to our workspace?"


@pytest.mark.parametrize(
    ("body", "status", "error", "detail"),
    [
        ({"text": ""}, 422, "ValidationError", "text"),
        ({"text": "  \n\t "}, 422, "UnprocessableError", "empty"),
        ({"text": "x" * 20_001}, 422, "UnprocessableError", "20000"),
        ({"text": GOOD, "rating": 6}, 422, "UnprocessableError", "rating"),
        ({"text": GOOD, "rating": "four"}, 422, "UnprocessableError", "rating"),
        ({"text": GOOD, "account_tier": "gold"}, 422, "ValidationError", "account_tier"),
        ({"rating": 3}, 422, "ValidationError", "text"),
        ({"text": GOOD, "colour": "red"}, 422, "ValidationError", "colour"),
        ({"text": 42}, 422, "ValidationError", "text"),
    ],
)
def test_bad_items(api: Any, body: Any, status: int, error: str, detail: str) -> None:
    r = api.post("/v1/classify", json=body)
    assert r.status_code == status, r.text
    assert set(r.json()) >= {"error", "detail"}
    assert r.json()["error"] == error and detail in r.json()["detail"]
    assert api.get("/v1/items").json()["total"] == 0


def test_malformed_json_and_non_utf8(api: Any) -> None:
    headers = api.headers("admin") | {"Content-Type": "application/json"}
    broken = api.client.post("/v1/classify", content=b'{"text": "unfinished', headers=headers)
    assert broken.status_code == 400 and broken.json()["error"] == "MalformedJSON"
    latin1 = api.client.post(
        "/v1/classify", content='{"text": "caf\u00e9"}'.encode("latin-1"), headers=headers
    )
    assert latin1.status_code == 400 and latin1.json()["error"] in {
        "MalformedBody",
        "MalformedJSON",
    }
    assert "UTF-8" in latin1.json()["detail"] or "JSON" in latin1.json()["detail"]
    assert api.get("/v1/items").json()["total"] == 0


def test_text_limit_is_configurable(make_api: Any) -> None:
    api = make_api(max_text_chars=50)
    assert api.post("/v1/classify", json={"text": "y" * 51}).status_code == 422
    assert api.post("/v1/classify", json={"text": "y" * 50}).status_code == 200


def test_review_bodies_are_validated(api: Any) -> None:
    item = api.post("/v1/classify", json={"text": GOOD}).json()
    path = f"/v1/items/{item['id']}/review"
    cases = [
        ({"action": "confirm"}, 422),  # no version
        ({"version": 1, "action": "approve"}, 422),
        ({"version": 1, "action": "correct", "category": "review"}, 422),  # no severity
        ({"version": 1, "action": "correct", "category": "nope", "severity": "red"}, 422),
        ({"version": 1, "action": "confirm", "severity": "red"}, 422),  # confirm cannot change
    ]
    for body, status in cases:
        r = api.post(path, "reviewer", json=body)
        assert r.status_code == status, (body, r.text)
        assert "error" in r.json()
    assert api.get(f"/v1/items/{item['id']}").json()["reviews"] == []


def test_unknown_routes_use_the_same_error_shape(api: Any) -> None:
    r = api.get("/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"] == "NotFound"
