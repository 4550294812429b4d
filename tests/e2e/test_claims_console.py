"""Claims in the console, in a real browser (issue 19): Alice claims an item from its page;
Bob, signed in with another key, sees her claim in the queue and on the item, cannot review it,
and may claim it once she releases it."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.test_console import api_item, classify, sign_in

LEGAL = "We will sue you over the lost pallet"


def _reviewer(server: Any, name: str) -> str:
    created = server.post("/v1/keys", json={"role": "reviewer", "name": name})
    assert created.status_code == 201, created.text
    key: str = created.json()["key"]
    return key


def test_a_claim_made_on_the_item_page_is_seen_by_another_reviewer(
    server: Any, new_page: Any, screenshot: Any
) -> None:
    alice_key, bob_key = _reviewer(server, "alice"), _reviewer(server, "bob")
    item = classify(server, LEGAL)
    assert item["status"] == "needs_review"

    alice = new_page()
    sign_in(alice, alice_key)
    alice.goto(f"/ui/items/{item['id']}")
    expect(alice.locator("#claim-holder")).to_contain_text("No one is working on this item")
    alice.locator("#claim-form button").click()
    expect(alice.locator("#notice")).to_contain_text(f"Item {item['id']} claimed")
    expect(alice.locator("#claim-holder")).to_contain_text("You hold this item until")
    expect(alice.locator("#claim-form button")).to_have_text("Renew claim")
    screenshot(alice, "claims-01-alice-claimed")
    claim = api_item(server, item["id"])["claim"]
    assert claim["reviewer"] == "alice"

    bob = new_page()
    sign_in(bob, bob_key)
    row = bob.locator("table.queue tbody tr", has=bob.locator(f"text={LEGAL}"))
    expect(row.locator("td[data-label='claimed by']")).to_contain_text("alice until")
    screenshot(bob, "claims-02-bob-queue")
    row.locator("td.snippet a").click()
    expect(bob).to_have_url(re.compile(rf"/ui/items/{item['id']}\?"))
    expect(bob.locator("#claim-holder")).to_contain_text("alice holds this item until")
    expect(bob.locator("#claim-form")).to_have_count(0)
    expect(bob.locator("#release-form")).to_have_count(0)
    # Bob's review is refused, says who holds the item, and changes nothing.
    bob.locator("#confirm-form button").click()
    expect(bob.locator("#error")).to_contain_text("claimed by alice until")
    screenshot(bob, "claims-03-bob-refused")
    stored = api_item(server, item["id"])
    assert (stored["version"], stored["reviews"], stored["claim"]) == (item["version"], [], claim)

    # Alice releases; Bob sees the item free and claims it.
    alice.locator("#release-form button").click()
    expect(alice.locator("#notice")).to_contain_text(f"Item {item['id']} released")
    bob.reload()
    expect(bob.locator("#claim-holder")).to_contain_text("No one is working on this item")
    bob.locator("#claim-form button").click()
    expect(bob.locator("#claim-holder")).to_contain_text("You hold this item until")
    assert api_item(server, item["id"])["claim"]["reviewer"] == "bob"
