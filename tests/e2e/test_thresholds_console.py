"""The dashboard in a real browser (issue 19): a banner for each open threshold alert, and a
"Download CSV" link on each section that downloads that section's figures."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from service.db import transaction
from service.metrics.thresholds import check_thresholds
from service.routing.thresholds import Threshold, ThresholdMetric
from service.tables import Item
from tests.e2e.test_console import classify, sign_in

RED_SHARE = Threshold(
    name="red-share-high",
    metric=ThresholdMetric.RED_SHARE,
    comparison="above",
    value=0.5,
    window_hours=24,
    min_items=4,
)


def test_the_dashboard_shows_the_alert_and_downloads_csv(
    page: Page, server: Any, screenshot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server.runtime, "policy", server.runtime.policy.model_copy(
        update={"thresholds": [RED_SHARE]}
    ))  # fmt: skip
    ids = [classify(server, f"The export failed again, attempt {n}")["id"] for n in range(4)]
    with transaction(server.runtime.factory) as session:
        for item_id in ids[:3]:  # red share 0.75, above 0.5
            item = session.get(Item, item_id)
            assert item is not None
            item.severity = "red"
        item = session.get(Item, ids[3])
        assert item is not None
        item.severity = "green"
    assert check_thresholds(server.runtime).raised == ["red-share-high"]

    sign_in(page, server.keys["reviewer"])
    page.goto("/ui/dashboard")
    banner = page.locator(".threshold-alert")
    expect(banner).to_have_count(1)
    expect(banner).to_contain_text("red-share-high")
    expect(banner).to_contain_text("red share is 0.75, above the limit of 0.5 (last 24 h)")
    screenshot(page, "19-dashboard-threshold-alert")

    link = page.get_by_role("link", name="Download CSV: reputation risk trend")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "metrics-reputation_risk_trend.csv"
    path = download.path()
    assert path is not None
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    assert rows and {r["section"] for r in rows} == {"reputation_risk_trend"}
    red = sum(int(r["value"]) for r in rows if r["metric"] == "buckets.red")
    items = sum(int(r["value"]) for r in rows if r["metric"] == "buckets.items")
    assert (red, items) == (3, 4)

    # The figures recovered: the next evaluation clears the alert and the banner goes.
    with transaction(server.runtime.factory) as session:
        for item_id in ids[:2]:
            item = session.get(Item, item_id)
            assert item is not None
            item.severity = "green"
    assert check_thresholds(server.runtime).cleared == ["red-share-high"]
    page.reload()
    expect(page.locator(".threshold-alert")).to_have_count(0)
