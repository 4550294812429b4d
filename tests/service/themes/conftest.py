"""Themes fixtures: real-looking feedback stored through the API.

Three authored bursts of paraphrases (tests/fixtures/replay_bursts.json: an outage, a billing
bug, a rumour) among real tweets to support desks (data/real/train/twcs.csv), so a re-fit
has clusters to find and background that belongs to none of them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
BURSTS = ROOT / "tests" / "fixtures" / "replay_bursts.json"
BACKGROUND = ROOT / "data" / "real" / "train" / "twcs.csv"
BACKGROUND_ROWS = 40


def feedback() -> list[dict[str, Any]]:
    """The items to store: every burst text (with its burst's name as `external_id` prefix)
    and the first real background rows."""
    bursts = json.loads(BURSTS.read_text(encoding="utf-8"))["bursts"]
    items = [
        {
            "text": text,
            "source": burst["sources"][i % len(burst["sources"])],
            "external_id": f"{burst['name']}-{i}",
            "account_id": f"acct-{i % 7}",
        }
        for burst in bursts
        for i, text in enumerate(burst["texts"])
    ]
    with BACKGROUND.open(encoding="utf-8", newline="") as handle:
        for row in list(csv.DictReader(handle))[:BACKGROUND_ROWS]:
            items.append({"text": row["text"], "source": "twitter", "external_id": row["id"]})
    return items


@pytest.fixture
def stored(api: Any) -> tuple[Any, dict[str, int]]:
    """The api with the feedback stored; external id -> item id."""
    r = api.post("/v1/classify/batch", json={"items": feedback()})
    assert r.status_code == 200, r.text
    assert r.json()["rejected"] == 0, r.json()["errors"]
    ids = {item["external_id"]: item["id"] for item in r.json()["items"]}
    return api, ids


@pytest.fixture
def fitted(stored: tuple[Any, dict[str, int]]) -> tuple[Any, dict[str, int], dict[str, int]]:
    """`stored` after one re-fit; also burst name -> the theme most of its items are in."""
    api, ids = stored
    r = api.post("/v1/themes/refit")
    assert r.status_code == 200, r.text
    main: dict[str, int] = {}
    for burst in ("outage", "billing_bug", "rumour"):
        found = api.get(f"/v1/items/{ids[f'{burst}-0']}").json()["theme"]
        assert found is not None, burst
        main[burst] = found["id"]
    assert len(set(main.values())) == 3
    return api, ids, main
