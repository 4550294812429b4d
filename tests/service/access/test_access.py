"""Every route: 401 without a key, 403 for a role that may not use it, allowed otherwise."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from service.db import transaction
from service.tables import ApiKey

# (method, path) -> roles allowed; None means public (health checks).
ROUTES: dict[tuple[str, str], set[str] | None] = {
    ("POST", "/v1/classify"): {"helpdesk", "admin"},
    ("POST", "/v1/classify/batch"): {"helpdesk", "admin"},
    ("GET", "/v1/items"): {"helpdesk", "reviewer", "admin"},
    ("GET", "/v1/items/{item_id}"): {"helpdesk", "reviewer", "admin"},
    ("GET", "/v1/queue"): {"reviewer", "admin"},
    ("POST", "/v1/items/{item_id}/review"): {"reviewer", "admin"},
    ("POST", "/v1/items/{item_id}/acknowledge"): {"reviewer", "admin"},
    ("POST", "/v1/items/{item_id}/resolve"): {"reviewer", "admin"},
    ("POST", "/v1/items/{item_id}/dismiss"): {"reviewer", "admin"},
    ("POST", "/v1/items/{item_id}/claim"): {"reviewer", "admin"},
    ("DELETE", "/v1/items/{item_id}/claim"): {"reviewer", "admin"},
    ("POST", "/v1/sessions"): {"admin"},
    ("GET", "/v1/sessions"): {"reviewer", "admin"},
    ("GET", "/v1/sessions/{session_id}"): {"reviewer", "admin"},
    ("GET", "/v1/sessions/{session_id}/items"): {"reviewer", "admin"},
    ("POST", "/v1/sessions/{session_id}/labels"): {"reviewer", "admin"},
    ("GET", "/v1/sessions/{session_id}/report"): {"reviewer", "admin"},
    ("POST", "/v1/sessions/{session_id}/adjudications"): {"admin"},
    ("GET", "/v1/sessions/{session_id}/export"): {"admin"},
    ("GET", "/v1/metrics"): {"helpdesk", "reviewer", "admin"},
    ("GET", "/v1/metrics/{section}.csv"): {"helpdesk", "reviewer", "admin"},
    ("GET", "/v1/alerts"): {"helpdesk", "reviewer", "admin"},
    ("GET", "/metrics"): {"admin"},  # or TRIAGE_METRICS_TOKEN (tests/service/test_prometheus.py)
    ("GET", "/v1/model"): {"helpdesk", "reviewer", "admin"},
    ("POST", "/v1/model/reload"): {"admin"},
    ("POST", "/v1/model/auto-apply"): {"admin"},
    ("POST", "/v1/keys"): {"admin"},
    ("GET", "/v1/keys"): {"admin"},
    ("PATCH", "/v1/keys/{key_id}"): {"admin"},
    ("DELETE", "/v1/keys/{key_id}"): {"admin"},
    ("GET", "/v1/policy"): {"admin"},
    ("GET", "/v1/items/{item_id}/draft"): {"helpdesk", "reviewer", "admin"},
    ("POST", "/v1/items/{item_id}/replies"): {"reviewer", "admin"},
    ("GET", "/v1/templates"): {"admin"},
    ("GET", "/v1/webhooks/deliveries"): {"admin"},
    ("POST", "/v1/webhooks/deliveries/{outbox_id}/redeliver"): {"admin"},
    ("GET", "/v1/themes"): {"helpdesk", "reviewer", "admin"},
    ("GET", "/v1/themes/{theme_id}"): {"helpdesk", "reviewer", "admin"},
    ("POST", "/v1/themes/refit"): {"admin"},
    ("POST", "/v1/themes/{theme_id}/rename"): {"admin"},
    ("POST", "/v1/themes/{theme_id}/merge"): {"admin"},
    ("POST", "/v1/themes/{theme_id}/split"): {"admin"},
    ("GET", "/v1/incidents"): {"helpdesk", "reviewer", "admin"},
    ("POST", "/v1/incidents"): {"reviewer", "admin"},
    ("GET", "/v1/incidents/{incident_id}"): {"helpdesk", "reviewer", "admin"},
    ("POST", "/v1/incidents/{incident_id}/items"): {"reviewer", "admin"},
    ("DELETE", "/v1/incidents/{incident_id}/items/{item_id}"): {"reviewer", "admin"},
    ("POST", "/v1/incidents/{incident_id}/status"): {"reviewer", "admin"},
    ("POST", "/v1/incidents/{incident_id}/notes"): {"reviewer", "admin"},
    ("PUT", "/v1/incidents/{incident_id}/status-text"): {"reviewer", "admin"},
    ("POST", "/v1/incidents/{incident_id}/publish"): {"admin"},
    ("GET", "/v1/incidents/{incident_id}/affected-accounts"): {"helpdesk", "reviewer", "admin"},
    ("GET", "/healthz"): None,
    ("GET", "/readyz"): None,
}

BODIES: dict[str, Any] = {
    "/v1/classify": {"text": "How do I add a second admin?"},
    "/v1/classify/batch": {"items": [{"text": "How do I add a second admin?"}]},
    "/v1/keys": {"role": "helpdesk", "name": "x"},
    "/v1/model/auto-apply": {"head": "category", "label": "review", "enabled": True},
    "/v1/themes/{theme_id}/rename": {"label": "x"},
    "/v1/themes/{theme_id}/merge": {"sources": [2]},
    "/v1/themes/{theme_id}/split": {"item_ids": [1], "label": "x"},
    "/v1/items/{item_id}/replies": {"kind": "outreach", "body": "Hello"},
}


def _call(api: Any, method: str, path: str, headers: dict[str, str]) -> Any:
    concrete = path.replace("{item_id}", "1").replace("{key_id}", "999")
    concrete = (
        concrete.replace("{outbox_id}", "999")
        .replace("{theme_id}", "1")
        .replace("{incident_id}", "999")
    )
    body = BODIES.get(path, {})
    return api.client.request(
        method, concrete, headers=headers, json=body if method == "POST" else None
    )


def test_the_table_covers_every_route(api: Any) -> None:
    served = {
        (method.upper(), path)
        for path, operations in api.client.app.openapi()["paths"].items()
        for method in operations
    }
    assert served == set(ROUTES)


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES))
def test_roles(api: Any, method: str, path: str) -> None:
    allowed = ROUTES[(method, path)]
    anonymous = _call(api, method, path, {})
    if allowed is None:
        assert anonymous.status_code == 200
        return
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "NotAuthenticatedError"
    wrong = _call(api, method, path, {"Authorization": "Bearer rt_not-a-real-key"})
    assert wrong.status_code == 401
    for role in ("helpdesk", "reviewer", "admin"):
        response = _call(api, method, path, api.headers(role))
        if role in allowed:
            assert response.status_code not in (401, 403), (role, response.text)
        else:
            assert response.status_code == 403, (role, response.text)
            assert response.json()["error"] == "ForbiddenError"


def test_keys_are_stored_hashed_shown_once_and_revocable(api: Any) -> None:
    created = api.post("/v1/keys", json={"role": "reviewer", "name": "Dana"})
    assert created.status_code == 201
    key = created.json()["key"]
    with transaction(api.runtime.factory) as session:
        stored = [k.key_hash for k in session.query(ApiKey).all()]
    assert key not in stored and all(len(h) == 64 for h in stored)
    listed = api.get("/v1/keys").json()
    assert all("key" not in k and "key_hash" not in k for k in listed)
    headers = {"X-API-Key": key}
    assert api.client.get("/v1/queue", headers=headers).status_code == 200
    assert (
        api.client.request(
            "DELETE", f"/v1/keys/{created.json()['id']}", headers=api.headers("admin")
        ).status_code
        == 200
    )
    assert api.client.get("/v1/queue", headers=headers).status_code == 401
    bad_role = api.post("/v1/keys", json={"role": "owner", "name": "x"})
    assert bad_role.status_code == 422


def test_bootstrap_admin_key_seeds_an_empty_database_only(make_api: Any) -> None:
    from service.access.keys import seed_bootstrap_key

    api = make_api()
    with transaction(api.runtime.factory) as session:
        assert seed_bootstrap_key(session=session, key="boot-123") is False  # keys exist
        session.query(ApiKey).delete()
        assert seed_bootstrap_key(session=session, key="boot-123") is True
    response = api.client.get("/v1/keys", headers={"Authorization": "Bearer boot-123"})
    assert response.status_code == 200 and response.json()[0]["role"] == "admin"


# SQLite is one host's database (its writers queue for one lock): this runs on PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_hosts_seeding_the_bootstrap_key_at_once_both_start(make_api: Any) -> None:
    """Two hosts start on an empty database with the same TRIAGE_BOOTSTRAP_ADMIN_KEY: the
    second finds no keys (the first has not committed), waits for the first's insert, and
    then seeds nothing instead of failing on the key's unique hash."""
    from service.access.keys import seed_bootstrap_key

    api = make_api()
    assert api.runtime.engine.dialect.name == "postgresql"
    with transaction(api.runtime.factory) as session:
        session.query(ApiKey).delete()
    seeded: list[bool] = []
    with transaction(api.runtime.factory) as first:
        assert seed_bootstrap_key(session=first, key="boot-123") is True
        second = threading.Thread(
            target=lambda: seeded.append(_seed_in_own_transaction(api, "boot-123"))
        )
        second.start()
        second.join(0.5)
        assert second.is_alive()  # its insert waits for ours
    second.join(10)
    assert seeded == [False]
    with transaction(api.runtime.factory) as session:
        assert session.query(ApiKey).count() == 1
    response = api.client.get("/v1/keys", headers={"Authorization": "Bearer boot-123"})
    assert response.status_code == 200


def _seed_in_own_transaction(api: Any, key: str) -> bool:
    from service.access.keys import seed_bootstrap_key

    with transaction(api.runtime.factory) as session:
        return seed_bootstrap_key(session=session, key=key)


def test_a_response_carrying_a_new_key_is_never_cached(api: Any) -> None:
    created = api.post("/v1/keys", json={"role": "reviewer", "name": "Dana"})
    assert created.status_code == 201 and created.json()["key"]
    assert created.headers["cache-control"] == "no-store"
