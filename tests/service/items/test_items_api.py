"""Classify, store, route, review and close items through the real HTTP API, on SQLite and
PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from model.rules import RULES_VERSION
from service.db import transaction
from service.tables import Event, Item, Prediction, Review

LEGAL = "We will sue you over the lost pallet, our lawyer is already on it."
PRAISE = "Solid CRM, onboarding was smooth and the support team is lovely."
HOWTO = "How do I add a second admin to our workspace?"


def test_classify_returns_the_stored_item_with_everything(api: Any) -> None:
    r = api.post(
        "/v1/classify",
        "helpdesk",
        json={"text": LEGAL, "source": "Trustpilot", "external_id": "tp-1", "rating": 1},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] > 0 and body["version"] == 1 and body["duplicate"] is False
    assert body["source"] == "trustpilot" and body["rating"] == 1
    assert body["severity"] == "red" and body["decision"] == "rule_forced"
    assert body["status"] == "needs_review"
    hit = {"family": "legal", "rule": "legal.sue", "language": "en"}
    assert hit.items() <= body["red_flags"][0].items()
    start, end = body["red_flags"][0]["start"], body["red_flags"][0]["end"]
    assert LEGAL[start:end].lower() == "sue"
    assert body["owner"] == "leadership"
    assert body["response_rule"] == "no_public_reply_until_reviewed"
    assert body["routing_rule"] == "red-flag-to-leadership"
    received = datetime.fromisoformat(body["received_at"])
    assert datetime.fromisoformat(body["due_at"]) - received == timedelta(minutes=60)
    assert abs(sum(body["probabilities"]["category"].values()) - 1) < 1e-9
    assert body["model_version"] and body["rules_version"] == RULES_VERSION
    assert 0 <= body["category_confidence"] <= 1
    # Committed before the response: a fresh session sees the item and its rows.
    with transaction(api.runtime.factory) as session:
        item = session.get(Item, body["id"])
        assert item is not None and item.text == LEGAL
        assert session.scalar(select(func.count(Prediction.id))) == 1
        kinds = session.scalars(select(Event.kind).where(Event.item_id == item.id)).all()
        assert kinds == ["classified", "routed"]


def test_reposting_the_same_external_id_returns_the_existing_item(api: Any) -> None:
    first = api.post("/v1/classify", json={"text": PRAISE, "source": "g2", "external_id": "r-9"})
    again = api.post("/v1/classify", json={"text": PRAISE, "source": "G2", "external_id": "r-9"})
    other = api.post(
        "/v1/classify", json={"text": PRAISE, "source": "capterra", "external_id": "r-9"}
    )
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["id"] == first.json()["id"]
    assert other.json()["id"] != first.json()["id"]  # same id on another channel is another item
    batch = api.post(
        "/v1/classify/batch",
        json={
            "items": [
                {"text": PRAISE, "source": "g2", "external_id": "r-9"},
                {"text": HOWTO, "source": "email", "external_id": "m-1"},
                {"text": HOWTO, "source": "email", "external_id": "m-1"},
            ]
        },
    ).json()
    assert [i["duplicate"] for i in batch["items"]] == [True, False, True]
    assert batch["items"][1]["id"] == batch["items"][2]["id"]
    assert api.get("/v1/items").json()["total"] == 3


def test_concurrent_reposts_store_one_item(api: Any) -> None:
    results: list[Any] = []

    def post() -> None:
        results.append(
            api.post("/v1/classify", json={"text": HOWTO, "source": "email", "external_id": "x"})
        )

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    assert len({r.json()["id"] for r in results}) == 1
    assert api.get("/v1/items").json()["total"] == 1


def test_batch_keeps_good_items_and_reports_bad_ones_by_index(api: Any) -> None:
    r = api.post(
        "/v1/classify/batch",
        "helpdesk",
        json={
            "items": [
                {"text": PRAISE},
                {"text": "   "},
                {"text": HOWTO, "rating": 9},
                {"txt": "typo in the field name"},
                {"text": "x" * 20_001},
                {"text": LEGAL, "account_tier": "strategic"},
            ]
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 2 and body["rejected"] == 4
    assert [e["index"] for e in body["errors"]] == [1, 2, 3, 4]
    assert "empty" in body["errors"][0]["detail"]
    assert "rating" in body["errors"][1]["detail"]
    assert "txt" in body["errors"][2]["detail"] and "text" in body["errors"][2]["detail"]
    assert "20000" in body["errors"][3]["detail"]
    assert body["items"][0]["text"] == PRAISE and body["items"][5]["severity"] == "red"
    assert [i is None for i in body["items"]] == [False, True, True, True, True, False]
    assert api.get("/v1/items").json()["total"] == 2


def test_batch_limit_is_enforced(make_api: Any) -> None:
    api = make_api(batch_limit=3)
    r = api.post("/v1/classify/batch", json={"items": [{"text": PRAISE}] * 4})
    assert r.status_code == 413 and r.json()["error"] == "PayloadTooLargeError"
    assert api.get("/v1/items").json()["total"] == 0


def _classify(api: Any, text: str, **fields: Any) -> dict[str, Any]:
    r = api.post("/v1/classify", json={"text": text, **fields})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_queue_orders_by_risk_and_pages_through_everything(api: Any) -> None:
    red = _classify(api, LEGAL)
    uncertain = [_classify(api, t) for t in ("meh", "ok I guess", "hmm what", "so so")]
    waiting = [u for u in uncertain if u["status"] == "needs_review"]
    overdue = waiting[-1]
    with transaction(api.runtime.factory) as session:
        item = session.get(Item, overdue["id"])
        assert item is not None
        item.due_at = datetime.now(UTC) - timedelta(minutes=5)
    page1 = api.get("/v1/queue?limit=2", "reviewer").json()
    page2 = api.get("/v1/queue?limit=2&offset=2", "reviewer").json()
    page3 = api.get("/v1/queue?limit=2&offset=4", "reviewer").json()
    ids = [i["id"] for p in (page1, page2, page3) for i in p["items"]]
    assert page1["total"] == 1 + len(waiting) == len(ids) == len(set(ids))
    assert ids[0] == red["id"]
    assert ids[1] == overdue["id"] and page1["items"][1]["overdue"] is True
    rest = [i for p in (page1, page2, page3) for i in p["items"]][2:]
    confidences = [min(i["category_confidence"], i["severity_confidence"]) for i in rest]
    assert confidences == sorted(confidences)
    only_red = api.get("/v1/queue?severity=red", "reviewer").json()
    assert [i["id"] for i in only_red["items"]] == [red["id"]]


def test_review_confirm_and_correct_keep_the_model_proposal(api: Any) -> None:
    item = _classify(api, LEGAL)
    r = api.post(
        f"/v1/items/{item['id']}/review",
        "reviewer",
        json={
            "version": item["version"],
            "action": "correct",
            "category": "complaint",
            "severity": "red",
            "note": "angry customer, real legal threat",
        },
    )
    assert r.status_code == 200, r.text
    reviewed = r.json()
    assert reviewed["category"] == "complaint" and reviewed["status"] == "routed"
    assert reviewed["reviewed"] is True and reviewed["version"] == item["version"] + 1
    detail = api.get(f"/v1/items/{item['id']}", "helpdesk").json()
    (review,) = detail["reviews"]
    assert review["actor_type"] == "human" and review["actor"] == "reviewer-test"
    assert review["action"] == "correct" and review["model_category"] == item["category"]
    assert review["proposed_severity"] == "red" and review["note"].startswith("angry")
    assert review["model_severity"] == detail["predictions"][0]["model_severity"]
    assert detail["predictions"][0]["category"] == item["category"]  # the proposal is kept
    assert [e["kind"] for e in detail["events"]][:3] == ["classified", "routed", "reviewed"]

    second = _classify(api, HOWTO)
    confirmed = api.post(
        f"/v1/items/{second['id']}/review",
        "reviewer",
        json={"version": 1, "action": "confirm"},
    ).json()
    assert confirmed["category"] == second["category"] and confirmed["reviewed"] is True


def test_a_stale_review_gets_409_with_the_other_decision(api: Any) -> None:
    item = _classify(api, LEGAL)
    first = api.post(
        f"/v1/items/{item['id']}/review",
        "reviewer",
        json={"version": 1, "action": "correct", "category": "complaint", "severity": "red"},
    )
    assert first.status_code == 200
    stale = api.post(
        f"/v1/items/{item['id']}/review",
        "admin",
        json={"version": 1, "action": "correct", "category": "review", "severity": "green"},
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["error"] == "ConflictError" and "version 1" in body["detail"]
    assert body["current"]["category"] == "complaint" and body["current"]["version"] == 2
    assert body["latest_review"]["actor"] == "reviewer-test"
    with transaction(api.runtime.factory) as session:
        assert session.scalar(select(func.count(Review.id))) == 1  # nothing overwritten


def test_acknowledge_resolve_dismiss_and_the_history(api: Any) -> None:
    item = _classify(api, LEGAL)
    too_early = api.post(f"/v1/items/{item['id']}/acknowledge", "reviewer", json={})
    assert too_early.status_code == 409 and "needs_review" in too_early.json()["detail"]
    api.post(f"/v1/items/{item['id']}/review", "reviewer", json={"version": 1, "action": "confirm"})
    ack = api.post(f"/v1/items/{item['id']}/acknowledge", "reviewer", json={"version": 2})
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    assert ack.json()["acknowledged_at"] is not None
    missing_fields = api.post(f"/v1/items/{item['id']}/resolve", "reviewer", json={})
    assert missing_fields.status_code == 422
    done = api.post(
        f"/v1/items/{item['id']}/resolve",
        "reviewer",
        json={
            "action_taken": "Called the customer",
            "internal_change": "New courier SLA",
            "root_cause": "third_party",
            "review": {"what_happened": "Pallet lost", "what_failed": "No courier tracking"},
        },
    )
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    again = api.post(f"/v1/items/{item['id']}/dismiss", "reviewer", json={"reason": "spam"})
    assert again.status_code == 409
    events = api.get(f"/v1/items/{item['id']}").json()["events"]
    assert [e["kind"] for e in events] == [
        "classified",
        "routed",
        "reviewed",
        "acknowledged",
        "resolved",
    ]
    assert events[-1]["data"]["internal_change"] == "New courier SLA"

    spam = _classify(api, "cheap watches best price visit my site")
    dismissed = api.post(
        f"/v1/items/{spam['id']}/dismiss", "reviewer", json={"reason": "spam", "note": "bot"}
    )
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    bad_reason = api.post(f"/v1/items/{spam['id']}/dismiss", "reviewer", json={"reason": "meh"})
    assert bad_reason.status_code == 422


def test_items_listing_filters_and_paginates(api: Any) -> None:
    _classify(api, LEGAL, source="g2")
    _classify(api, PRAISE, source="g2")
    _classify(api, HOWTO, source="email")
    assert api.get("/v1/items?source=g2").json()["total"] == 2
    assert api.get("/v1/items?severity=red").json()["total"] == 1
    assert api.get("/v1/items?owner=leadership").json()["total"] == 1
    assert api.get("/v1/items?status=needs_review&status=routed").json()["total"] == 3
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert api.get("/v1/items", params={"received_from": future}).json()["total"] == 0
    page = api.get("/v1/items?limit=2&offset=2").json()
    assert page["total"] == 3 and len(page["items"]) == 1
    assert api.get("/v1/items?status=bogus").status_code == 422
    assert api.get("/v1/items/999999").status_code == 404


def test_repeated_service_failures_of_one_account_go_to_leadership(api: Any) -> None:
    text = "The export has been failing since Monday's update, please fix it."
    owners = [_classify(api, f"{text} (ticket {n})", account_id="acme")["owner"] for n in range(3)]
    categories = [i["category"] for i in api.get("/v1/items").json()["items"]]
    if categories.count("service_issue") == 3:  # routing follows the model's category
        assert owners[-1] == "leadership" and owners[0] != "leadership"


def test_repeats_inside_one_batch_count_like_separate_posts(api: Any) -> None:
    """Items of one batch are inserted together at the end; the repeat count must still see
    the earlier service issues of the same account in that batch."""
    text = "The export has been failing since Monday's update, please fix it."
    r = api.post(
        "/v1/classify/batch",
        json={
            "items": [{"text": f"{text} (ticket {n})", "account_id": "globex"} for n in range(4)]
        },
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["category"] for i in items] == ["service_issue"] * 4
    assert [i["routing_rule"] == "repeated-service-failure" for i in items] == [
        False,
        False,
        True,
        True,
    ]
    assert items[2]["owner"] == "leadership"


def test_a_batch_reads_repeat_counts_in_one_query(api: Any) -> None:
    """Stored service issues of every account in a batch come from one grouped query, not one
    query per item; the counts are those of separate posts."""
    from sqlalchemy import event

    text = "The export has been failing since Monday's update, please fix it."
    first = api.post(
        "/v1/classify/batch",
        json={"items": [{"text": f"{text} (old {n})", "account_id": "initech"} for n in range(2)]},
    )
    assert first.status_code == 200, first.text
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = api.runtime.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        accounts = ["initech", "umbrella", "hooli", "initech", "umbrella"]
        r = api.post(
            "/v1/classify/batch",
            json={
                "items": [
                    {"text": f"{text} (new {n})", "account_id": account}
                    for n, account in enumerate(accounts)
                ]
            },
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert r.status_code == 200, r.text
    repeat_queries = [s for s in statements if "GROUP BY items.account_id" in s]
    assert len(repeat_queries) == 1, repeat_queries
    rules = [i["routing_rule"] == "repeated-service-failure" for i in r.json()["items"]]
    # initech had two stored, so its first new one is the third; umbrella's second is its second.
    assert rules == [True, False, False, True, False]


def test_corrections_export_has_the_labelled_file_format(api: Any, tmp_path: Any) -> None:
    from service.items.exports import corrections_rows

    item = _classify(api, LEGAL, source="g2", rating=1)
    api.post(
        f"/v1/items/{item['id']}/review",
        "reviewer",
        json={"version": 1, "action": "correct", "category": "complaint", "severity": "red"},
    )
    with transaction(api.runtime.factory) as session:
        rows = corrections_rows(session=session)
    assert len(rows) == 1
    row = rows[0]
    assert row["text"] == LEGAL and row["category"] == "complaint" and row["severity"] == "red"
    assert row["flags"] == "legal" and row["model_category"] == item["category"]
    import csv

    from training.datasets import load_labelled

    path = tmp_path / "corrections.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerows(rows)
    loaded = load_labelled(path)
    assert loaded.rows[0].category.value == "complaint"


def test_a_review_does_not_undo_an_escalation(api: Any) -> None:
    from service.items import flows

    item = _classify(api, HOWTO)
    with transaction(api.runtime.factory) as session:
        row = session.get(Item, item["id"])
        assert row is not None
        row.owner, row.due_at = "support", datetime.now(UTC) - timedelta(minutes=1)
    assert flows.escalate(api.runtime) == [item["id"]]
    escalated = api.get(f"/v1/items/{item['id']}").json()
    assert escalated["owner"] == "operations" and escalated["escalation_level"] == 1
    reviewed = api.post(
        f"/v1/items/{item['id']}/review",
        "reviewer",
        json={"version": escalated["version"], "action": "confirm"},
    ).json()
    assert reviewed["owner"] == "operations" and reviewed["escalation_level"] == 1
    assert reviewed["overdue"] is False
    assert flows.escalate(api.runtime) == []


def test_each_item_of_a_batch_gets_its_own_rows(api: Any) -> None:
    """Every item of a batch is inserted in one statement per table; each one's prediction
    and events must still be its own (SQLite returns new ids in no promised order)."""
    texts = [LEGAL, PRAISE, HOWTO, "Your app charged us twice this month.", PRAISE + " Again."]
    items = [{"text": t, "external_id": f"rows-{i}"} for i, t in enumerate(texts)]
    r = api.post("/v1/classify/batch", "helpdesk", json={"items": items})
    assert r.status_code == 200, r.text
    results = r.json()["items"]
    assert [result["text"] for result in results] == texts
    with transaction(api.runtime.factory) as session:
        for result, text in zip(results, texts, strict=True):
            item = session.get(Item, result["id"])
            assert item is not None and item.text == text and item.external_id
            assert texts[int(item.external_id.split("-")[1])] == text
            (prediction,) = session.scalars(
                select(Prediction).where(Prediction.item_id == item.id)
            ).all()
            assert prediction.category == result["category"] == item.category
            assert prediction.probabilities == result["probabilities"]
            events = session.scalars(
                select(Event).where(Event.item_id == item.id).order_by(Event.id)
            ).all()
            assert [e.kind for e in events] == ["classified", "routed"]
            assert events[1].data["owner"] == result["owner"]


def test_a_batch_too_big_for_one_insert_statement_keeps_each_items_rows(make_api: Any) -> None:
    """SQLAlchemy sends at most 1,000 rows per INSERT statement: 1,200 items take two item
    statements and three event statements, and every id must still line up."""
    api = make_api(batch_limit=1200)
    bases = [LEGAL, PRAISE, HOWTO, "Your app charged us twice this month."]
    texts = [f"{bases[i % len(bases)]} (ticket {i})" for i in range(1200)]
    items = [{"text": t, "external_id": f"big-{i}"} for i, t in enumerate(texts)]
    r = api.post("/v1/classify/batch", "helpdesk", json={"items": items})
    assert r.status_code == 200, r.text
    results = r.json()["items"]
    assert [result["text"] for result in results] == texts
    ids = [result["id"] for result in results]
    assert len(set(ids)) == 1200
    with transaction(api.runtime.factory) as session:
        stored = dict(session.execute(select(Item.id, Item.text).where(Item.id.in_(ids))).all())
        assert [stored[i] for i in ids] == texts
        predicted = dict(
            session.execute(
                select(Prediction.item_id, Prediction.category).where(Prediction.item_id.in_(ids))
            ).all()
        )
        assert [predicted[i] for i in ids] == [result["category"] for result in results]
        kinds = session.execute(
            select(Event.item_id, func.count(Event.id))
            .where(Event.item_id.in_(ids))
            .group_by(Event.item_id)
        ).all()
        assert len(kinds) == 1200 and {count for _, count in kinds} == {2}
