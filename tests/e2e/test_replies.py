"""The item page's reply panel in a real browser: no draft for a held item before review (its
escalation note only), the draft after review, edited and recorded as sent, shown in the
history; an empty reply refused with the text kept; a form without its token refused.

Screenshots land in test-artifacts/screenshots/ (19-*.png).
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

LEGAL = "We will sue you over the lost pallet, our lawyer is already on it."


def sign_in(page: Page, key: str) -> None:
    page.goto("/ui/login")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/ui/queue")


def test_draft_edit_and_record_a_reply(page: Page, server: Any, screenshot: Any) -> None:
    created = server.post("/v1/classify", "helpdesk", json={"text": LEGAL, "author": "Sam"})
    item = created.json()
    assert item["response_rule"] == "no_public_reply_until_reviewed"
    sign_in(page, server.keys["reviewer"])

    page.goto(f"/ui/items/{item['id']}")
    panel = page.get_by_role("region", name="Reply")
    expect(panel.locator("#reply-refusal")).to_contain_text("not reviewed yet")
    expect(panel.get_by_role("button", name="Record as sent")).to_have_count(0)
    panel.get_by_label("Draft").select_option("escalation_note")
    panel.get_by_role("button", name="Show draft").click()
    expect(panel.get_by_label("Reply text")).to_have_value(re.compile(r"red flags: legal"))
    expect(panel.get_by_label("Subject")).to_have_value(
        re.compile(rf"^\[red\] Item {item['id']} for leadership")
    )
    screenshot(page, "19-held-escalation-note")

    page.goto(f"/ui/items/{item['id']}")
    page.get_by_role("button", name="Confirm (c)").click()
    page.goto(f"/ui/items/{item['id']}")
    panel = page.get_by_role("region", name="Reply")
    body = panel.get_by_label("Reply text")
    expect(body).to_have_value(re.compile(r"^Hi Sam,\n\nthank you for bringing this"))
    expect(panel).to_contain_text("template held-outreach replies.v1")
    screenshot(page, "19-draft-after-review")

    drafted = body.input_value()
    # An empty reply is refused; what was typed is shown again.
    body.fill("   ")
    panel.get_by_role("button", name="Record as sent").click()
    expect(page.locator("#error")).to_contain_text("must not be empty")
    assert [e["kind"] for e in server.get(f"/v1/items/{item['id']}").json()["events"]].count(
        "reply_sent"
    ) == 0

    panel = page.get_by_role("region", name="Reply")
    body = panel.get_by_label("Reply text")
    expect(body).to_have_value("   ")
    body.fill(drafted + "\n<b>Call me</b> on 555-0100.")
    panel.get_by_label("Sent via").fill("email")
    panel.get_by_role("button", name="Record as sent").click()
    expect(page.get_by_role("status")).to_contain_text(f"Item {item['id']} reply recorded.")
    sent = page.locator(".history li .reply-sent").last
    expect(sent).to_contain_text("outreach via email · template held-outreach (replies.v1), edited")
    expect(sent.locator(".reply-text")).to_contain_text("Hi Sam,")
    expect(sent.locator(".reply-text")).to_contain_text("<b>Call me</b> on 555-0100.")
    expect(sent.locator(".reply-subject")).to_have_text("Your message to us")
    assert page.locator(".reply-sent b").count() == 0  # shown as text, never as markup
    screenshot(page, "19-reply-recorded")

    events = server.get(f"/v1/items/{item['id']}").json()["events"]
    reply = events[-1]
    assert reply["kind"] == "reply_sent" and reply["actor"] == "reviewer-e2e"
    assert reply["data"]["edited"] is True and reply["data"]["channel"] == "email"
    assert reply["data"]["body"] == drafted + "\n<b>Call me</b> on 555-0100."
    assert "\r" not in reply["data"]["body"]

    # The form without its token is refused and stores nothing.
    forged = page.request.post(
        f"/ui/items/{item['id']}/reply",
        form={"reply_kind": "outreach", "reply_body": "Forged"},
        max_redirects=0,
    )
    assert forged.status == 403
    after = server.get(f"/v1/items/{item['id']}").json()["events"]
    assert len(after) == len(events)
