"""The review queue's order and the reviewer's red flags (issue 16), through the real HTTP API
on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from service.db import transaction
from service.items.exports import corrections_rows
from service.items.queue_order import QUEUE_ORDER
from service.tables import Item, Review
from tests.service.console.test_ui import sign_in

# A German legal threat no rule catches ("my law firm will be in touch").
GERMAN_THREAT = "Meine Kanzlei meldet sich morgen bei Ihnen, das wird teuer für Sie."
CEO_THREAT = "I will find your CEO and hurt him. I know where he lives, I will kill him."
HOWTO = "How do I add a second admin to our workspace?"


def _classify(api: Any, text: str) -> dict[str, Any]:
    response = api.post("/v1/classify", json={"text": text})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _set(api: Any, item_id: int, **values: Any) -> None:
    """Put a stored item in a given state (the queue's inputs), as time and the model would."""
    with transaction(api.runtime.factory) as session:
        item = session.get(Item, item_id)
        assert item is not None
        for name, value in values.items():
            setattr(item, name, value)


def _queue_ids(api: Any, page: int) -> list[int]:
    ids: list[int] = []
    offset = 0
    while True:
        body = api.get(f"/v1/queue?limit={page}&offset={offset}", "reviewer").json()
        ids += [item["id"] for item in body["items"]]
        offset += page
        if offset >= body["total"]:
            return ids


def test_the_issues_queue_puts_the_flagged_threat_first(api: Any) -> None:
    now = datetime.now(UTC)
    threat = _classify(api, CEO_THREAT)
    assert threat["severity"] == "red"
    assert sum(hit["family"] == "safety" for hit in threat["red_flags"]) >= 2
    # name: (severity, flags, confidence, due in minutes)
    wanted = {
        "threat": ("red", ["safety"], 0.95, 59),
        "legal_later": ("red", ["legal"], 0.30, 180),
        "unsure_red": ("red", [], 0.44, 120),
        "overdue_red": ("red", [], 0.90, -10),
        "overdue_yellow": ("yellow", [], 0.80, -30),
        "overdue_green": ("green", [], 0.20, -5),
        "yellow_later": ("yellow", [], 0.50, 60),
        "least_sure": ("green", [], 0.35, 30),
        "yellow_sooner": ("yellow", [], 0.50, 20),
        "sure": ("green", [], 0.99, 600),
    }
    ids = {"threat": threat["id"]}
    for name in wanted:
        if name != "threat":
            ids[name] = _classify(api, f"{HOWTO} ({name})")["id"]
    for name, (severity, flags, confidence, minutes) in wanted.items():
        _set(
            api,
            ids[name],
            status="needs_review",
            severity=severity,
            flags=flags,
            confidence=confidence,
            due_at=now + timedelta(minutes=minutes),
        )
    expected = [
        ids[n]
        for n in (
            "threat",
            "legal_later",
            "overdue_red",
            "unsure_red",
            "overdue_yellow",
            "overdue_green",
            "least_sure",
            "yellow_sooner",
            "yellow_later",
            "sure",
        )
    ]
    assert _queue_ids(api, 50) == expected
    for page in (1, 3, 4):  # paging gives the same order, each item once
        assert _queue_ids(api, page) == expected
    reds = api.get("/v1/queue?severity=red", "reviewer").json()
    assert [i["id"] for i in reds["items"]] == expected[:4]
    described = api.client.get("/openapi.json").json()["paths"]["/v1/queue"]["get"]
    assert QUEUE_ORDER in described["description"]


def test_the_console_queue_has_the_same_order(make_api: Any) -> None:
    console = make_api(ui_cookie_secure=False)
    now = datetime.now(UTC)
    first = _classify(console, f"{HOWTO} (least sure)")
    second = _classify(console, f"{HOWTO} (unsure red)")
    third = _classify(console, CEO_THREAT)
    _set(console, first["id"], status="needs_review", severity="green", confidence=0.1)
    _set(console, second["id"], status="needs_review", severity="red", flags=[], confidence=0.44)
    _set(console, third["id"], due_at=now + timedelta(minutes=59))
    sign_in(console)
    html = console.client.get("/ui/queue").text
    positions = [html.index(f"/ui/items/{i['id']}?pos=") for i in (third, second, first)]
    assert positions == sorted(positions)


def _review(api: Any, item: dict[str, Any], **body: Any) -> Any:
    return api.post(
        f"/v1/items/{item['id']}/review", "reviewer", json={"version": item["version"], **body}
    )


def test_a_reviewer_flag_routes_the_german_legal_threat_to_leadership(api: Any) -> None:
    item = _classify(api, GERMAN_THREAT)
    assert item["red_flags"] == [] and item["reviewer_flags"] == []
    other = _classify(api, GERMAN_THREAT + " Wirklich.")
    # Without a flag, red goes to operations (the issue's complaint) ...
    plain = _review(api, other, action="correct", category="complaint", severity="red")
    assert plain.json()["routing_rule"] == "red-other" and plain.json()["owner"] == "operations"
    # ... with the reviewer's legal flag, to leadership.
    note = "Meine Kanzlei meldet sich"
    response = _review(
        api,
        item,
        action="correct",
        category="complaint",
        severity="red",
        flags=[{"family": "legal", "note": note}],
    )
    assert response.status_code == 200, response.text
    reviewed = response.json()
    assert reviewed["owner"] == "leadership"
    assert reviewed["routing_rule"] == "red-flag-to-leadership"
    assert reviewed["response_rule"] == "no_public_reply_until_reviewed"
    assert reviewed["red_flags"] == []  # the rules' hits: none
    (flag,) = reviewed["reviewer_flags"]
    assert flag["family"] == "legal" and flag["note"] == note
    assert flag["set_by"] == "reviewer-test" and flag["set_at"]
    detail = api.get(f"/v1/items/{item['id']}").json()
    kinds = [e["kind"] for e in detail["events"]]
    assert kinds == ["classified", "routed", "reviewed", "routed"]
    reviewed_event, routed_event = detail["events"][2:]
    assert reviewed_event["data"]["reviewer_flags"] == ["legal"]
    assert reviewed_event["data"]["flags_added"] == ["legal"]
    assert routed_event["data"]["owner"] == "leadership"
    assert routed_event["data"]["after"] == "review"
    (review,) = detail["reviews"]
    assert [f["family"] for f in review["reviewer_flags"]] == ["legal"]
    with transaction(api.runtime.factory) as session:
        assert session.get(Item, item["id"]).flags == ["legal"]  # type: ignore[union-attr]
        rows = {row["item_id"]: row for row in corrections_rows(session=session)}
    assert rows[item["id"]]["flags"] == "legal"  # training data sees the human's flag
    assert rows[other["id"]]["flags"] == ""


def test_flags_left_out_are_kept_and_an_empty_list_removes_them(api: Any) -> None:
    item = _classify(api, GERMAN_THREAT)
    first = _review(
        api,
        item,
        action="correct",
        category="complaint",
        severity="red",
        flags=[{"family": "legal"}, {"family": "fraud", "note": "teuer"}],
    ).json()
    assert [f["family"] for f in first["reviewer_flags"]] == ["legal", "fraud"]
    # A confirm by someone else without `flags` keeps them, with who set them and when.
    kept = api.post(
        f"/v1/items/{item['id']}/review",
        "admin",
        json={"version": first["version"], "action": "confirm"},
    ).json()
    assert kept["reviewer_flags"] == first["reviewer_flags"]
    assert kept["owner"] == "leadership"
    # Sending one again unchanged keeps its author; a changed note is a new setting.
    changed = api.post(
        f"/v1/items/{item['id']}/review",
        "admin",
        json={
            "version": kept["version"],
            "action": "confirm",
            "flags": [{"family": "legal"}, {"family": "fraud", "note": "sehr teuer"}],
        },
    ).json()
    legal, fraud = changed["reviewer_flags"]
    assert legal == first["reviewer_flags"][0]
    assert fraud["note"] == "sehr teuer" and fraud["set_by"] == "admin-test"
    # An empty list removes the reviewer's flags: back to red-other, re-routed.
    removed = _review(api, changed, action="confirm", flags=[]).json()
    assert removed["reviewer_flags"] == []
    assert removed["routing_rule"] == "red-other" and removed["owner"] == "operations"
    detail = api.get(f"/v1/items/{item['id']}").json()
    last_review = [e for e in detail["events"] if e["kind"] == "reviewed"][-1]
    assert last_review["data"]["flags_removed"] == ["legal", "fraud"]
    assert detail["events"][-1]["kind"] == "routed"


def test_a_flag_joins_the_rules_hits(api: Any) -> None:
    threat = _classify(api, CEO_THREAT)
    reviewed = _review(
        api,
        threat,
        action="confirm",
        flags=[{"family": "legal", "note": "also threatens to sue"}],
    ).json()
    assert {hit["family"] for hit in reviewed["red_flags"]} == {"safety"}
    with transaction(api.runtime.factory) as session:
        assert session.get(Item, threat["id"]).flags == ["legal", "safety"]  # type: ignore[union-attr]


def _unchanged(api: Any, item: dict[str, Any]) -> None:
    now = api.get(f"/v1/items/{item['id']}").json()
    assert now["version"] == item["version"] and now["reviewer_flags"] == item["reviewer_flags"]
    assert now["owner"] == item["owner"] and now["severity"] == item["severity"]
    with transaction(api.runtime.factory) as session:
        count = session.scalar(select(func.count(Review.id)).where(Review.item_id == item["id"]))
    assert count == len(now["reviews"])


def test_bad_flags_get_a_clear_422_and_change_nothing(api: Any) -> None:
    item = _classify(api, GERMAN_THREAT)
    red = {"action": "correct", "category": "complaint", "severity": "red"}
    unknown = _review(api, item, **red, flags=[{"family": "slander"}])
    assert unknown.status_code == 422
    text = unknown.text
    assert "family" in text and "legal" in text and "safety" in text
    twice = _review(api, item, **red, flags=[{"family": "legal"}, {"family": "legal"}])
    assert twice.status_code == 422 and "repeated: legal" in twice.text
    long_note = _review(api, item, **red, flags=[{"family": "legal", "note": "x" * 501}])
    assert long_note.status_code == 422 and "note" in long_note.text
    not_a_list = _review(api, item, **red, flags={"family": "legal"})
    assert not_a_list.status_code == 422
    extra = _review(api, item, **red, flags=[{"family": "legal", "by": "me"}])
    assert extra.status_code == 422
    yellow = _review(
        api,
        item,
        action="correct",
        category="complaint",
        severity="yellow",
        flags=[{"family": "legal"}],
    )
    assert yellow.status_code == 422 and "need severity red" in yellow.json()["detail"]
    _unchanged(api, item)
    # Flags set before stay unless removed: a yellow correction must say `flags: []`.
    flagged = _review(api, item, **red, flags=[{"family": "legal"}]).json()
    lowered = _review(api, flagged, action="correct", category="complaint", severity="yellow")
    assert lowered.status_code == 422
    assert "kept" in lowered.json()["detail"] and '"flags": []' in lowered.json()["detail"]
    _unchanged(api, flagged)
    allowed = _review(
        api, flagged, action="correct", category="complaint", severity="yellow", flags=[]
    )
    assert allowed.status_code == 200 and allowed.json()["reviewer_flags"] == []


def _form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def test_the_console_review_form_sets_keeps_and_removes_flags(make_api: Any) -> None:
    console = make_api(ui_cookie_secure=False)
    item = _classify(console, GERMAN_THREAT)
    threat = _classify(console, CEO_THREAT)
    sign_in(console)
    page = console.client.get(f"/ui/items/{threat['id']}").text
    assert 'name="flags" value="safety"' in page and "(rules hit)" in page
    page = console.client.get(f"/ui/items/{item['id']}").text
    for family in ("legal", "security", "fraud", "safety"):
        assert f'name="flags" value="{family}" >' in page  # none ticked yet
    token = _form_token(page)

    def post(version: int, **form: Any) -> Any:
        data = {"csrf_token": token, "version": str(version), **form}
        return console.client.post(
            f"/ui/items/{item['id']}/review", data=data, follow_redirects=False
        )

    correct = {"action": "correct", "category": "complaint", "severity": "red", "flags_sent": "1"}
    bad = post(1, **correct, flags=["slander"])
    assert bad.status_code == 303  # back to the item, with the error and the unsaved change
    shown = console.client.get(bad.headers["location"]).text
    error = shown[shown.index('id="error"') :]
    assert "legal" in error[: error.index("</section>")] and "slander" in error
    assert console.get(f"/v1/items/{item['id']}").json()["version"] == 1  # nothing changed
    saved = post(1, **correct, flags=["legal"], flag_note="Kanzlei")
    assert saved.status_code == 303, saved.text
    stored = console.get(f"/v1/items/{item['id']}").json()
    assert [(f["family"], f["note"]) for f in stored["reviewer_flags"]] == [("legal", "Kanzlei")]
    assert stored["owner"] == "leadership"
    page = console.client.get(f"/ui/items/{item['id']}").text
    assert 'name="flags" value="legal" checked' in page and 'value="Kanzlei"' in page
    assert 'id="reviewer-flags"' in page and "reviewer-test" in page
    kept = post(stored["version"], action="confirm")  # the confirm form sends no flags
    assert kept.status_code == 303
    stored = console.get(f"/v1/items/{item['id']}").json()
    assert [f["family"] for f in stored["reviewer_flags"]] == ["legal"]
    removed = post(stored["version"], **correct)  # the boxes sent, none ticked
    assert removed.status_code == 303
    stored = console.get(f"/v1/items/{item['id']}").json()
    assert stored["reviewer_flags"] == [] and stored["owner"] == "operations"


def test_the_readme_quotes_the_queue_order() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    assert " ".join(QUEUE_ORDER.split()) in " ".join(readme.split())
