"""Drafts and sent replies through the real HTTP API, on SQLite and PostgreSQL: a draft for
each response rule, the reviewed gate of held items, recording what was sent as an event, and
bad requests refused with nothing stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from service.replies.templates import DEFAULT_TEMPLATES, TemplatesError
from service.routing.policy import DEFAULT_POLICY

LEGAL = "We will sue you over the lost pallet, our lawyer is already on it."
EXPORT = "The export has been failing since Monday's update and nobody answers our tickets."

# Routing by account tier alone, so each response rule is reached whatever the model says.
TIER_RULES = {
    "strategic": "private_outreach",
    "enterprise": "evidence_collection",
    "smb": "no_public_reply_until_reviewed",
    "unknown": "public_reply",
}


def tier_policy(tmp_path: Path) -> Path:
    data = json.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))
    data["rules"] = [
        {
            "name": f"tier-{tier}",
            "when": {"account_tier": [tier]},
            "owner": "support",
            "response_rule": rule,
            "acknowledge_within_minutes": 60,
        }
        for tier, rule in TIER_RULES.items()
    ] + [
        {
            "name": "rest",
            "when": {},
            "owner": "marketing",
            "response_rule": "public_reply",
            "acknowledge_within_minutes": 60,
        }
    ]
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def classify(api: Any, text: str, **fields: Any) -> dict[str, Any]:
    r = api.post("/v1/classify", "helpdesk", json={"text": text} | fields)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def events(api: Any, item_id: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get(f"/v1/items/{item_id}").json()["events"]
    return found


def review(api: Any, item: dict[str, Any]) -> None:
    current = api.get(f"/v1/items/{item['id']}").json()
    r = api.post(
        f"/v1/items/{item['id']}/review",
        "reviewer",
        json={"version": current["version"], "action": "confirm"},
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("tier", "kind"),
    [
        ("unknown", "public_reply"),
        ("strategic", "outreach"),
        ("enterprise", "public_reply"),
    ],
)
def test_each_response_rule_gets_its_draft(
    make_api: Any, tmp_path: Path, tier: str, kind: str
) -> None:
    api = make_api(
        routing_policy=tier_policy(tmp_path),
        reply_company_name="Example Ltd",
        reply_contact="care@example.com",
    )
    item = classify(api, EXPORT, author="Dana", account_tier=tier, source="g2")
    assert item["response_rule"] == TIER_RULES[tier]
    r = api.get(f"/v1/items/{item['id']}/draft", "helpdesk")
    assert r.status_code == 200, r.text
    draft = r.json()
    assert draft.keys() == {"template", "template_version", "kind", "subject", "body"}
    assert draft["kind"] == kind and draft["template_version"] == "replies.v1"
    templates = {t["name"]: t for t in api.get("/v1/templates").json()["templates"]}
    chosen = templates[draft["template"]]
    assert chosen["kind"] == kind
    assert chosen["when"]["response_rule"] == TIER_RULES[tier]
    assert chosen["when"]["category"] in (None, [item["category"]])
    assert draft["body"].startswith("Hi Dana,")
    assert draft["body"].endswith("The customer team, Example Ltd")
    if kind == "outreach":
        assert draft["subject"].endswith("on g2") and "since Monday" in draft["body"]
    else:
        assert draft["subject"] is None
    # Asking for the same kind by name gives the same draft.
    same = api.get(f"/v1/items/{item['id']}/draft", params={"kind": kind}).json()
    assert same == draft


def test_a_held_item_has_no_draft_for_the_author_until_reviewed(api: Any) -> None:
    item = classify(api, LEGAL, author="Sam")
    assert item["response_rule"] == "no_public_reply_until_reviewed" and not item["reviewed"]
    path = f"/v1/items/{item['id']}/draft"
    for kind in (None, "public_reply", "outreach", "update_email"):
        r = api.get(path, params={"kind": kind} if kind else {})
        assert r.status_code == 409, (kind, r.text)
        assert r.json()["error"] == "ConflictError"
        assert "not reviewed yet" in r.json()["detail"]
    note = api.get(path, params={"kind": "escalation_note"})
    assert note.status_code == 200, note.text
    assert note.json()["template"] == "escalation-note-default"
    assert "red flags: legal" in note.json()["body"]
    assert note.json()["subject"].startswith(f"[red] Item {item['id']} for leadership")
    # A public reply cannot be recorded before review either; nothing is stored.
    before = events(api, item["id"])
    refused = api.post(
        f"/v1/items/{item['id']}/replies",
        "reviewer",
        json={"kind": "public_reply", "body": "Please contact us."},
    )
    assert refused.status_code == 409 and "reviewer's confirmation" in refused.json()["detail"]
    assert events(api, item["id"]) == before

    review(api, item)
    held = api.get(path).json()
    assert held["kind"] == "outreach" and held["template"] == "held-outreach"
    assert held["body"].startswith("Hi Sam,") and "leadership team" in held["body"]
    public = api.get(path, params={"kind": "public_reply"}).json()
    assert public["template"] == "held-public-reply"
    sent = api.post(
        f"/v1/items/{item['id']}/replies",
        "reviewer",
        json={"kind": "public_reply", "body": public["body"], "template": public["template"]},
    )
    assert sent.status_code == 201, sent.text


def test_recording_a_sent_reply_stores_an_event_with_the_text(api: Any) -> None:
    item = classify(api, EXPORT, author="Dana", account_tier="strategic")
    kind = "escalation_note"
    draft = api.get(f"/v1/items/{item['id']}/draft", params={"kind": kind}).json()
    path = f"/v1/items/{item['id']}/replies"
    # As drafted (a browser's CRLF line endings count as the same text): not edited.
    unchanged = api.post(
        path,
        "reviewer",
        json={
            "kind": kind,
            "subject": draft["subject"],
            "body": draft["body"].replace("\n", "\r\n"),
            "template": draft["template"],
            "channel": "slack",
        },
    )
    assert unchanged.status_code == 201, unchanged.text
    first = unchanged.json()
    assert first["edited"] is False and first["body"] == draft["body"]
    assert first["template_version"] == "replies.v1" and first["channel"] == "slack"
    assert first["actor"] == "reviewer-test" and first["actor_type"] == "human"
    changed = api.post(
        path,
        "admin",
        json={"kind": kind, "subject": draft["subject"], "body": draft["body"] + "\nCall me."}
        | {"template": draft["template"]},
    ).json()
    assert changed["edited"] is True
    scratch = api.post(path, "reviewer", json={"kind": "outreach", "body": "  Hello Dana  "})
    assert scratch.status_code == 201
    assert scratch.json() | {"event_id": 0, "created_at": None} == {
        "event_id": 0,
        "item_id": item["id"],
        "created_at": None,
        "actor": "reviewer-test",
        "actor_type": "human",
        "kind": "outreach",
        "subject": None,
        "body": "Hello Dana",
        "template": None,
        "template_version": None,
        "edited": True,
        "channel": None,
    }

    stored = [e for e in events(api, item["id"]) if e["kind"] == "reply_sent"]
    assert [e["id"] for e in stored] == [
        first["event_id"],
        changed["event_id"],
        scratch.json()["event_id"],
    ]
    assert stored[0]["data"] == {
        "kind": kind,
        "subject": draft["subject"],
        "body": draft["body"],
        "template": draft["template"],
        "template_version": "replies.v1",
        "edited": False,
        "channel": "slack",
        "request_id": unchanged.headers["X-Request-ID"],  # the request that recorded it
    }
    assert stored[0]["from_status"] == stored[0]["to_status"] == item["status"]
    assert [e["actor"] for e in stored] == ["reviewer-test", "admin-test", "reviewer-test"]
    # A reply changes nothing else about the item.
    after = api.get(f"/v1/items/{item['id']}").json()
    assert after["status"] == item["status"] and after["owner"] == item["owner"]
    assert after["version"] == item["version"]


def test_bad_requests_are_refused_and_store_nothing(api: Any) -> None:
    item = classify(api, EXPORT, account_tier="strategic")
    path = f"/v1/items/{item['id']}/replies"
    before = events(api, item["id"])
    cases: list[tuple[str, dict[str, Any] | None, int, str]] = [
        (
            "reviewer",
            {"kind": "outreach", "body": "   \r\n "},
            422,
            "body: Value error, must not be empty",
        ),
        ("reviewer", {"kind": "outreach"}, 422, "body: Field required"),
        ("reviewer", {"kind": "tweet", "body": "Hi"}, 422, "kind: Input should be"),
        ("reviewer", {"kind": "outreach", "body": "Hi", "to": "x"}, 422, "to: Extra inputs"),
        ("reviewer", {"kind": "outreach", "body": "x" * 20_001}, 422, "at most 20000"),
        ("reviewer", {"kind": "outreach", "body": "Hi\u0000"}, 422, "NUL"),
        (
            "reviewer",
            {"kind": "outreach", "body": "Hi", "template": "nope"},
            422,
            "no template named 'nope'",
        ),
        (
            "reviewer",
            {"kind": "outreach", "body": "Hi", "template": "update-email-default"},
            422,
            "writes update_email, not outreach",
        ),
        ("helpdesk", {"kind": "outreach", "body": "Hi"}, 403, ""),
    ]
    for role, body, status, detail in cases:
        r = api.post(path, role, json=body)
        assert r.status_code == status, (body, r.text)
        assert detail in r.json()["detail"], (body, r.text)
    assert (
        api.post(
            "/v1/items/999999/replies", "reviewer", json={"kind": "outreach", "body": "Hi"}
        ).status_code
        == 404
    )
    r = api.client.post(path, json={"kind": "outreach", "body": "Hi"})
    assert r.status_code == 401
    bad_json = api.client.post(
        path, content=b"{", headers=api.headers("reviewer") | {"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400
    assert events(api, item["id"]) == before

    assert api.get("/v1/items/999999/draft").json()["error"] == "NotFoundError"
    r = api.get(f"/v1/items/{item['id']}/draft", params={"kind": "tweet"})
    assert r.status_code == 422 and r.json()["error"] == "ValidationError"
    # The shipped file has no public reply for an item routed to private outreach.
    r = api.get(f"/v1/items/{item['id']}/draft", params={"kind": "public_reply"})
    assert r.status_code == 404 and "no public_reply template applies" in r.json()["detail"]


def test_the_templates_in_force_are_for_admins(api: Any) -> None:
    r = api.get("/v1/templates")
    assert r.status_code == 200
    assert r.json() == json.loads(DEFAULT_TEMPLATES.read_text(encoding="utf-8")) | {
        "templates": r.json()["templates"]
    }
    first = json.loads(DEFAULT_TEMPLATES.read_text(encoding="utf-8"))["templates"][0]
    assert r.json()["templates"][0]["body"] == first["body"]
    assert api.get("/v1/templates", "reviewer").status_code == 403


def test_a_templates_file_names_every_field_a_template_sees(make_api: Any, tmp_path: Path) -> None:
    data = json.loads(DEFAULT_TEMPLATES.read_text(encoding="utf-8"))
    data["version"] = "custom.3"
    data["templates"].insert(
        0,
        {
            "name": "everything",
            "kind": "update_email",
            "when": {"severity": ["green", "yellow", "red"]},
            "subject": "{{ item_id }}",
            "body": "{{ source }}|{{ external_id }}|{{ author }}|{{ rating }}|{{ account_id }}|"
            "{{ account_tier }}|{{ owner }}|{{ due_at }}|{{ theme }}|{{ incident_title }}|"
            "{{ company_name }}|{{ team_name }}|{{ contact }}|{{ excerpt }}",
        },
    )
    path = tmp_path / "templates.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    api = make_api(reply_templates=path, reply_team_name="Care", reply_contact="c@x.io")
    long_text = EXPORT + " More words here." * 30
    item = classify(
        api,
        long_text,
        source="G2",
        external_id="g2-9",
        author="Dana",
        rating=2,
        account_id="acct-7",
        account_tier="enterprise",
    )
    draft = api.get(f"/v1/items/{item['id']}/draft", params={"kind": "update_email"}).json()
    assert draft["template"] == "everything" and draft["template_version"] == "custom.3"
    assert draft["subject"] == str(item["id"])
    fields = draft["body"].split("|")
    due = item["due_at"][:16].replace("T", " ") + " UTC"
    assert fields[:13] == [
        "g2", "g2-9", "Dana", "2", "acct-7", "enterprise", item["owner"], due, "", "", "",
        "Care", "c@x.io",
    ]  # fmt: skip
    assert fields[13].endswith("…") and len(fields[13]) <= 281
    assert fields[13].startswith("The export has been failing")


def test_the_service_refuses_to_start_on_invalid_templates(tmp_path: Path) -> None:
    from core.settings import Settings
    from service.app import build_runtime

    data = json.loads(DEFAULT_TEMPLATES.read_text(encoding="utf-8"))
    data["templates"][2]["body"] = "{{ ''.__class__.__mro__ }}"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    settings = Settings(reply_templates=path, database_url=f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(TemplatesError, match=r"templates\[2\] \('public-reply-complaint'\)\.body"):
        build_runtime(settings)
