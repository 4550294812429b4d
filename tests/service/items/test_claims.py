"""Claims on items (issue 19), through the real HTTP API on SQLite and PostgreSQL: a lease with
expiry that only its holder may renew or release, that blocks other reviewers' steps while it
is live, is released by every step, is visible in every item answer, and is race-free."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from service.db import transaction
from service.tables import Event, Item

LEGAL = "We will sue you over the lost pallet, our lawyer is already on it."
HOWTO = "How do I add a second admin to our workspace?"
LEASE_FIELDS = {"item_id", "key_id", "reviewer", "claimed_at", "expires_at"}


def _classify(api: Any, text: str) -> dict[str, Any]:
    response = api.post("/v1/classify", "helpdesk", json={"text": text})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _reviewers(api: Any) -> tuple[str, str]:
    """Two more reviewer keys, "alice" and "bob" (their names are the keys' names)."""
    for name in ("alice", "bob"):
        created = api.post("/v1/keys", json={"role": "reviewer", "name": name})
        assert created.status_code == 201, created.text
        api.keys[name] = created.json()["key"]
    return "alice", "bob"


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _events(api: Any, item_id: int, *kinds: str) -> list[Event]:
    with transaction(api.runtime.factory) as session:
        return list(
            session.scalars(
                select(Event)
                .where(Event.item_id == item_id, Event.kind.in_(kinds))
                .order_by(Event.id)
            )
        )


def _expire(api: Any, item_id: int) -> None:
    """Let the item's claim run out, as time would."""
    with transaction(api.runtime.factory) as session:
        session.execute(
            update(Item)
            .where(Item.id == item_id)
            .values(claim_expires_at=datetime.now(UTC) - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )


def _confirm(api: Any, item: dict[str, Any], role: str) -> Any:
    return api.post(
        f"/v1/items/{item['id']}/review",
        role,
        json={
            "version": item["version"],
            "action": "correct",
            "category": "complaint",
            "severity": "red",
        },
    )


def test_a_claim_is_a_lease_the_holder_renews_and_everyone_sees(make_api: Any) -> None:
    api = make_api(claim_minutes=20)
    alice, _ = _reviewers(api)
    item = _classify(api, LEGAL)
    assert (item["claim"], item["status"]) == (None, "needs_review")
    before = datetime.now(UTC)
    first = api.post(f"/v1/items/{item['id']}/claim", alice)
    assert first.status_code == 200, first.text
    lease = first.json()
    assert set(lease) == LEASE_FIELDS
    assert (lease["item_id"], lease["reviewer"]) == (item["id"], alice)
    expires = _instant(lease["expires_at"])
    assert before + timedelta(minutes=20) <= expires <= datetime.now(UTC) + timedelta(minutes=20)

    again = api.post(f"/v1/items/{item['id']}/claim", alice)
    assert again.status_code == 200, again.text
    renewed = again.json()
    assert renewed["claimed_at"] == lease["claimed_at"]  # the claim began at its first claim
    assert _instant(renewed["expires_at"]) >= expires

    # Visible to everyone: item detail, listing and queue, for any role that reads items.
    detail = api.get(f"/v1/items/{item['id']}", "helpdesk").json()
    assert detail["claim"] == renewed
    assert detail["version"] == item["version"]  # a claim is no change a review's version names
    listed = api.get("/v1/items", "reviewer").json()["items"]
    assert [i["claim"] for i in listed if i["id"] == item["id"]] == [renewed]
    queued = api.get("/v1/queue", "reviewer").json()["items"]
    assert [i["claim"] for i in queued if i["id"] == item["id"]] == [renewed]
    # One `claimed` event: renewals record nothing.
    claimed = _events(api, item["id"], "claimed")
    assert [(e.actor, _instant(e.data["expires_at"])) for e in claimed] == [(alice, expires)]


def test_another_reviewers_live_claim_refuses_claims_and_steps(api: Any) -> None:
    alice, bob = _reviewers(api)
    item = _classify(api, LEGAL)
    lease = api.post(f"/v1/items/{item['id']}/claim", alice).json()

    taken = api.post(f"/v1/items/{item['id']}/claim", bob)
    assert taken.status_code == 409, taken.text
    body = taken.json()
    assert body["error"] == "ClaimHeldError"
    assert body["claim"] == lease
    assert alice in body["detail"] and "until" in body["detail"]

    # Bob's review and closing steps are refused and change nothing.
    assert _confirm(api, item, bob).status_code == 409
    for step, payload in (
        ("dismiss", {"reason": "spam"}),
        ("acknowledge", {}),
        ("resolve", {"action_taken": "x", "internal_change": "y"}),
    ):
        refused = api.post(f"/v1/items/{item['id']}/{step}", bob, json=payload)
        assert refused.status_code == 409, (step, refused.text)
    stored = api.get(f"/v1/items/{item['id']}").json()
    assert (stored["version"], stored["status"], stored["reviews"]) == (
        item["version"],
        "needs_review",
        [],
    )
    assert stored["claim"] == lease
    # Bob may not release Alice's claim either.
    released = api.client.delete(f"/v1/items/{item['id']}/claim", headers=api.headers(bob))
    assert released.status_code == 409 and released.json()["claim"] == lease

    # Alice reviews: her claim is released with the review, and Bob may claim the item.
    reviewed = _confirm(api, item, alice)
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["claim"] is None
    (event,) = _events(api, item["id"], "claim_released")
    assert (event.actor, event.data) == (
        alice,
        {"reason": "reviewed", "holder": alice, "request_id": reviewed.headers["X-Request-ID"]},
    )
    assert api.post(f"/v1/items/{item['id']}/claim", bob).status_code == 200


def test_expired_claims_are_free(api: Any) -> None:
    alice, bob = _reviewers(api)
    item = _classify(api, HOWTO)
    assert api.post(f"/v1/items/{item['id']}/claim", alice).status_code == 200
    _expire(api, item["id"])
    assert api.get(f"/v1/items/{item['id']}").json()["claim"] is None
    # Bob may work it without claiming, or claim it.
    taken = api.post(f"/v1/items/{item['id']}/claim", bob)
    assert taken.status_code == 200, taken.text
    assert taken.json()["reviewer"] == bob
    # Alice's own expired claim is no renewal: claiming again after expiry is a new claim.
    _expire(api, item["id"])
    mine = api.post(f"/v1/items/{item['id']}/claim", alice)
    assert mine.status_code == 200
    assert [e.actor for e in _events(api, item["id"], "claimed")] == [alice, bob, alice]
    assert _instant(mine.json()["claimed_at"]) > _instant(taken.json()["claimed_at"])


def test_release_by_the_holder_or_an_admin(api: Any) -> None:
    alice, bob = _reviewers(api)
    item = _classify(api, HOWTO)
    path = f"/v1/items/{item['id']}/claim"
    lease = api.post(path, alice).json()
    released = api.client.delete(path, headers=api.headers(alice))
    assert released.status_code == 200, released.text
    assert released.json() == {"item_id": item["id"], "released": True, "claim": lease}
    assert api.get(f"/v1/items/{item['id']}").json()["claim"] is None
    # Nothing left to release: still 200, saying so.
    again = api.client.delete(path, headers=api.headers(alice))
    assert again.json() == {"item_id": item["id"], "released": False, "claim": None}
    # An admin releases someone else's claim; the event says whose it was.
    api.post(path, bob)
    by_admin = api.client.delete(path, headers=api.headers("admin"))
    assert by_admin.status_code == 200 and by_admin.json()["claim"]["reviewer"] == bob
    events = _events(api, item["id"], "claim_released")
    by_id = {"request_id": by_admin.headers["X-Request-ID"]}
    assert [(e.actor, e.data) for e in events] == [
        (
            alice,
            {"reason": "released", "holder": alice, "request_id": released.headers["X-Request-ID"]},
        ),
        ("admin-test", {"reason": "released", "holder": bob, "overridden": True} | by_id),
    ]


def test_an_admin_may_step_over_a_claim_and_every_step_releases_it(api: Any) -> None:
    alice, _ = _reviewers(api)
    item = _classify(api, LEGAL)
    api.post(f"/v1/items/{item['id']}/claim", alice)
    reviewed = _confirm(api, item, "admin")
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["claim"] is None
    (event,) = _events(api, item["id"], "claim_released")
    assert event.data == {
        "reason": "reviewed",
        "holder": alice,
        "overridden": True,
        "request_id": reviewed.headers["X-Request-ID"],  # the review released it
    }

    # Acknowledge, resolve and dismiss by the holder release the claim too.
    for step, payload, reason in (
        ("acknowledge", {}, "acknowledged"),
        (
            "resolve",
            {
                "action_taken": "called",
                "internal_change": "runbook",
                "root_cause": "process",
                "review": {"what_happened": "a legal threat", "what_failed": "nothing"},
            },
            "resolved",
        ),
    ):
        assert api.post(f"/v1/items/{item['id']}/claim", alice).status_code == 200
        done = api.post(f"/v1/items/{item['id']}/{step}", alice, json=payload)
        assert done.status_code == 200, done.text
        assert done.json()["claim"] is None
        assert _events(api, item["id"], "claim_released")[-1].data["reason"] == reason
    other = _classify(api, HOWTO)
    api.post(f"/v1/items/{other['id']}/claim", alice)
    dismissed = api.post(f"/v1/items/{other['id']}/dismiss", alice, json={"reason": "spam"})
    assert dismissed.status_code == 200 and dismissed.json()["claim"] is None
    assert _events(api, other["id"], "claim_released")[-1].data["reason"] == "dismissed"


def test_bad_claims_get_clear_errors(api: Any) -> None:
    alice, _ = _reviewers(api)
    item = _classify(api, HOWTO)
    assert (
        api.post(f"/v1/items/{item['id']}/dismiss", alice, json={"reason": "spam"}).status_code
        == 200
    )
    closed = api.post(f"/v1/items/{item['id']}/claim", alice)
    assert closed.status_code == 409, closed.text
    assert "dismissed" in closed.json()["detail"]
    missing = api.post("/v1/items/999999/claim", alice)
    assert missing.status_code == 404 and missing.json()["error"] == "NotFoundError"
    assert (
        api.client.delete("/v1/items/999999/claim", headers=api.headers(alice)).status_code == 404
    )
    assert api.post(f"/v1/items/{item['id']}/claim", "helpdesk").status_code == 403
    assert api.post("/v1/items/0/claim", alice).status_code == 422
    assert _events(api, item["id"], "claimed") == []


def _all_at_once(count: int, call: Callable[[int], Any]) -> list[Any]:
    """Run `call(i)` for i < count on as many threads, released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(index: int) -> Any:
        barrier.wait()
        return call(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_two_reviewers_claiming_at_once_one_wins(api: Any) -> None:
    """Each round, Alice and Bob claim one item at the same instant (own threads, own pooled
    connections): exactly one 200 and one 409 naming the winner, one `claimed` event."""
    reviewers = _reviewers(api)
    for _ in range(6):
        item = _classify(api, HOWTO)
        responses = _all_at_once(
            2,
            lambda i, item=item: api.post(f"/v1/items/{item['id']}/claim", reviewers[i]),
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [200, 409], [r.text for r in responses]
        winner = next(r.json() for r in responses if r.status_code == 200)
        loser = next(r.json() for r in responses if r.status_code == 409)
        assert loser["claim"] == winner
        assert api.get(f"/v1/items/{item['id']}").json()["claim"] == winner
        assert [e.actor for e in _events(api, item["id"], "claimed")] == [winner["reviewer"]]
