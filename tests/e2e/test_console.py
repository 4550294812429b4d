"""The reviewer console in a real browser: sign in, work the queue with the keyboard, correct a
label, meet a conflict, acknowledge/resolve/dismiss, read the dashboard, on a laptop and a tablet.

Screenshots of every page visited land in test-artifacts/screenshots/ (01-login.png ...).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from service.console.reasons import in_words

LEGAL = "We will sue you over the lost pallet"
SECURITY = "Someone hacked our admin account and changed payout details"
FRAUD = "Your rep stole money from our account, this is fraud"
SAFETY = "The charger caught fire and burned my hand"
UNCERTAIN = [
    "Not sure what to make of the new release",
    "It works, mostly, I guess",
    "The export is fine but the colours are odd",
]
HOSTILE = (
    "We will sue you <script>window.__pwned=1</script>"
    '<img src=x onerror="window.__pwned=2"> & "quotes"'
)
RED_BACKGROUND = "rgb(220, 38, 38)"  # --red in app.css


# ---- helpers --------------------------------------------------------------------------------


def classify(server: Any, text: str, **fields: Any) -> dict[str, Any]:
    response = server.post("/v1/classify", "helpdesk", json={"text": text, **fields})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def classify_many(server: Any, texts: list[str]) -> list[dict[str, Any]]:
    response = server.post(
        "/v1/classify/batch", "helpdesk", json={"items": [{"text": t} for t in texts]}
    )
    assert response.status_code == 200 and response.json()["rejected"] == 0, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def api_queue(server: Any, **params: Any) -> list[dict[str, Any]]:
    response = server.get("/v1/queue", "reviewer", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def api_item(server: Any, item_id: int) -> dict[str, Any]:
    response = server.get(f"/v1/items/{item_id}", "reviewer")
    assert response.status_code == 200, response.text
    item: dict[str, Any] = response.json()
    return item


def sign_in(page: Page, key: str) -> None:
    page.goto("/ui/login")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/ui/queue")


def item_url(item_id: int) -> re.Pattern[str]:
    return re.compile(rf"/ui/items/{item_id}(\?|$)")


def queue_ids(page: Page) -> list[int]:
    return [int(t) for t in page.locator("table.queue tbody tr td:first-child").all_inner_texts()]


def no_horizontal_overflow(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


# ---- 1. sign-in -----------------------------------------------------------------------------


def test_sign_in_cookie_and_sign_out(page: Page, server: Any, screenshot: Any) -> None:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto("/ui/queue")
    expect(page).to_have_url(re.compile(r"/ui/login\?next=%2Fui%2Fqueue$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    key_field = page.get_by_label("API key")
    expect(key_field).to_have_attribute("type", "password")
    screenshot(page, "01-login")

    key_field.fill(server.keys["reviewer"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/ui/queue")
    expect(page.get_by_role("heading", name=re.compile("Review queue"))).to_be_visible()
    expect(page.get_by_text("reviewer-e2e (reviewer)")).to_be_visible()

    session = [c for c in page.context.cookies() if c["name"] == "triage_session"]
    assert len(session) == 1
    assert session[0]["httpOnly"] and session[0]["secure"]
    assert session[0]["sameSite"] == "Strict" and session[0]["path"] == "/ui"
    assert server.keys["reviewer"] not in session[0]["value"]
    assert page.evaluate("document.cookie") == ""  # HTTP-only: invisible to scripts
    assert urls and not any(server.keys["reviewer"] in url for url in urls)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/ui/login")
    assert not [c for c in page.context.cookies() if c["name"] == "triage_session"]
    page.goto("/ui/queue")
    expect(page).to_have_url(re.compile(r"/ui/login\?"))

    page.get_by_label("API key").fill(server.keys["helpdesk"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "This key may not use the console (reviewer or admin keys only)."
    )
    assert not [c for c in page.context.cookies() if c["name"] == "triage_session"]
    screenshot(page, "01-login-helpdesk-refused")

    page.get_by_label("API key").fill("not-a-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("That API key is not valid.")
    keys = (server.keys["helpdesk"], server.keys["reviewer"])
    assert not any(key in url for url in urls for key in keys)


# ---- 2. the queue ---------------------------------------------------------------------------


def test_queue_order_badges_filters_and_paging(page: Page, server: Any, screenshot: Any) -> None:
    reds = [f"{LEGAL} number {i}" for i in range(24)] + [SECURITY, FRAUD, SAFETY]
    classify_many(server, reds + UNCERTAIN)
    expected = api_queue(server)
    assert len(expected) > 25  # enough for a second page

    sign_in(page, server.keys["reviewer"])
    expect(page.locator("h1 .count")).to_have_text(f"{len(expected)} waiting")
    assert queue_ids(page) == [i["id"] for i in expected[:25]]
    rows = page.locator("table.queue tbody tr")
    for n, item in enumerate(expected[:25]):
        row = rows.nth(n)
        cells = row.locator("td")
        severity = item["severity"]
        badge = cells.nth(1).locator(".badge")
        expect(badge).to_have_class(re.compile(rf"\bsev-{severity}\b"))
        expect(badge).to_have_text(severity)
        families = sorted({f["family"] for f in item["red_flags"]})
        assert cells.nth(2).locator(".badge.flag").all_inner_texts() == families
        expect(cells.nth(5)).to_have_text(item["owner"])
        assert re.fullmatch(r"(in|overdue by) \d+[smhd].*", cells.nth(6).inner_text())
    first_badge = rows.first.locator(".badge.sev-red")
    assert first_badge.evaluate("e => getComputedStyle(e).backgroundColor") == RED_BACKGROUND
    assert "legal" in page.locator("table.queue .badge.flag").all_inner_texts()
    assert {"leadership"} <= set(page.locator("table.queue td:nth-child(6)").all_inner_texts())
    pages = -(-len(expected) // 25)
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text(f"Page 1 of {pages}")
    screenshot(page, "02-queue")

    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"/ui/queue\?page=2$"))
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text(f"Page 2 of {pages}")
    assert queue_ids(page) == [i["id"] for i in expected[25:50]]
    screenshot(page, "02-queue-page-2")
    page.get_by_role("link", name="Previous").click()
    assert queue_ids(page) == [i["id"] for i in expected[:25]]

    other = next((i["severity"] for i in expected if i["severity"] != "red"), "yellow")
    for severity in ("red", other):
        page.get_by_label("Severity").select_option(severity)
        page.get_by_role("button", name="Filter").click()
        expect(page).to_have_url(re.compile(rf"/ui/queue\?severity={severity}&"))
        wanted = [i["id"] for i in api_queue(server, severity=severity)]
        assert queue_ids(page) == wanted[:25]
        assert set(page.locator("table.queue tbody .badge[class*=sev-]").all_inner_texts()) <= {
            severity
        }
    screenshot(page, "02-queue-filtered")
    page.get_by_role("link", name="Clear").click()
    expect(page).to_have_url(re.compile(r"/ui/queue$"))
    assert len(queue_ids(page)) == 25


# ---- 3. working the queue with the keyboard ---------------------------------------------------


def test_work_the_queue_with_the_keyboard(page: Page, server: Any, screenshot: Any) -> None:
    for text in (LEGAL, SECURITY, FRAUD, SAFETY, UNCERTAIN[0]):
        classify(server, text, source="trustpilot", rating=1)
    expected = api_queue(server)
    ids = [i["id"] for i in expected]
    assert len(ids) >= 4
    first = api_item(server, ids[0])

    sign_in(page, server.keys["reviewer"])
    page.keyboard.press("j")
    page.wait_for_url(item_url(ids[0]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Item {ids[0]}")
    marks = page.locator(".feedback mark")
    assert first["red_flags"], first
    for flag in first["red_flags"]:
        expect(marks.filter(has_text=flag["text"])).to_have_count(1)
    expect(page.locator(".feedback")).to_have_text(first["text"])
    for head, labels in first["probabilities"].items():
        for label, p in labels.items():
            meter = page.get_by_label(f"{head} {label}", exact=True)
            assert abs(float(meter.get_attribute("value") or "nan") - p) < 1e-9
    assert len(first["probabilities"]["category"]) == 6
    assert len(first["probabilities"]["severity"]) == 3
    # Reasons in words; the codes the API gives stay on each line (its title).
    reasons = page.locator(".reasons li")
    assert reasons.all_inner_texts() == [in_words(r) for r in first["reasons"]]
    assert [reasons.nth(i).get_attribute("title") for i in range(reasons.count())] == first[
        "reasons"
    ]
    routing = page.get_by_role("region", name="Model proposal")
    for value in (first["decision"], first["owner"], first["response_rule"], first["routing_rule"]):
        expect(routing).to_contain_text(value)
    history = page.locator(".history li")
    expect(history).to_have_count(len(first["events"]))
    expect(history.first).to_contain_text("classified")
    screenshot(page, "03-item")
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog")
    expect(help_dialog).to_contain_text("Keyboard shortcuts")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    # c: confirm, and on to the next item (the confirmed one left the queue)
    page.keyboard.press("c")
    page.wait_for_url(item_url(ids[1]))
    expect(page.get_by_role("status")).to_have_text(
        f"Item {ids[0]} reviewed. Back to item {ids[0]}"
    )
    expect(page.get_by_role("link", name=f"Back to item {ids[0]}")).to_have_attribute(
        "href", f"/ui/items/{ids[0]}"
    )
    confirmed = api_item(server, ids[0])
    assert confirmed["status"] == "routed"
    assert [(r["action"], r["actor"]) for r in confirmed["reviews"]] == [
        ("confirm", "reviewer-e2e")
    ]

    # 2 y, a note, s: a correction
    second = api_item(server, ids[1])
    page.keyboard.press("2")
    page.keyboard.press("y")
    expect(page.locator('input[name="category"][value="complaint"]')).to_be_checked()
    expect(page.locator('input[name="severity"][value="yellow"]')).to_be_checked()
    note = page.get_by_role("textbox", name="Note", exact=True)
    note.click()
    page.keyboard.type("Angry but no legal threat; yes this is complaint")
    page.keyboard.press("Escape")  # leaves the note, so the next key is a shortcut again
    assert page.evaluate("document.activeElement.id") != "note"
    screenshot(page, "03-item-correction")
    page.keyboard.press("s")
    page.wait_for_url(item_url(ids[2]))
    corrected = api_item(server, ids[1])
    (review,) = corrected["reviews"]
    assert review["action"] == "correct"
    assert (review["category"], review["severity"]) == ("complaint", "yellow")
    assert review["note"] == "Angry but no legal threat; yes this is complaint"
    assert (review["model_category"], review["proposed_severity"]) == (
        second["category"],
        second["severity"],
    )
    assert (corrected["category"], corrected["severity"]) == ("complaint", "yellow")
    assert corrected["predictions"] == second["predictions"]  # the model's proposal is kept

    # j / k move along the queue without changing anything
    page.keyboard.press("j")
    page.wait_for_url(item_url(ids[3]))
    page.keyboard.press("k")
    page.wait_for_url(item_url(ids[2]))
    expect(page.locator("#prev-item")).to_have_count(0)  # the first waiting item now
    for following in ids[3:]:
        page.keyboard.press("j")
        page.wait_for_url(item_url(following))
    page.keyboard.press("j")  # past the last one: back to the queue
    page.wait_for_url(re.compile(r"/ui/queue\?.*end=1"))
    expect(page.get_by_text("You reached the end of the queue.")).to_be_visible()
    assert [i["id"] for i in api_queue(server)] == ids[2:]


# ---- 4. a stale edit ------------------------------------------------------------------------


def test_a_stale_edit_shows_the_conflict(new_page: Any, server: Any, screenshot: Any) -> None:
    item = classify(server, SECURITY)
    created = server.post("/v1/keys", "admin", json={"role": "reviewer", "name": "Second"})
    assert created.status_code in (200, 201), created.text
    first, second = new_page(), new_page()
    sign_in(first, server.keys["reviewer"])
    sign_in(second, created.json()["key"])
    for page in (first, second):
        page.goto(f"/ui/items/{item['id']}")

    first.get_by_role("button", name="Confirm (c)").click()
    # The only waiting item: on to the queue page, which says so.
    first.wait_for_url(re.compile(r"/ui/queue\?$"))
    expect(first.get_by_role("status")).to_contain_text(f"Item {item['id']} reviewed.")
    expect(first.get_by_role("status")).to_contain_text("Nothing else is waiting for review.")

    second.get_by_role("radio", name="review", exact=True).check()
    second.get_by_role("radio", name="green", exact=True).check()
    second.get_by_role("textbox", name="Note", exact=True).fill("Looks harmless to me")
    second.get_by_role("button", name="Save correction (s)").click()
    second.wait_for_url(item_url(item["id"]))  # redirected: not left on the POST address
    conflict = second.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Looks harmless to me")  # the unsaved note is kept
    expect(conflict.get_by_role("heading", level=2)).to_have_text("Someone else changed this item")
    expect(conflict).to_contain_text("Their decision: confirm")
    expect(conflict).to_contain_text(f"severity {item['severity']}")
    expect(conflict).to_contain_text("by reviewer-e2e")
    expect(conflict).to_contain_text("Your change was not saved.")
    expect(second.locator("h1 .status")).to_have_text("routed")
    screenshot(second, "04-conflict")

    stored = api_item(server, item["id"])
    assert [(r["action"], r["actor"]) for r in stored["reviews"]] == [("confirm", "reviewer-e2e")]
    assert (stored["category"], stored["severity"]) == (item["category"], item["severity"])


# ---- 4b. a reviewer's red flag ---------------------------------------------------------------


def test_a_reviewer_flag_sends_a_legal_threat_to_leadership(
    page: Page, server: Any, screenshot: Any
) -> None:
    item = classify(server, "Meine Kanzlei meldet sich morgen bei Ihnen, das wird teuer für Sie.")
    assert item["red_flags"] == []  # no rule catches this German legal threat
    sign_in(page, server.keys["reviewer"])
    page.goto(f"/ui/items/{item['id']}")
    choices = page.locator("#flag-choices")
    for family in ("legal", "security", "fraud", "safety"):
        expect(choices.get_by_role("checkbox", name=family)).not_to_be_checked()
    page.get_by_role("radio", name="complaint", exact=True).check()
    page.get_by_role("radio", name="red", exact=True).check()
    choices.get_by_role("checkbox", name="legal").check()
    page.get_by_role("textbox", name="Phrase (optional)").fill("Meine Kanzlei meldet sich")
    screenshot(page, "04-reviewer-flag")
    page.get_by_role("button", name="Save correction (s)").click()
    expect(page.get_by_role("status")).to_contain_text(f"Item {item['id']} reviewed.")
    page.get_by_role("link", name=f"Back to item {item['id']}").click()  # on to the next, back
    page.wait_for_url(item_url(item["id"]))
    expect(page.locator("#reviewer-flags")).to_contain_text("legal")
    expect(page.locator("#reviewer-flags")).to_contain_text("by reviewer-e2e")
    expect(page.locator("#flag-choices").get_by_role("checkbox", name="legal")).to_be_checked()
    stored = api_item(server, item["id"])
    assert [(f["family"], f["note"]) for f in stored["reviewer_flags"]] == [
        ("legal", "Meine Kanzlei meldet sich")
    ]
    assert (stored["owner"], stored["routing_rule"]) == ("leadership", "red-flag-to-leadership")


# ---- 5. acknowledge, resolve, dismiss -------------------------------------------------------


def test_acknowledge_resolve_and_dismiss(page: Page, server: Any, screenshot: Any) -> None:
    resolved, dismissed = classify(server, LEGAL), classify(server, FRAUD)
    sign_in(page, server.keys["admin"])

    page.goto(f"/ui/items/{resolved['id']}")
    page.get_by_role("button", name="Confirm (c)").click()
    page.wait_for_url(item_url(dismissed["id"]))  # on to the next waiting item
    expect(page.get_by_role("status")).to_contain_text(f"Item {resolved['id']} reviewed.")
    page.get_by_role("link", name=f"Back to item {resolved['id']}").click()
    page.wait_for_url(item_url(resolved["id"]))
    expect(page.locator("h1 .status")).to_have_text("routed")
    page.keyboard.press("a")
    expect(page.get_by_role("status")).to_contain_text(f"Item {resolved['id']} acknowledged.")
    expect(page.locator("h1 .status")).to_have_text("acknowledged")
    page.get_by_label("What was done").fill("Called the customer; pallet refunded")
    page.get_by_label("What changed internally").fill("Carrier claims now checked daily")
    page.get_by_label("Root cause").select_option("third_party")  # a red item needs it
    page.get_by_label("What happened").fill("The carrier lost a pallet")
    page.get_by_label("Where the process failed").fill("Claims were checked weekly")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_role("status")).to_contain_text(f"Item {resolved['id']} resolved.")
    expect(page.locator("h1 .status")).to_have_text("resolved")
    expect(page.get_by_role("region", name="Review")).to_have_count(0)  # closed: no actions
    history = page.locator(".history li")
    kinds = [re.findall(r"UTC (\w+) by ", t)[0] for t in history.all_inner_texts()]
    assert kinds[0] == "classified" and kinds[-3:] == ["reviewed", "acknowledged", "resolved"]
    expect(history.last).to_contain_text("Called the customer; pallet refunded")
    expect(history.last).to_contain_text("Carrier claims now checked daily")
    screenshot(page, "05-resolved")
    stored = api_item(server, resolved["id"])
    assert stored["status"] == "resolved"
    assert [e["kind"] for e in stored["events"]][-3:] == ["reviewed", "acknowledged", "resolved"]
    assert stored["events"][-1]["data"]["action_taken"] == "Called the customer; pallet refunded"

    page.goto(f"/ui/items/{dismissed['id']}")
    page.get_by_label("Dismiss because").select_option("duplicate")
    page.get_by_role("textbox", name="Dismissal note").fill("Same as the email from Monday")
    page.get_by_role("button", name="Dismiss").click()
    expect(page.get_by_role("status")).to_contain_text(f"Item {dismissed['id']} dismissed.")
    expect(page.locator("h1 .status")).to_have_text("dismissed")
    expect(page.locator(".history li").last).to_contain_text("duplicate")
    screenshot(page, "05-dismissed")
    stored = api_item(server, dismissed["id"])
    assert stored["status"] == "dismissed"
    assert stored["events"][-1]["data"]["reason"] == "duplicate"
    assert api_queue(server) == []


# ---- 6. untrusted text ----------------------------------------------------------------------


def test_review_text_is_escaped(page: Page, server: Any, screenshot: Any) -> None:
    item = classify(server, HOSTILE, source="<b>g2</b>", author="<i>x</i>")
    sign_in(page, server.keys["reviewer"])
    literal = "<script>window.__pwned=1</script>"
    for path, name in (("/ui/queue", "10-escaped-queue"), (f"/ui/items/{item['id']}", "")):
        page.goto(path)
        expect(page.get_by_text(literal, exact=False).first).to_be_visible()
        assert page.evaluate("window.__pwned") is None
        assert page.locator("main script, main img").count() == 0
        if name:
            screenshot(page, name)
    expect(page.locator(".feedback")).to_have_text(HOSTILE)
    expect(page.locator(".feedback mark").first).to_have_text("sue")
    expect(page.locator(".meta")).to_contain_text("<b>g2</b>")
    screenshot(page, "11-escaped-item")


# ---- 7. dashboard ---------------------------------------------------------------------------

CHARTS = (
    "Escalation response time by severity",
    "Resolution completion rate",
    "Reputation risk trend",
    "Items by category",
    "Items by source",
    "Model-reviewer agreement by proposed category and model version",
    "Model-reviewer agreement on severity by model version",
)


def test_dashboard_charts_and_time_range(page: Page, server: Any, screenshot: Any) -> None:
    items = [
        classify(server, text, source=source)
        for text, source in ((LEGAL, "g2"), (SECURITY, "email"), (UNCERTAIN[1], "g2"))
    ]
    review = server.post(
        f"/v1/items/{items[0]['id']}/review",
        "reviewer",
        json={"version": items[0]["version"], "action": "confirm"},
    )
    assert review.status_code == 200, review.text
    acknowledged = server.post(
        f"/v1/items/{items[0]['id']}/acknowledge", "reviewer", json={"note": "on it"}
    )
    assert acknowledged.status_code == 200, acknowledged.text
    sign_in(page, server.keys["reviewer"])
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/ui/dashboard")
    expect(page.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    labels = page.locator("svg[role=img]").evaluate_all(
        "svgs => svgs.map(s => s.getAttribute('aria-label'))"
    )
    for title in CHARTS:
        assert title in labels, (title, labels)  # with data: no ": no data" suffix
    expect(page.locator(".tile").first).to_contain_text("3")
    # One day of data: the red share is a marker with its figure, the axes have names.
    (day,) = server.get("/v1/metrics", "reviewer").json()["reputation_risk_trend"]["buckets"][-1:]
    share = f"{100 * day['red'] / day['items']:.0f} % ({day['red']} of {day['items']})"
    risk = page.locator('svg[aria-label="Reputation risk trend"]')
    expect(risk.locator("circle.chart-share-point")).to_have_count(2)  # the day, the legend
    expect(risk.locator("text", has_text=share).first).to_be_visible()
    expect(risk).not_to_contain_text("100% red")
    expect(risk.locator("text.chart-axis-title", has_text="red share")).to_have_count(1)
    response = page.locator('svg[aria-label="Escalation response time by severity"]')
    expect(response.locator("text", has_text="n/a").first).to_be_visible()
    screenshot(page, "06-dashboard")

    today = datetime.now(UTC).date()
    start = today - timedelta(days=20)
    page.get_by_label("From").fill(start.isoformat())
    page.get_by_label("To").fill(today.isoformat())
    page.get_by_label("Per").select_option("week")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(
        re.compile(rf"/ui/dashboard\?from={start.isoformat()}&to={today.isoformat()}&bucket=week$")
    )
    expect(page.get_by_label("From")).to_have_value(start.isoformat())
    expect(page.get_by_label("Per")).to_have_value("week")
    trend = page.locator('svg[aria-label="Reputation risk trend"]')
    expect(trend).to_be_visible()
    metrics = server.get(
        "/v1/metrics",
        "reviewer",
        params={
            "received_from": f"{start.isoformat()}T00:00:00Z",
            "received_to": f"{(today + timedelta(days=1)).isoformat()}T00:00:00Z",
            "bucket": "week",
        },
    ).json()
    buckets = [b["label"] for b in metrics["reputation_risk_trend"]["buckets"]]
    assert 3 <= len(buckets) <= 4
    for label in buckets:
        expect(trend).to_contain_text(label)
    screenshot(page, "06-dashboard-week")

    page.get_by_label("From").fill(today.isoformat())
    page.get_by_label("To").fill(start.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_contain_text("The end date must not be before")


# ---- 8. a tablet ----------------------------------------------------------------------------


def test_tablet_layout_and_accessible_names(
    tablet_page: Page, server: Any, screenshot: Any
) -> None:
    page = tablet_page
    classify(server, f"{LEGAL}. {SECURITY}. " * 3, source="trustpilot", account_tier="strategic")
    classify_many(server, [FRAUD, SAFETY, *UNCERTAIN])
    page.goto("/ui/login")
    assert no_horizontal_overflow(page)
    sign_in(page, server.keys["reviewer"])
    for label in ("Severity", "Category", "Owner"):
        expect(page.get_by_role("combobox", name=label, exact=True)).to_be_visible()
    expect(page.get_by_role("textbox", name="Source", exact=True)).to_be_visible()
    for button in ("Filter", "Sign out"):
        expect(page.get_by_role("button", name=button)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    assert no_horizontal_overflow(page)
    screenshot(page, "07-queue-tablet")

    page.locator("table.queue tbody tr").first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/ui/items/\d+\?pos=0"))
    assert no_horizontal_overflow(page)
    for button in ("Confirm (c)", "Save correction (s)", "Dismiss"):
        expect(page.get_by_role("button", name=button)).to_be_visible()
    for radio in ("complaint", "service_issue", "green", "yellow", "red"):
        expect(page.get_by_role("radio", name=radio, exact=True)).to_have_count(1)
    for field in ("Dismiss because", "Dismissal note"):
        expect(page.get_by_label(field, exact=True)).to_have_count(1)
    expect(page.get_by_role("textbox", name="Note", exact=True)).to_have_count(1)
    expect(page.get_by_role("meter", name="severity red", exact=True)).to_have_count(1)
    screenshot(page, "08-item-tablet")

    page.goto("/ui/dashboard")
    assert no_horizontal_overflow(page)
    for field in ("From", "To"):
        expect(page.get_by_role("textbox", name=field, exact=True)).to_be_visible()
    expect(page.get_by_role("combobox", name="Per", exact=True)).to_be_visible()
    screenshot(page, "09-dashboard-tablet")


# ---- 9. a phone, and emoji ------------------------------------------------------------------

EMOJI = "Worst support ever \U0001f621\U0001f92c we will sue you \U0001f44e"


def test_the_queue_fits_a_phone(new_page: Any, server: Any, screenshot: Any) -> None:
    page = new_page(390, 844)
    classify(server, f"{LEGAL}. {SECURITY}. " * 4, source="trustpilot", account_tier="strategic")
    classify_many(server, [FRAUD, SAFETY, EMOJI, *UNCERTAIN])
    sign_in(page, server.keys["reviewer"])
    assert no_horizontal_overflow(page)
    cells = page.locator("table.queue td.snippet")
    expect(cells).to_have_count(len(api_queue(server)))
    for i in range(cells.count()):
        box = cells.nth(i).bounding_box()
        assert box is not None and box["width"] >= 300, box  # the card's full width
    expect(page.locator("table.queue td[data-label=owner]").first).to_be_visible()
    screenshot(page, "12-queue-phone")
    page.locator("table.queue td.snippet a").first.click()
    page.wait_for_url(re.compile(r"/ui/items/\d+\?pos=0"))
    assert no_horizontal_overflow(page)
    screenshot(page, "12-item-phone")
    page.goto("/ui/dashboard")
    assert no_horizontal_overflow(page)
    screenshot(page, "12-dashboard-phone")


def test_emoji_in_feedback_are_drawn_with_the_shipped_font(
    page: Page, server: Any, screenshot: Any
) -> None:
    item = classify(server, EMOJI)
    sign_in(page, server.keys["reviewer"])
    page.goto(f"/ui/items/{item['id']}")
    expect(page.locator(".feedback")).to_have_text(EMOJI)
    loaded = page.evaluate(
        """async () => {
            await document.fonts.ready;
            return [...document.fonts]
                .filter(f => f.family.replaceAll('"', '') === 'Noto Emoji' && f.status === 'loaded')
                .length;
        }"""
    )
    assert loaded >= 1  # the browser fetched the shipped font for the text's emoji
    screenshot(page, "13-emoji")
    font = server.get("/ui/static/fonts/noto-emoji-3.woff2", None)
    assert font.status_code == 200 and font.content[:4] == b"wOF2"
