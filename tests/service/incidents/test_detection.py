"""The burst detector's decisions acted on in the database (service/incidents/detection.py):
real items stored through the API, encoded with the project's static encoder, fed to the real
`BurstDetector`; its decisions open one incident, link the burst's items, and queue one
`incident_opened` webhook. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from model.incidents import (
    BurstConfig,
    BurstDetector,
    Close,
    Decision,
    Evidence,
    Link,
    Observation,
    Open,
    Reclassify,
)
from model.static_embeddings import default_static_encoder
from service.clock import utcnow
from service.db import transaction
from service.incidents import apply_decisions, burst_config
from service.routing.policy import parse_policy
from service.tables import Event, Incident, IncidentEvent, Item, WebhookOutbox

ROOT = Path(__file__).resolve().parents[3]
BURSTS = json.loads((ROOT / "tests" / "fixtures" / "replay_bursts.json").read_text("utf-8"))
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
# Nothing listens on port 9: notifications stay in the outbox, which is what is checked.
NOWHERE = "http://127.0.0.1:9/hook"


def _background(count: int) -> list[str]:
    with (ROOT / "data" / "train.csv").open(encoding="utf-8", newline="") as handle:
        return [row["text"] for _, row in zip(range(count), csv.DictReader(handle), strict=False)]


def _store(api: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    answer = api.post("/v1/classify/batch", json={"items": rows})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["rejected"] == 0, body["errors"]
    items: list[dict[str, Any]] = body["items"]
    return items


def _stream(api: Any, burst_size: int = 16) -> tuple[list[dict[str, Any]], list[int]]:
    """60 unrelated items over two days, then an outage reported by `burst_size` customers two
    minutes apart; returns every stored item in time order and the outage's ids."""
    background = [
        {"text": text, "source": "g2", "author": f"bg-{i}", "created_at": at.isoformat()}
        for i, text in enumerate(_background(60))
        for at in [T0 + timedelta(minutes=40 * i)]
    ]
    start = T0 + timedelta(minutes=40 * 60 + 120)
    outage = BURSTS["bursts"][0]
    assert outage["name"] == "outage"
    burst = [
        {
            "text": text,
            "source": outage["sources"][i % len(outage["sources"])],
            "author": f"customer-{i}",
            "account_id": f"acct-{i % 5}",
            "created_at": (start + timedelta(minutes=2 * i)).isoformat(),
        }
        for i, text in enumerate(outage["texts"][:burst_size])
    ]
    stored = _store(api, background + burst)
    return stored, [item["id"] for item in stored[len(background) :]]


def _decide(api: Any, stored: list[dict[str, Any]]) -> list[Decision]:
    """Feed the stored items to the real detector (warm-up off: the test's history is short)."""
    encoder = default_static_encoder()
    vectors = encoder.encode([item["text"] for item in stored]).astype(np.float32)
    config = replace(burst_config(api.runtime.policy), warmup=timedelta(0))
    detector = BurstDetector(config, dim=vectors.shape[1])
    decisions: list[Decision] = []
    for item, vector in zip(stored, vectors, strict=True):
        at = datetime.fromisoformat(item["created_at"])
        decisions += detector.observe(
            Observation(
                str(item["id"]),
                at,
                None,
                vector,
                item["author"],
                item["source"],
                item["category"] or "review",
            )
        )
    return decisions


def _apply(api: Any, decisions: list[Decision], now: datetime | None = None) -> list[int]:
    with transaction(api.runtime.factory) as session:
        ids = {d.item_id for d in decisions if isinstance(d, Link)} | {
            i for d in decisions if isinstance(d, Open) for i in d.item_ids
        }
        rows = session.scalars(select(Item).where(Item.id.in_([int(i) for i in ids]))).all()
        return apply_decisions(
            session,
            policy=api.runtime.policy,
            decisions=decisions,
            items={str(row.id): row for row in rows},
            now=now or utcnow(),
            notifier=api.runtime.notifier,
        )


def _outbox(api: Any, kind: str) -> list[WebhookOutbox]:
    with transaction(api.runtime.factory) as session:
        return list(session.scalars(select(WebhookOutbox).where(WebhookOutbox.kind == kind)))


def test_burst_config_reads_the_policy_and_keeps_library_defaults() -> None:
    from service.routing.policy import load_policy

    policy = load_policy()
    config = burst_config(policy)
    assert config.window == timedelta(hours=1)
    assert config.campaign_categories == frozenset({"misinformation", "competitor_claim"})
    assert config.link_threshold == BurstConfig().link_threshold  # not in the policy
    data = json.loads(policy.model_dump_json())
    data["incidents"]["detector"] = {"min_count": 9, "idle_close_hours": 2}
    custom = burst_config(parse_policy(data))
    assert (custom.min_count, custom.idle_close) == (9, timedelta(hours=2))
    assert custom.window == BurstConfig().window


def test_the_policy_refuses_bad_incident_settings() -> None:
    from service.routing.policy import PolicyError, load_policy

    data = json.loads(load_policy().model_dump_json())
    data["incidents"]["template"] = "Down since {start}"
    with pytest.raises(PolicyError, match="unknown placeholders"):
        parse_policy(data)
    data = json.loads(load_policy().model_dump_json())
    data["incidents"]["detector"]["alpha"] = 2
    with pytest.raises(PolicyError, match=r"incidents\.detector\.alpha"):
        parse_policy(data)


