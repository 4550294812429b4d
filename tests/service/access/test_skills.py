"""Reviewer skills on API keys (issue 19), through the real HTTP API on SQLite and PostgreSQL:
set at creation, changed by an admin, shown in listings, validated (422 and nothing changed)."""

from __future__ import annotations

from typing import Any

import pytest

NO_SKILLS = {"flags": [], "languages": [], "categories": []}


def _key(api: Any, name: str, **skills: list[str]) -> dict[str, Any]:
    response = api.post("/v1/keys", json={"role": "reviewer", "name": name, "skills": skills})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _listed(api: Any, key_id: int) -> dict[str, Any]:
    (key,) = [k for k in api.get("/v1/keys").json() if k["id"] == key_id]
    return key


def test_skills_are_set_at_creation_changed_by_an_admin_and_listed(api: Any) -> None:
    created = _key(
        api, "dana", flags=["legal", "fraud", "legal"], languages=["DE", "en"],
        categories=["complaint"],
    )  # fmt: skip
    # Stored sorted, lower-case, without repeats.
    wanted = {"flags": ["fraud", "legal"], "languages": ["de", "en"], "categories": ["complaint"]}
    assert created["skills"] == wanted
    assert _listed(api, created["id"])["skills"] == wanted
    # A key made without skills has none.
    plain = api.post("/v1/keys", json={"role": "reviewer", "name": "eve"}).json()
    assert plain["skills"] == NO_SKILLS == _listed(api, plain["id"])["skills"]

    # PATCH replaces the skills as a whole: a list left out is empty.
    changed = api.client.patch(
        f"/v1/keys/{created['id']}",
        headers=api.headers("admin"),
        json={"skills": {"languages": ["fr"]}},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["skills"] == NO_SKILLS | {"languages": ["fr"]}
    assert _listed(api, created["id"])["skills"] == NO_SKILLS | {"languages": ["fr"]}


@pytest.mark.parametrize(
    ("skills", "where"),
    [
        ({"flags": ["lawsuit"]}, ["body", "skills", "flags", 0]),
        ({"languages": ["xx"]}, ["body", "skills", "languages", 0]),
        ({"languages": ["english"]}, ["body", "skills", "languages", 0]),
        ({"categories": ["praise"]}, ["body", "skills", "categories", 0]),
        ({"teams": ["legal"]}, ["body", "skills", "teams"]),
        ({"flags": "legal"}, ["body", "skills", "flags"]),
    ],
)
def test_unknown_skills_get_422_and_change_nothing(
    api: Any, skills: dict[str, Any], where: list[Any]
) -> None:
    key = _key(api, "dana", flags=["legal"])
    before = api.get("/v1/keys").json()
    for method, path, body in (
        ("PATCH", f"/v1/keys/{key['id']}", {"skills": skills}),
        ("POST", "/v1/keys", {"role": "reviewer", "name": "x", "skills": skills}),
    ):
        response = api.client.request(method, path, headers=api.headers("admin"), json=body)
        assert response.status_code == 422, response.text
        error = response.json()
        assert error["error"] == "ValidationError"
        assert [e["loc"] for e in error["errors"]] == [where]
    assert api.get("/v1/keys").json() == before


def test_only_admins_change_skills_and_only_of_real_keys(api: Any) -> None:
    key = _key(api, "dana", flags=["legal"])
    body = {"skills": {"flags": ["fraud"]}}
    path = f"/v1/keys/{key['id']}"
    assert api.client.patch(path, headers=api.headers("reviewer"), json=body).status_code == 403
    missing = api.client.patch("/v1/keys/99999", headers=api.headers("admin"), json=body)
    assert missing.status_code == 404 and missing.json()["error"] == "NotFoundError"
    assert _listed(api, key["id"])["skills"]["flags"] == ["legal"]
