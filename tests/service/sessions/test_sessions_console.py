"""The console's calibration pages over HTTP (no browser): an admin opens a session by form
(a refused form keeps what was typed), a reviewer labels blind, the report and adjudication."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.console.test_ui import _token
from tests.service.sessions.test_sessions_api import TEXTS, Session


@pytest.fixture
def console(make_api: Any) -> Any:
    return make_api(ui_cookie_secure=False)  # TestClient speaks plain http to "testserver"


def _signed_in(api: Any, key: str) -> TestClient:
    client = TestClient(api.client.app)
    form = client.get("/ui/login")
    answer = client.post(
        "/ui/login",
        data={"api_key": key, "csrf_token": _token(form.text), "next": "/ui/sessions"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


def test_open_label_blind_report_and_adjudicate_in_the_console(console: Any) -> None:
    s = Session(console)
    admin = _signed_in(console, console.keys["admin"])
    page = admin.get("/ui/sessions")
    assert page.status_code == 200 and "Open a session" in page.text
    token = _token(page.text)
    refused = admin.post(
        "/ui/sessions",
        data={
            "csrf_token": token,
            "name": "Kept name",
            "size": "99",
            "sampling": "stratified",
            "reviewer_key_ids": [str(s.keys["rater-0"][0]), str(s.keys["rater-1"][0])],
        },
    )
    assert refused.status_code == 422 and "more than the 10 stored items" in refused.text
    assert 'value="Kept name"' in refused.text and "stratified" in refused.text
    forged = admin.post("/ui/sessions", data={"csrf_token": "x", "name": "n", "size": "2"})
    assert forged.status_code == 403
    opened = admin.post(
        "/ui/sessions",
        data={
            "csrf_token": token,
            "name": "Console run",
            "size": "2",
            "sampling": "random",
            "reviewer_key_ids": [str(s.keys["rater-0"][0]), str(s.keys["rater-1"][0])],
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303, opened.text
    sid = int(re.search(r"/ui/sessions/(\d+)", opened.headers["location"]).group(1))  # type: ignore[union-attr]

    rater = _signed_in(console, s.keys["rater-0"][1])
    assert "Open a session" not in rater.get("/ui/sessions").text  # admins only
    blind = rater.get(f"/ui/sessions/{sid}")
    assert blind.status_code == 200 and blind.text.count("Save label") == 2
    assert "confidence" not in blind.text and "model:" not in blind.text
    item_ids = [int(i) for i in re.findall(r'name="item_id" value="(\d+)"', blind.text)]
    assert any(t in blind.text for t in (t.replace("'", "&#39;") for t in TEXTS))
    token = _token(blind.text)
    bad = rater.post(
        f"/ui/sessions/{sid}/labels",
        data={
            "csrf_token": token,
            "item_id": item_ids[0],
            "category": "review",
            "severity": "green",
            "flags": "legal",
        },
    )
    assert "Not saved" in bad.text and "must be red" in bad.text
    assert rater.get(f"/ui/sessions/{sid}/report").status_code == 403  # not finished
    for item_id in item_ids:
        saved = rater.post(
            f"/ui/sessions/{sid}/labels",
            data={
                "csrf_token": token,
                "item_id": item_id,
                "category": "review",
                "severity": "green",
            },
        )
        assert f"Label of item {item_id} saved." in saved.text
    assert 'id="all-labelled"' in rater.get(f"/ui/sessions/{sid}").text
    for item_id, category in zip(item_ids, ("complaint", "review"), strict=True):
        assert s.label("rater-1", sid, item_id, category, "green").status_code == 201

    report = admin.get(f"/ui/sessions/{sid}/report")
    assert report.status_code == 200 and "Cohen&#39;s kappa" in report.text
    assert f"Item {item_ids[0]} · differ on category" in report.text
    assert "Adjudicate" in report.text
    settled = admin.post(
        f"/ui/sessions/{sid}/adjudications",
        data={
            "csrf_token": _token(report.text),
            "item_id": item_ids[0],
            "category": "complaint",
            "severity": "green",
            "note": "a complaint",
        },
    )
    assert f"Item {item_ids[0]} adjudicated." in settled.text
    assert "Settled by admin-test: complaint, green · a complaint" in settled.text
    reader = rater.get(f"/ui/sessions/{sid}/report")
    assert reader.status_code == 200 and "Adjudicate" not in reader.text