def test_a_real_burst_opens_one_incident_links_its_items_and_notifies_once(
    make_api: Any,
) -> None:
    api = make_api(webhook_url=NOWHERE, webhook_max_attempts=1)
    stored, outage_ids = _stream(api)
    before = {item["id"]: item["version"] for item in stored}
    decisions = _decide(api, stored)
    opens = [d for d in decisions if isinstance(d, Open)]
    assert len(opens) == 1, decisions
    changed = _apply(api, decisions)
    assert len(changed) == 1

    listed = api.get("/v1/incidents?status=open").json()
    assert listed["total"] == 1
    incident = listed["items"][0]
    assert incident["kind"] == "burst" and incident["status"] == "open"
    assert incident["detector_open"] is True
    linked = set(incident["item_ids"])
    assert linked <= set(outage_ids)  # no background item
    assert len(linked) >= 0.9 * len(outage_ids) - 4  # opened within its first items
    assert incident["evidence"]["count"] == opens[0].evidence.count
    assert incident["evidence"]["p_value"] < 1e-4
    assert set(incident["evidence"]["sources"]) <= {"twitter", "support_email", "g2", "forum"}
    # The items' clock: first outage report, and the report that made the burst.
    by_id = {item["id"]: item for item in stored}
    first = min(datetime.fromisoformat(by_id[i]["created_at"]) for i in linked)
    assert datetime.fromisoformat(incident["first_item_at"]) == first
    last = datetime.fromisoformat(by_id[int(opens[0].item_ids[-1])]["created_at"])
    assert datetime.fromisoformat(incident["opened_at"]) == last
    assert datetime.fromisoformat(incident["due_at"]) == last + timedelta(hours=4)
    assert incident["title"].startswith(by_id[int(opens[0].item_ids[0])]["text"][:40])
    assert "We are aware of an issue" in incident["status_text"]

    # One webhook for the incident, however many items; none per item.
    (opened,) = _outbox(api, "incident_opened")
    assert opened.incident_id == incident["id"] and opened.item_id is None
    assert opened.payload["incident"]["item_ids"] == incident["item_ids"]
    assert _outbox(api, "incident_updated") == []

    # Every linked item: incident_id in its answer, a model event, its version unchanged.
    for item_id in linked:
        item = api.get(f"/v1/items/{item_id}").json()
        assert item["incident_id"] == incident["id"]
        assert item["version"] == before[item_id]
        (event,) = [e for e in item["events"] if e["kind"] == "incident_linked"]
        assert event["actor_type"] == "model" and event["data"]["incident_id"] == incident["id"]
    detail = api.get(f"/v1/incidents/{incident['id']}").json()
    kinds = [e["kind"] for e in detail["events"]]
    assert kinds[0] == "opened" and kinds.count("item_linked") == len(linked)


def test_links_close_and_reclassify_on_an_open_incident(make_api: Any) -> None:
    api = make_api(webhook_url=NOWHERE, webhook_max_attempts=1)
    stored = _store(
        api,
        [
            {
                "text": f"They are shutting down next quarter, everyone is leaving ({i}).",
                "author": f"user-{i}",
                "source": "twitter",
                "created_at": (T0 + timedelta(minutes=i)).isoformat(),
            }
            for i in range(8)
        ],
    )
    ids = [str(item["id"]) for item in stored]
    evidence = Evidence(6, 0.1, 1e-9, ("user-0", "user-1"), ("twitter",))
    opened = Open("k-1", "burst", None, tuple(ids[:5]), "5 near-duplicate items", evidence)
    assert _apply(api, [opened]) != []
    (incident_id,) = _apply(
        api,
        [
            Link("k-1", ids[5], "near_duplicate"),
            Link("k-1", ids[6], "near_duplicate"),
            Link("k-1", ids[5], "near_duplicate"),  # twice: linked once
            Reclassify(
                "k-1", "campaign", "6 authors", tuple(f"user-{i}" for i in range(7)), ("twitter",)
            ),
            Link("k-404", ids[7], "theme"),  # an unknown incident: skipped
        ],
    )
    incident = api.get(f"/v1/incidents/{incident_id}").json()
    assert incident["kind"] == "campaign" and incident["owner"] == "marketing"
    assert len(incident["evidence"]["authors"]) == 7
    assert sorted(incident["item_ids"]) == sorted(int(i) for i in ids[:7])
    # One update for the round: two links and the new kind.
    (update,) = _outbox(api, "incident_updated")
    assert update.payload["event"]["linked_item_ids"] == [int(ids[5]), int(ids[6])]
    assert update.payload["event"]["reclassified"]["to_kind"] == "campaign"

    version = incident["version"]
    assert _apply(api, [Close("k-1", "idle")]) == [incident_id]
    after = api.get(f"/v1/incidents/{incident_id}").json()
    assert after["detector_open"] is False and after["status"] == "open"
    assert after["version"] == version  # bookkeeping: a human's next change is not stale
    assert after["events"][-1]["kind"] == "detector_closed"
    assert _apply(api, [Close("k-1", "idle")]) == []  # closed already: nothing to record
    with transaction(api.runtime.factory) as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == 1
        assert (
            session.scalar(
                select(func.count()).select_from(Event).where(Event.kind == "incident_linked")
            )
            == 7
        )
        assert session.scalar(select(func.count()).select_from(IncidentEvent)) == 10


def test_the_same_open_applied_twice_opens_one_incident(make_api: Any) -> None:
    """A worker that retries a round after a crash hands the same decisions again."""
    api = make_api()
    stored = _store(api, [{"text": f"Export fails with error 500 again ({i})"} for i in range(3)])
    ids = tuple(str(item["id"]) for item in stored)
    opened = Open("k-9", "burst", None, ids, "burst", Evidence(3, 0.1, 1e-6, (), ()))
    first = _apply(api, [opened])
    assert _apply(api, [opened]) == []  # every item linked already
    assert api.get("/v1/incidents").json()["total"] == 1
    assert api.get(f"/v1/incidents/{first[0]}").json()["item_ids"] == [int(i) for i in ids]
