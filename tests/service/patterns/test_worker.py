"""The pattern worker (service/patterns/): new items get their theme off the request path and
go through the burst detector; a burst of near-identical reports opens one incident, its items
link to it, its owner is notified once. Real encoders, real database, both backends."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from model.embeddings import default_encoder
from service.db import transaction
from service.patterns.flows import analyse, analyse_all
from service.patterns.worker import DETECTOR_STATE
from service.tables import (
    Event,
    Incident,
    Item,
    ItemVector,
    PatternState,
    Theme,
    WebhookOutbox,
)
from service.themes import pack_centroid
from tests.service.themes.conftest import feedback

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[3]
BURSTS = json.loads((PROJECT / "tests/fixtures/replay_bursts.json").read_text(encoding="utf-8"))
T0 = datetime(2026, 10, 5, 9, tzinfo=UTC)

LOGIN = [
    "I cannot log in, the password reset email never arrives.",
    "Login fails every time, and the reset link does not come.",
    "Password reset is broken, I am locked out of my account.",
]
INVOICE = [
    "The invoice PDF is missing our VAT number again.",
    "Our invoices do not show the VAT ID, finance cannot book them.",
    "Please add our VAT number to the invoice PDF.",
]


def real_texts(count: int) -> list[str]:
    """Real customer feedback (data/real/train, read in place), the background of a stream."""
    texts: list[str] = []
    for path in sorted((PROJECT / "data/real/train").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            texts.extend(row["text"] for row in csv.DictReader(handle))
    picked = np.random.default_rng(18).choice(len(texts), size=count, replace=False)
    return [texts[i] for i in sorted(picked.tolist())]


def seed_themes(api: Any) -> dict[str, int]:
    """Two themes whose centroids are the mean of three paraphrases each."""
    encoder = default_encoder()
    now = datetime.now(UTC)
    ids = {"login": 1, "invoice": 2}
    with transaction(api.runtime.factory) as session:
        for name, texts in (("login", LOGIN), ("invoice", INVOICE)):
            centroid = encoder.encode(texts).mean(axis=0)
            session.add(
                Theme(
                    id=ids[name],
                    label=f"{name} problems",
                    label_source="keywords",
                    keywords=[name],
                    status="active",
                    centroid=pack_centroid(centroid / np.linalg.norm(centroid)),
                    size=3,
                    representative_item_ids=[],
                    created_at=now,
                    updated_at=now,
                )
            )
    return ids


def classify(api: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    stored: list[dict[str, Any]] = []
    for start in range(0, len(items), 500):
        answer = api.post("/v1/classify/batch", json={"items": items[start : start + 500]})
        assert answer.status_code == 200, answer.text
        stored.extend(answer.json()["items"])
    return stored


def test_new_items_join_their_theme_off_the_request_path(api: Any) -> None:
    ids = seed_themes(api)
    answer = api.post(
        "/v1/classify", json={"text": "Password reset mail never shows up, cannot log in."}
    )
    assert answer.status_code == 200
    first = answer.json()
    # The classify answer comes before the worker: no theme yet, and the field is there.
    assert first["theme"] is None and first["incident_id"] is None
    other = api.post("/v1/classify", json={"text": "The VAT number is missing on the invoice."})
    unrelated = api.post("/v1/classify", json={"text": "Lovely cereal, my kids eat it daily."})

    done = analyse(api.runtime)
    assert done.items == 3 and done.themed == 2

    item = api.get(f"/v1/items/{first['id']}").json()
    assert item["theme"] == {"id": ids["login"], "label": "login problems"}
    assert item["version"] == first["version"]  # a reviewer's version is still good
    assigned = [e for e in item["events"] if e["kind"] == "theme_assigned"]
    assert len(assigned) == 1 and assigned[0]["actor_type"] == "model"
    assert assigned[0]["data"]["theme_id"] == ids["login"]
    assert api.get(f"/v1/items/{other.json()['id']}").json()["theme"]["id"] == ids["invoice"]
    assert api.get(f"/v1/items/{unrelated.json()['id']}").json()["theme"] is None

    # Each item is analysed once: the next round finds nothing and writes nothing.
    assert analyse(api.runtime).items == 0
    with transaction(api.runtime.factory) as session:
        pending = session.scalar(select(func.count()).where(Item.analysed_at.is_(None)))
        events = session.scalar(
            select(func.count()).where(Event.kind == "theme_assigned").select_from(Event)
        )
    assert pending == 0 and events == 2


def test_an_idle_round_writes_nothing(api: Any) -> None:
    assert analyse(api.runtime).items == 0
    with transaction(api.runtime.factory) as session:
        assert session.get(PatternState, DETECTOR_STATE) is None


def burst_stream(background: int) -> list[dict[str, Any]]:
    """`background` real items over four days, then the outage burst (32 paraphrases from as
    many authors) within 40 minutes."""
    items = [
        {
            "text": text,
            "source": "trustpilot",
            "author": f"customer-{i}",
            "account_id": f"acct-{i % 40}",
            "created_at": (T0 + timedelta(minutes=int(i * 4 * 24 * 60 / background))).isoformat(),
        }
        for i, text in enumerate(real_texts(background))
    ]
    outage = next(b for b in BURSTS["bursts"] if b["name"] == "outage")
    burst_start = T0 + timedelta(days=4, hours=1)
    items += [
        {
            "text": text,
            "source": outage["sources"][i % len(outage["sources"])],
            "author": f"outage-author-{i}",
            "account_id": f"outage-acct-{i}",
            "created_at": (burst_start + timedelta(seconds=75 * i)).isoformat(),
        }
        for i, text in enumerate(outage["texts"])
    ]
    return items


def test_a_burst_opens_one_incident_its_items_link_and_its_owner_is_told_once(
    make_api: Any,
) -> None:
    # Webhooks are stored in the outbox only when a receiver is configured; nothing listens on
    # port 9, so what the outbox holds is what was announced.
    api = make_api(webhook_url="http://127.0.0.1:9/hook", webhook_max_attempts=1)
    stream = burst_stream(240)
    stored = classify(api, stream)
    burst_ids = [s["id"] for s in stored[240:]]
    versions = {s["id"]: s["version"] for s in stored}

    rounds = analyse_all(api.runtime)
    assert sum(r.items for r in rounds) == len(stream)

    with transaction(api.runtime.factory) as session:
        incidents = list(session.scalars(select(Incident)))
        linked = {
            item_id: incident_id
            for item_id, incident_id in session.execute(
                select(Item.id, Item.incident_id).where(Item.incident_id.is_not(None))
            )
        }
        opened = session.scalars(
            select(WebhookOutbox).where(WebhookOutbox.kind == "incident_opened")
        ).all()
        item_versions = {i: v for i, v in session.execute(select(Item.id, Item.version))}
    burst_incidents = {linked[i] for i in burst_ids if i in linked}
    assert len(burst_incidents) == 1, incidents
    (incident_id,) = burst_incidents
    share = sum(linked.get(i) == incident_id for i in burst_ids) / len(burst_ids)
    assert share >= 0.9
    # It opened early: within the burst's first 10 items (the first linked item's position).
    incident = next(i for i in incidents if i.id == incident_id)
    assert incident.first_item_at <= datetime.fromisoformat(stream[240 + 9]["created_at"])
    assert incident.status == "open" and incident.kind in ("burst", "campaign")
    # Background opened at most one incident of its own.
    assert len(incidents) - 1 <= 1
    assert [n.incident_id for n in opened].count(incident_id) == 1
    # Linking is not a change of the item's review state.
    assert all(item_versions[i] == versions[i] for i in burst_ids)
    detail = api.get(f"/v1/items/{burst_ids[-1]}").json()
    assert detail["incident_id"] == incident_id
    assert any(e["kind"] == "incident_linked" for e in detail["events"])


def test_an_unreadable_detector_state_starts_afresh_and_loses_no_item(api: Any) -> None:
    classify(api, [{"text": "Where do I change the billing address?"}])
    analyse(api.runtime)
    with transaction(api.runtime.factory) as session:
        row = session.get(PatternState, DETECTOR_STATE)
        assert row is not None and json.loads(row.state)["seen"] == 1
        row.state = "{not json"
    classify(api, [{"text": "Our export to CSV times out."}])
    assert analyse(api.runtime).items == 1
    with transaction(api.runtime.factory) as session:
        row = session.get(PatternState, DETECTOR_STATE)
        assert row is not None and json.loads(row.state)["seen"] == 1
        assert session.scalar(select(func.count()).where(Item.analysed_at.is_(None))) == 0


def test_a_refit_clusters_the_vectors_the_worker_stored_and_encodes_nothing(api: Any) -> None:
    """Each item is encoded once: by the worker, which stores its vector; the re-fit (here the
    API's, as an admin would run it) finds the bursts' themes from those vectors alone, and the
    worker's next items join them."""
    stored = classify(api, feedback())
    assert analyse(api.runtime).items == len(stored)
    with transaction(api.runtime.factory) as session:
        vectors = session.scalar(select(func.count()).select_from(ItemVector))
    assert vectors == len(stored)

    answer = api.post("/v1/themes/refit")
    assert answer.status_code == 200, answer.text
    summary = answer.json()
    assert summary["encoded"] == 0 and summary["items"] == len(stored)
    assert summary["themes"] >= 3

    outage = next(b for b in BURSTS["bursts"] if b["name"] == "outage")
    theme_of_outage = api.get(f"/v1/items/{stored[0]['id']}").json()["theme"]
    assert theme_of_outage is not None
    later = classify(api, [{"text": outage["texts"][0] + " Still down for us."}])
    analyse(api.runtime)
    joined = api.get(f"/v1/items/{later[0]['id']}").json()["theme"]
    assert joined is not None and joined["id"] == theme_of_outage["id"]
