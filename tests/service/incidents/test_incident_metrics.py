"""The `incidents` section of GET /v1/metrics: opened in range and by kind, open now, median
time to detect (on the items' clock) and to resolve. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from model.incidents import Evidence, Open
from service.clock import utcnow
from service.db import transaction
from service.incidents import apply_decisions
from service.tables import Item

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _detected(api: Any, key: str, start: datetime, minutes: list[int]) -> int:
    """Items posted at start + minutes, stored through the API; the detector opens an
    incident of them at the last one."""
    ids = []
    for i, m in enumerate(minutes):
        answer = api.post(
            "/v1/classify",
            json={
                "text": f"Login loop after the update, cannot get in ({key} {i})",
                "created_at": (start + timedelta(minutes=m)).isoformat(),
            },
        )
        ids.append(str(answer.json()["id"]))
    decision = Open(key, "burst", None, tuple(ids), "burst", Evidence(len(ids), 0.1, 1e-7, (), ()))
    with transaction(api.runtime.factory) as session:
        rows = session.scalars(select(Item).where(Item.id.in_([int(i) for i in ids]))).all()
        (incident_id,) = apply_decisions(
            session,
            policy=api.runtime.policy,
            decisions=[decision],
            items={str(r.id): r for r in rows},
            now=utcnow(),
        )
    return incident_id


def test_incident_figures(make_api: Any) -> None:
    api = make_api()
    empty = api.get("/v1/metrics").json()["incidents"]
    assert empty["opened"] == 0 and empty["time_to_detect"] == {"count": 0, "p50_seconds": None}

    first = _detected(api, "a", T0, [0, 3, 10])  # detected 10 minutes after the first item
    _detected(api, "b", T0 + timedelta(days=1), [0, 20, 30])  # 30 minutes
    manual = api.post("/v1/incidents", json={"title": "Status page down"}).json()
    version = api.get(f"/v1/incidents/{first}").json()["version"]
    resolved = api.post(
        f"/v1/incidents/{first}/status", json={"version": version, "status": "resolved"}
    )
    assert resolved.status_code == 200
    api.post(
        f"/v1/incidents/{manual['id']}/status",
        json={"version": manual["version"], "status": "monitoring"},
    )

    figures = api.get("/v1/metrics", role="helpdesk").json()["incidents"]
    assert figures["opened"] == 3
    assert figures["by_kind"] == {"burst": 2, "campaign": 0, "manual": 1}
    assert (figures["open_now"], figures["monitoring_now"]) == (1, 1)
    # Medians of 10 min, 30 min and the manual one's 0 (it names no item).
    assert figures["time_to_detect"] == {"count": 3, "p50_seconds": 600.0}
    assert figures["time_to_resolve"]["count"] == 1
    assert 0 <= figures["time_to_resolve"]["p50_seconds"] < 600
    assert "opened_at - first_item_at" in figures["definition"]

    # The range selects by opened_at (the items' clock): only the first day's burst.
    day = api.get(
        "/v1/metrics",
        params={
            "received_from": T0.isoformat(),
            "received_to": (T0 + timedelta(days=1)).isoformat(),
        },
    ).json()["incidents"]
    assert (day["opened"], day["time_to_detect"]["p50_seconds"]) == (1, 600.0)
    assert day["open_now"] == 1  # whenever opened
