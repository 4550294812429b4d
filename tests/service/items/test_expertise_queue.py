"""Expertise, not tenure (issue 19): a reviewer's queue shows the items matching their key's
skills first (a flag family among the item's flags, its language, its category), each group in
QUEUE_ORDER; a key without skills sees QUEUE_ORDER alone. Real HTTP API, SQLite and PostgreSQL,
and the console's queue in the same order."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from service.db import transaction
from service.items.queue_order import QUEUE_ORDER, SKILLS_ORDER
from service.tables import Item
from tests.service.console.test_ui import sign_in

HOWTO = "How do I add a second admin to our workspace?"
SKILLS = {"flags": ["legal"], "languages": ["de"], "categories": ["complaint"]}
# name: (category, language, flags, severity, confidence, due in minutes, matches SKILLS)
ITEMS = {
    "legal_red": ("service_issue", "en", ["legal"], "red", 0.9, 240, True),
    "fraud_red": ("service_issue", "en", ["fraud", "safety"], "red", 0.9, 30, False),
    "austrian": ("support_request", "de-AT", [], "green", 0.8, 120, True),
    "german_caps": ("review", "DE", [], "yellow", 0.2, 60, True),
    "french": ("support_request", "fr", [], "green", 0.1, 60, False),
    "complaint": ("complaint", None, [], "yellow", 0.7, 90, True),
    "deutsch_word": ("review", "deu", [], "green", 0.3, 20, False),  # not the code "de"
    "legalese": ("review", "en", [], "green", 0.05, 10, False),  # no flag: the text is no match
    "overdue": ("review", None, [], "green", 0.9, -15, False),
}


def _seed(api: Any) -> dict[str, int]:
    now = datetime.now(UTC)
    ids = {}
    for name, (category, language, flags, severity, confidence, minutes, _) in ITEMS.items():
        body = {"text": f"{HOWTO} ({name}, legal)"}
        if language is not None:
            body["language"] = language
        response = api.post("/v1/classify", "helpdesk", json=body)
        assert response.status_code == 200, response.text
        ids[name] = response.json()["id"]
        with transaction(api.runtime.factory) as session:
            item = session.get(Item, ids[name])
            assert item is not None
            item.status, item.category, item.severity = "needs_review", category, severity
            item.flags, item.confidence = flags, confidence
            item.due_at = now + timedelta(minutes=minutes)
    return ids


def _reviewer(api: Any, name: str, skills: dict[str, list[str]]) -> int:
    created = api.post("/v1/keys", json={"role": "reviewer", "name": name, "skills": skills})
    assert created.status_code == 201, created.text
    api.keys[name] = created.json()["key"]
    key_id: int = created.json()["id"]
    return key_id


def _queue_ids(api: Any, role: str, page: int = 50) -> list[int]:
    ids: list[int] = []
    offset = 0
    while True:
        body = api.get(f"/v1/queue?limit={page}&offset={offset}", role).json()
        ids += [item["id"] for item in body["items"]]
        offset += page
        if offset >= body["total"]:
            return ids


def test_matching_items_come_first_each_group_in_queue_order(api: Any) -> None:
    ids = _seed(api)
    matching = {ids[name] for name, values in ITEMS.items() if values[-1]}
    key_id = _reviewer(api, "dana", SKILLS)
    plain = _queue_ids(api, "reviewer")  # a key without skills: QUEUE_ORDER alone
    assert sorted(plain) == sorted(ids.values())
    expected = [i for i in plain if i in matching] + [i for i in plain if i not in matching]
    assert expected != plain  # the skills do reorder this queue
    assert _queue_ids(api, "dana") == expected
    for page in (1, 2, 4):  # paging follows the same order, each item once
        assert _queue_ids(api, "dana", page) == expected
    # Filters apply within the order: the red items, matching first.
    reds = api.get("/v1/queue?severity=red", "dana").json()["items"]
    assert [i["id"] for i in reds] == [ids["legal_red"], ids["fraud_red"]]

    # An admin's change takes effect at the next request: now French speakers' items first.
    changed = api.client.patch(
        f"/v1/keys/{key_id}", headers=api.headers("admin"), json={"skills": {"languages": ["fr"]}}
    )
    assert changed.status_code == 200, changed.text
    assert _queue_ids(api, "dana") == [ids["french"]] + [i for i in plain if i != ids["french"]]
    # No skills at all: the plain order again.
    api.client.patch(f"/v1/keys/{key_id}", headers=api.headers("admin"), json={"skills": {}})
    assert _queue_ids(api, "dana") == plain


def test_the_console_queue_follows_the_reviewers_skills(make_api: Any) -> None:
    console = make_api(ui_cookie_secure=False)
    ids = _seed(console)
    _reviewer(console, "dana", SKILLS)
    expected = _queue_ids(console, "dana")
    sign_in(console, "dana")
    page = console.client.get("/ui/queue")
    assert page.status_code == 200
    shown = [int(i) for i in re.findall(r'<tr class="sev-[a-z]+">\s*<td>(\d+)</td>', page.text)]
    assert shown == expected and shown[0] != _queue_ids(console, "reviewer")[0]
    # j/k navigation walks the same order.
    first = console.client.get("/ui/queue/at/0", follow_redirects=False)
    assert first.headers["location"].startswith(f"/ui/items/{expected[0]}?")
    assert ids  # seeded


def test_the_api_and_readme_describe_the_order(api: Any) -> None:
    described = api.client.get("/openapi.json").json()["paths"]["/v1/queue"]["get"]
    assert SKILLS_ORDER in described["description"] and QUEUE_ORDER in described["description"]
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    assert " ".join(SKILLS_ORDER.split()) in " ".join(readme.split())
