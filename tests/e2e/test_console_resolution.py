"""Resolving a red item through the console's form in a real browser (issue 19): the form asks
for the root cause and the post-escalation review, the item page shows them afterwards, and
the dashboard counts the root cause."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.test_console import api_item, classify, item_url, sign_in

LEGAL = "Our lawyer will sue you over the invoices you keep sending twice"


def test_resolving_a_red_item_through_the_form(page: Page, server: Any, screenshot: Any) -> None:
    item = classify(server, LEGAL)
    assert item["severity"] == "red"
    sign_in(page, server.keys["admin"])
    page.goto(f"/ui/items/{item['id']}")
    page.get_by_role("button", name="Confirm (c)").click()
    page.goto(f"/ui/items/{item['id']}")
    expect(page.locator("h1 .status")).to_have_text("routed")

    form = page.locator("#resolve-form")
    expect(form.get_by_label("Root cause")).to_have_attribute("required", "")
    options = form.get_by_label("Root cause").locator("option").all_inner_texts()
    assert options == [
        "choose one",
        "product defect",
        "process",
        "communication",
        "billing",
        "third party",
        "customer error",
        "not actionable",
    ]
    form.get_by_label("What was done").fill("Refunded the second charge and apologised")
    form.get_by_label("What changed internally").fill("Invoice runs are now idempotent")
    form.get_by_label("Root cause").select_option("billing")
    review = form.get_by_role("group", name="Post-escalation review (no blame)")
    review.get_by_label("What happened").fill("A retried invoice run charged twice")
    review.get_by_label("Where the process failed").fill("Nobody owned the retry alerts")
    review.get_by_label("Preventing a recurrence (optional)").fill("Retry alerts go to billing")
    screenshot(page, "resolution-form")
    form.get_by_role("button", name="Resolve").click()

    expect(page.get_by_role("status")).to_contain_text(f"Item {item['id']} resolved.")
    page.goto(f"/ui/items/{item['id']}")
    page.wait_for_url(item_url(item["id"]))
    shown = page.locator("#resolution")
    expect(shown).to_contain_text("billing")
    expect(shown).to_contain_text("Nobody owned the retry alerts")
    expect(page.locator(".history li").last).to_contain_text("root_cause=billing")
    stored = api_item(server, item["id"])
    assert stored["status"] == "resolved"
    assert stored["resolution"] == {
        "root_cause": "billing",
        "action_taken": "Refunded the second charge and apologised",
        "internal_change": "Invoice runs are now idempotent",
        "review": {
            "what_happened": "A retried invoice run charged twice",
            "what_failed": "Nobody owned the retry alerts",
            "prevent_recurrence": "Retry alerts go to billing",
        },
    }
    assert stored["events"][-1]["data"]["root_cause"] == "billing"

    page.goto("/ui/dashboard")
    billing = page.locator("#resolution table.root-causes tr", has_text="billing")
    expect(billing).to_contain_text("1")
    screenshot(page, "resolution-dashboard")
