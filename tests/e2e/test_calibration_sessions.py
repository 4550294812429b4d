"""Calibration sessions in a real browser: a reviewer labels their items blind (no model
proposal on the page), and the report shows the agreement once the other reviewer is done."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect
from sklearn.metrics import cohen_kappa_score

from service.access.keys import create_key
from service.db import transaction
from service.enums import Role

TEXTS = [
    "Love the new dashboard, reporting is finally fast.",
    "The export has been failing since Monday's update.",
    "How do I add a second admin to our workspace?",
]


def sign_in(page: Page, key: str) -> None:
    page.goto("/ui/login?next=/ui/sessions")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/ui/sessions")


def test_a_reviewer_labels_blind_and_the_report_shows_agreement(
    new_page: Any, server: Any, screenshot: Any
) -> None:
    stored = server.post(
        "/v1/classify/batch", "helpdesk", json={"items": [{"text": t} for t in TEXTS]}
    )
    assert stored.status_code == 200 and stored.json()["rejected"] == 0, stored.text
    with transaction(server.runtime.factory) as db:
        raters = [create_key(session=db, role=Role.REVIEWER, name=f"rater-{n}") for n in (0, 1)]
    opened = server.post(
        "/v1/sessions",
        json={"name": "Browser run", "size": 3, "reviewer_key_ids": [r.id for r in raters]},
    )
    assert opened.status_code == 201, opened.text
    sid = opened.json()["id"]

    page = new_page()
    sign_in(page, raters[0].key)
    page.get_by_role("link", name="Browser run").click()
    expect(page.get_by_role("heading", name=re.compile("Your items to label"))).to_be_visible()
    forms = page.get_by_role("form", name=re.compile(r"Label item \d+"))
    expect(forms).to_have_count(3)
    # Blind: no proposal, confidence or flag in the cards, and no label chosen in advance.
    for card in page.locator("section.blind-item").all_inner_texts():
        assert not re.search(r"model|proposal|confidence|%|needs review", card, re.I), card
    for choice in page.locator("section.blind-item select").all():
        assert choice.input_value() == ""
    screenshot(page, "calibration-01-blind")
    mine: dict[int, str] = {}
    for _ in range(3):
        form = page.get_by_role("form", name=re.compile(r"Label item \d+")).first
        item_id = int(form.locator('input[name="item_id"]').get_attribute("value") or 0)
        text = page.locator("blockquote.text").first.inner_text()
        category = "service_issue" if "failing" in text else "review"
        form.get_by_label("Category").select_option(category)
        form.get_by_label("Severity").select_option("yellow" if "failing" in text else "green")
        form.get_by_role("button", name="Save label").click()
        expect(page.get_by_role("status")).to_have_text(f"Label of item {item_id} saved.")
        mine[item_id] = category
    expect(page.locator("#all-labelled")).to_be_visible()

    # The other reviewer disagrees on one item, through the API.
    theirs: dict[int, str] = {}
    for n, (item_id, category) in enumerate(sorted(mine.items())):
        theirs[item_id] = "support_request" if n == 0 else category
        answer = server.request(
            "POST",
            f"/v1/sessions/{sid}/labels",
            None,
            headers={"Authorization": f"Bearer {raters[1].key}"},
            json={"item_id": item_id, "category": theirs[item_id], "severity": "green"},
        )
        assert answer.status_code == 201, answer.text

    page.get_by_role("link", name="See the report").click()
    ids = sorted(mine)
    expected = cohen_kappa_score([mine[i] for i in ids], [theirs[i] for i in ids])
    expect(page.locator("#kappa-category")).to_contain_text(
        f"Cohen's kappa {expected:.2f} (95 % interval"
    )
    expect(page.locator("#kappa-category")).to_contain_text("over 3 items")
    disagreement = page.get_by_role("region", name=f"Disagreement on item {ids[0]}")
    expect(disagreement).to_contain_text("rater-0")
    expect(disagreement).to_contain_text("model:")  # complete: the proposal is shown now
    screenshot(page, "calibration-02-report")
