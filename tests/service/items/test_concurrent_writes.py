"""Concurrent reviewers through the real HTTP API, on SQLite and PostgreSQL: every state change
is a compare-and-set in the database, so of N writers of one version exactly one wins and the
others get 409 with the current item; nothing is appended for a loser."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from service.db import transaction
from service.tables import Event, Review

LEGAL = "We will sue you over the lost pallet, our lawyer is already on it."
HOWTO = "How do I add a second admin to our workspace?"
CATEGORIES = ["review", "complaint", "service_issue", "support_request"]
SEVERITIES = ["green", "yellow", "red"]


def _classify(api: Any, text: str) -> dict[str, Any]:
    response = api.post("/v1/classify", "helpdesk", json={"text": text})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _all_at_once(count: int, call: Callable[[int], Any]) -> list[Any]:
    """Run `call(i)` for i < count on as many threads, released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(index: int) -> Any:
        barrier.wait()
        return call(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def _reviews_of(api: Any, item_id: int) -> int:
    with transaction(api.runtime.factory) as session:
        return int(session.scalar(select(func.count(Review.id)).where(Review.item_id == item_id)))


def test_of_many_reviewers_of_one_version_exactly_one_wins(api: Any) -> None:
    for writers in (2, 16, 16):
        item = _classify(api, LEGAL)
        corrections = [
            {
                "version": item["version"],
                "action": "correct",
                "category": CATEGORIES[i % len(CATEGORIES)],
                "severity": SEVERITIES[i % len(SEVERITIES)],
                "note": f"reviewer {i}",
            }
            for i in range(writers)
        ]
        responses = _all_at_once(
            writers,
            lambda i, item=item, corrections=corrections: api.post(
                f"/v1/items/{item['id']}/review", "reviewer", json=corrections[i]
            ),
        )
        codes = [r.status_code for r in responses]
        assert codes.count(200) == 1 and codes.count(409) == writers - 1, codes
        winner = corrections[codes.index(200)]
        stored = api.get(f"/v1/items/{item['id']}").json()
        assert (stored["category"], stored["severity"]) == (winner["category"], winner["severity"])
        assert stored["version"] == item["version"] + 1
        assert [r["note"] for r in stored["reviews"]] == [winner["note"]]
        assert _reviews_of(api, item["id"]) == 1
        for response in responses:
            if response.status_code == 409:
                body = response.json()
                assert body["error"] == "ConflictError"
                assert body["current"]["version"] == item["version"] + 1
                assert body["current"]["category"] == winner["category"]
                assert body["latest_review"]["note"] == winner["note"]


def _routed(api: Any) -> dict[str, Any]:
    """A routed item (reviewed once, so every close step is allowed)."""
    item = _classify(api, LEGAL)
    confirmed = api.post(
        f"/v1/items/{item['id']}/review", "reviewer", json={"version": 1, "action": "confirm"}
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "routed"
    body: dict[str, Any] = confirmed.json()
    return body


STEPS: dict[str, tuple[str, dict[str, Any]]] = {
    "acknowledge": ("acknowledged", {"note": "on it"}),
    "resolve": (
        "resolved",
        {
            "action_taken": "Called them",
            "internal_change": "New SLA",
            "root_cause": "process",
            "review": {"what_happened": "A legal threat", "what_failed": "Slow first reply"},
        },
    ),
    "dismiss": ("dismissed", {"reason": "false_positive"}),
}


def test_racing_close_steps_without_a_version_leave_a_consistent_item(api: Any) -> None:
    """Acknowledge, resolve and dismiss at the same moment, naming no version: each applies to
    the item as it then is, so the final status is the last 200's and the history chains."""
    for _ in range(4):
        item = _routed(api)
        steps = ["acknowledge", "resolve", "dismiss", "acknowledge", "resolve", "dismiss"]
        responses = _all_at_once(
            len(steps),
            lambda i, item=item, steps=steps: api.post(
                f"/v1/items/{item['id']}/{steps[i]}", "reviewer", json=STEPS[steps[i]][1]
            ),
        )
        codes = [r.status_code for r in responses]
        assert set(codes) <= {200, 409}, codes
        closed = [steps[i] for i, c in enumerate(codes) if c == 200 and steps[i] != "acknowledge"]
        assert len(closed) == 1, codes  # an item is closed once: resolved or dismissed
        final = api.get(f"/v1/items/{item['id']}").json()
        assert final["status"] == STEPS[closed[0]][0]
        with transaction(api.runtime.factory) as session:
            chain = session.execute(
                select(Event.from_status, Event.to_status)
                .where(Event.item_id == item["id"])
                .order_by(Event.id)
            ).all()
        for (_, before), (after_from, _) in itertools.pairwise(chain):
            assert after_from == before, chain  # each step starts where the last one ended
        assert chain[-1][1] == final["status"]
        successes = sum(c == 200 for c in codes)
        assert final["version"] == item["version"] + successes


def test_racing_close_steps_of_one_version_one_wins(api: Any) -> None:
    for _ in range(3):
        item = _routed(api)
        steps = ["acknowledge", "resolve", "dismiss"] * 2
        responses = _all_at_once(
            len(steps),
            lambda i, item=item, steps=steps: api.post(
                f"/v1/items/{item['id']}/{steps[i]}",
                "reviewer",
                json=STEPS[steps[i]][1] | {"version": item["version"]},
            ),
        )
        codes = [r.status_code for r in responses]
        assert codes.count(200) == 1 and codes.count(409) == len(steps) - 1, codes
        final = api.get(f"/v1/items/{item['id']}").json()
        assert final["status"] == STEPS[steps[codes.index(200)]][0]
        assert final["version"] == item["version"] + 1
