"""The /v1/incidents API: a person opens an incident, links and unlinks items, moves its status,
writes notes and the customer status text and publishes it; the accounts that reported it;
items in an open incident are not escalated one by one. Bad input is a 4xx that changes
nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from service.clock import utcnow
from service.db import transaction
from service.items.transitions import escalate_overdue
from service.tables import WebhookOutbox

NOWHERE = "http://127.0.0.1:9/hook"
TEXTS = [
    ("The invoice PDF is missing our VAT number again.", "acct-1", "enterprise", "email"),
    ("Invoices since Monday have no VAT number on them.", "acct-1", "enterprise", "g2"),
    ("Our invoice lacks the VAT id, finance cannot book it.", "acct-2", "strategic", "forum"),
    ("VAT number is not printed on the invoice PDF.", None, None, "twitter"),
]


def _items(api: Any) -> list[int]:
    ids = []
    for text, account, tier, source in TEXTS:
        answer = api.post(
            "/v1/classify",
            json={"text": text, "account_id": account, "account_tier": tier, "source": source},
        )
        assert answer.status_code in (200, 201), answer.text
        ids.append(answer.json()["id"])
    return ids


def _open(api: Any, item_ids: list[int], **extra: Any) -> dict[str, Any]:
    answer = api.post(
        "/v1/incidents",
        role="reviewer",
        json={"title": "Invoice PDF without VAT number", "item_ids": item_ids} | extra,
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _updates(api: Any) -> list[dict[str, Any]]:
    with transaction(api.runtime.factory) as session:
        rows = session.scalars(
            select(WebhookOutbox)
            .where(WebhookOutbox.kind == "incident_updated")
            .order_by(WebhookOutbox.id)
        )
        return [row.payload["event"] for row in rows]


def test_a_person_opens_an_incident_routed_from_its_items(make_api: Any) -> None:
    api = make_api(webhook_url=NOWHERE, webhook_max_attempts=1)
    ids = _items(api)
    incident = _open(api, ids[:2])
    assert incident["kind"] == "manual" and incident["status"] == "open"
    assert incident["item_ids"] == ids[:2]
    assert incident["version"] == 1 and incident["detector_open"] is False
    assert incident["policy_version"] == "routing.v2"
    assert incident["status_text"].startswith(
        "We are aware of an issue: Invoice PDF without VAT number."
    )
    opened_at = incident["opened_at"].replace("Z", "+00:00")
    assert incident["due_at"] > opened_at
    # routed like an item made of its items: an enterprise account's service issue or
    # complaint, never the catch-all rule
    assert incident["routing_rule"] != "everything-else" or incident["owner"] == "marketing"
    chosen = _open(api, [], owner="operations")
    assert (chosen["owner"], chosen["routing_rule"]) == ("operations", "set-by-human")
    item = api.get(f"/v1/items/{ids[0]}").json()
    assert item["incident_id"] == incident["id"]
    (event,) = [e for e in item["events"] if e["kind"] == "incident_linked"]
    assert event["actor_type"] == "human" and event["actor"] == "reviewer-test"
    with transaction(api.runtime.factory) as session:
        kinds = [r.kind for r in session.scalars(select(WebhookOutbox))]
    assert kinds.count("incident_opened") == 2

    listed = api.get("/v1/incidents?status=open&kind=manual&limit=1", role="helpdesk").json()
    assert listed["total"] == 2 and len(listed["items"]) == 1
    assert listed["items"][0]["id"] == chosen["id"]  # newest first
    assert api.get("/v1/incidents?status=resolved").json()["total"] == 0


def test_link_unlink_notes_status_text_and_publish(make_api: Any) -> None:
    api = make_api(webhook_url=NOWHERE, webhook_max_attempts=1)
    ids = _items(api)
    incident = _open(api, ids[:1])
    iid = incident["id"]

    linked = api.post(f"/v1/incidents/{iid}/items", role="reviewer", json={"item_ids": ids[1:]})
    assert linked.status_code == 200, linked.text
    assert linked.json()["item_ids"] == ids
    removed = api.client.delete(
        f"/v1/incidents/{iid}/items/{ids[3]}", headers=api.headers("reviewer")
    )
    assert removed.status_code == 200 and removed.json()["item_ids"] == ids[:3]
    item = api.get(f"/v1/items/{ids[3]}").json()
    assert item["incident_id"] is None
    assert [e["kind"] for e in item["events"]][-2:] == ["incident_linked", "incident_unlinked"]
    assert item["events"][-1]["actor_type"] == "human"

    noted = api.post(f"/v1/incidents/{iid}/notes", role="reviewer", json={"text": "Billing knows."})
    assert noted.status_code == 200 and noted.json()["version"] == incident["version"]

    edited = api.client.put(
        f"/v1/incidents/{iid}/status-text",
        headers=api.headers("reviewer"),
        json={"version": incident["version"], "text": "Invoices lack the VAT number; fixed soon."},
    )
    assert edited.status_code == 200, edited.text
    version = edited.json()["version"]
    assert version == incident["version"] + 1
    published = api.post(f"/v1/incidents/{iid}/publish", json={"version": version})
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["published_text"] == "Invoices lack the VAT number; fixed soon."
    assert body["published_at"] is not None

    moved = api.post(
        f"/v1/incidents/{iid}/status",
        role="reviewer",
        json={"version": body["version"], "status": "monitoring", "note": "fix deployed"},
    )
    assert moved.status_code == 200 and moved.json()["status"] == "monitoring"
    resolved = api.post(
        f"/v1/incidents/{iid}/status",
        role="reviewer",
        json={"version": moved.json()["version"], "status": "resolved"},
    )
    assert resolved.json()["resolved_at"] is not None
    assert resolved.json()["detector_open"] is False

    detail = api.get(f"/v1/incidents/{iid}").json()
    assert [e["kind"] for e in detail["events"]] == [
        "opened",
        "item_linked",
        "item_linked",
        "item_linked",
        "item_linked",
        "item_unlinked",
        "note",
        "status_text_edited",
        "published",
        "status_changed",
        "status_changed",
    ]
    assert [i["id"] for i in detail["items"]] == ids[:3]
    # One notification per human change, each with the incident as it then was.
    assert [u["kind"] for u in _updates(api)] == [
        "items_linked",
        "item_unlinked",
        "note",
        "status_text_edited",
        "published",
        "status_changed",
        "status_changed",
    ]


def test_affected_accounts(make_api: Any) -> None:
    api = make_api()
    ids = _items(api)
    iid = _open(api, ids)["id"]
    answer = api.get(f"/v1/incidents/{iid}/affected-accounts", role="helpdesk")
    assert answer.status_code == 200
    body = answer.json()
    assert body["items_without_account"] == 1
    first, second = body["accounts"]
    assert (first["account_id"], first["items"], first["account_tier"]) == (
        "acct-1",
        2,
        "enterprise",
    )
    assert first["sources"] == ["email", "g2"] and first["first_seen"] <= first["last_seen"]
    assert (second["account_id"], second["items"]) == ("acct-2", 1)


def _escalate(api: Any, now: datetime) -> set[int]:
    with transaction(api.runtime.factory) as session:
        return {i.id for i in escalate_overdue(session=session, policy=api.runtime.policy, now=now)}


def test_items_in_an_open_incident_are_not_escalated_one_by_one(make_api: Any) -> None:
    api = make_api()
    ids = _items(api)
    incident = _open(api, ids[:2])
    assert all(api.get(f"/v1/items/{i}").json()["owner"] != "leadership" for i in ids[:2])
    later = utcnow() + timedelta(days=40)  # every item is overdue by then
    assert not _escalate(api, later) & set(ids[:2])
    for item_id in ids[:2]:  # untouched: still waiting for their own review, not escalated
        item = api.get(f"/v1/items/{item_id}").json()
        assert item["escalation_level"] == 0
        assert not [e for e in item["events"] if e["kind"] == "escalated"]
    resolved = api.post(
        f"/v1/incidents/{incident['id']}/status",
        json={"version": incident["version"], "status": "resolved"},
    )
    assert resolved.status_code == 200
    assert set(ids[:2]) <= _escalate(api, later)  # a resolved incident no longer holds them


def test_bad_input_is_refused_and_changes_nothing(make_api: Any) -> None:
    api = make_api(webhook_url=NOWHERE, webhook_max_attempts=1)
    ids = _items(api)
    incident = _open(api, ids[:1])
    iid, version = incident["id"], incident["version"]
    before = api.get(f"/v1/incidents/{iid}").json()
    notifications = len(_updates(api))

    def refused(answer: Any, status: int) -> dict[str, Any]:
        assert answer.status_code == status, answer.text
        body: dict[str, Any] = answer.json()
        assert body["error"] and body["detail"]
        return body

    refused(api.get("/v1/incidents/999999"), 404)
    refused(api.get("/v1/incidents/0"), 422)
    refused(api.get("/v1/incidents?status=closed"), 422)
    refused(api.get("/v1/incidents?kind=outage"), 422)
    refused(api.get("/v1/incidents/999999/affected-accounts"), 404)
    refused(api.post("/v1/incidents/999999/notes", json={"text": "x"}), 404)
    missing = refused(
        api.post(f"/v1/incidents/{iid}/items", json={"item_ids": [ids[1], 999999]}), 404
    )
    assert missing["item_ids"] == [999999]
    refused(api.post(f"/v1/incidents/{iid}/items", json={"item_ids": []}), 422)
    refused(api.post(f"/v1/incidents/{iid}/items", json={"item_ids": ["one"]}), 422)
    refused(api.post("/v1/incidents", json={"title": "x", "item_ids": [999999]}), 404)
    refused(api.post("/v1/incidents", json={"title": ""}), 422)
    refused(api.post("/v1/incidents", json={"title": "   "}), 422)
    refused(api.post(f"/v1/incidents/{iid}/notes", json={"text": " \n "}), 422)
    refused(api.post("/v1/incidents", json={"title": "x", "owner": "ceo"}), 422)
    refused(api.post("/v1/incidents", json={"title": "x", "severity": "red"}), 422)
    refused(
        api.client.delete(f"/v1/incidents/{iid}/items/{ids[2]}", headers=api.headers("admin")),
        404,
    )
    refused(
        api.post(f"/v1/incidents/{iid}/status", json={"version": version, "status": "done"}), 422
    )
    refused(api.post(f"/v1/incidents/{iid}/status", json={"status": "resolved"}), 422)
    stale = refused(
        api.post(
            f"/v1/incidents/{iid}/status", json={"version": version + 5, "status": "resolved"}
        ),
        409,
    )
    assert stale["current"]["id"] == iid and stale["current"]["status"] == "open"
    refused(
        api.client.put(
            f"/v1/incidents/{iid}/status-text",
            headers=api.headers("admin"),
            json={"version": version + 1, "text": "new"},
        ),
        409,
    )
    refused(api.post(f"/v1/incidents/{iid}/notes", json={"text": "\u0000"}), 422)
    # roles: helpdesk reads only; publishing is for admins
    refused(api.post(f"/v1/incidents/{iid}/notes", role="helpdesk", json={"text": "x"}), 403)
    refused(api.post("/v1/incidents", role="helpdesk", json={"title": "x"}), 403)
    refused(
        api.post(f"/v1/incidents/{iid}/publish", role="reviewer", json={"version": version}), 403
    )
    refused(api.client.get("/v1/incidents"), 401)

    after = api.get(f"/v1/incidents/{iid}").json()
    assert after == before
    assert len(_updates(api)) == notifications
    assert api.get("/v1/incidents").json()["total"] == 1
    assert api.get(f"/v1/items/{ids[1]}").json()["incident_id"] is None


def test_an_item_moved_to_another_incident_leaves_the_first(make_api: Any) -> None:
    api = make_api()
    ids = _items(api)
    first = _open(api, ids[:2])
    second = _open(api, [])
    moved = api.post(f"/v1/incidents/{second['id']}/items", json={"item_ids": [ids[0]]})
    assert moved.status_code == 200 and moved.json()["item_ids"] == [ids[0]]
    before = api.get(f"/v1/incidents/{first['id']}").json()
    assert before["item_ids"] == [ids[1]]
    last = before["events"][-1]
    assert (last["kind"], last["item_id"]) == ("item_unlinked", ids[0])
    assert last["data"] == {"moved_to_incident_id": second["id"]}
    item = api.get(f"/v1/items/{ids[0]}").json()
    linked = [e for e in item["events"] if e["kind"] == "incident_linked"]
    assert [e["data"]["previous_incident_id"] for e in linked] == [None, first["id"]]
