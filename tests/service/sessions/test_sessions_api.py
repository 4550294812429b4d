"""Calibration sessions through the API on SQLite and PostgreSQL: open (and every refusal),
blind items, labels (final: a second is 409), the report's kappas checked against sklearn on
the same labels, adjudication, auto-settled agreement, the CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import pytest
from sklearn.metrics import cohen_kappa_score
from sqlalchemy import func, select

from service.access.keys import create_key, revoke_key
from service.db import transaction
from service.enums import Role
from service.tables import CalibrationLabel, Event
from training.datasets import LABELLED_COLUMNS, load_labelled

TEXTS = [
    "Love the new dashboard, reporting is finally fast.",
    "We will sue you over the lost pallet of goods.",
    "How do I add a second admin to our workspace?",
    "The export has been failing since Monday's update.",
    "Your account manager ignored us for three weeks.",
    "Acme does all this for half the price.",
    "They're shutting down next quarter, everyone is leaving.",
    "Someone hacked our admin account and changed payout details.",
    "Great support team, quick answers every time.",
    "Invoice shows the wrong VAT number again.",
]
PROPOSAL_FIELDS = {"category", "severity", "confidence", "flags", "probabilities", "decision"}


class Session:
    """An API with stored items and extra reviewer keys (name -> (id, key))."""

    def __init__(self, api: Any, reviewers: int = 2) -> None:
        self.api = api
        answer = api.post(
            "/v1/classify/batch",
            role="helpdesk",
            json={"items": [{"text": t, "source": "g2", "rating": 3} for t in TEXTS]},
        )
        assert answer.status_code == 200 and answer.json()["rejected"] == 0, answer.text
        self.item_ids = [r["id"] for r in answer.json()["items"]]
        self.keys: dict[str, tuple[int, str]] = {}
        with transaction(api.runtime.factory) as db:
            for n in range(reviewers):
                made = create_key(session=db, role=Role.REVIEWER, name=f"rater-{n}")
                self.keys[made.name] = (made.id, made.key)
            outsider = create_key(session=db, role=Role.REVIEWER, name="outsider")
            self.keys["outsider"] = (outsider.id, outsider.key)
            helpdesk = create_key(session=db, role=Role.HELPDESK, name="desk")
            self.keys["desk"] = (helpdesk.id, helpdesk.key)

    def ids(self, *names: str) -> list[int]:
        return [self.keys[n][0] for n in names]

    def as_(self, name: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.keys[name][1]}"}
        return self.api.client.request(method, path, headers=headers, **kwargs)

    def open(self, size: int, raters: Sequence[str], **extra: Any) -> dict[str, Any]:
        answer = self.api.post(
            "/v1/sessions",
            json={"name": "Q4 calibration", "size": size, "reviewer_key_ids": self.ids(*raters)}
            | extra,
        )
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def label(
        self,
        name: str,
        session_id: int,
        item_id: int,
        category: str,
        severity: str,
        flags: list[str] | None = None,
    ) -> Any:
        return self.as_(
            name,
            "POST",
            f"/v1/sessions/{session_id}/labels",
            json={
                "item_id": item_id,
                "category": category,
                "severity": severity,
                "flags": flags or [],
            },
        )

    def items(self, name: str, session_id: int) -> list[dict[str, Any]]:
        answer = self.as_(name, "GET", f"/v1/sessions/{session_id}/items")
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items


def _error(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert set(body) >= {"error", "detail"}
    return body


def _count(api: Any, table: Any) -> int:
    with transaction(api.runtime.factory) as db:
        return db.scalar(select(func.count()).select_from(table)) or 0


def test_an_admin_opens_a_session_on_a_seeded_sample(api: Any) -> None:
    s = Session(api)
    first = s.open(6, ["rater-0", "rater-1"], seed=42)
    assert first["size"] == 6 and first["sampling"] == "random" and first["seed"] == 42
    assert first["complete"] is False and first["adjudicated"] == 0
    assert [r["name"] for r in first["reviewers"]] == ["rater-0", "rater-1"]
    assert all(r["labelled"] == 0 and not r["finished"] for r in first["reviewers"])
    again = s.open(6, ["rater-0", "rater-1"], seed=42)
    drawn = [i["item_id"] for i in s.items("rater-0", first["id"])]
    assert len(drawn) == 6 and set(drawn) <= set(s.item_ids)
    assert [i["item_id"] for i in s.items("rater-0", again["id"])] == drawn  # same seed
    stratified = s.open(10, ["rater-0", "rater-1"], sampling="stratified")
    assert sorted(i["item_id"] for i in s.items("rater-1", stratified["id"])) == s.item_ids
    listed = api.get("/v1/sessions", role="reviewer").json()["sessions"]
    assert [x["id"] for x in listed] == [stratified["id"], again["id"], first["id"]]
    assert api.get(f"/v1/sessions/{first['id']}", role="reviewer").json() == first


def test_bad_sessions_are_refused_and_store_nothing(api: Any) -> None:
    s = Session(api)
    with transaction(api.runtime.factory) as db:
        revoked = create_key(session=db, role=Role.REVIEWER, name="gone")
        revoke_key(session=db, key_id=revoked.id)
    good = {"name": "x", "size": 2, "reviewer_key_ids": s.ids("rater-0", "rater-1")}
    cases = [
        ({**good, "size": 11}, "more than the 10 stored items"),
        ({**good, "size": 0}, "size"),
        ({**good, "reviewer_key_ids": s.ids("rater-0")}, "reviewer_key_ids"),
        ({**good, "reviewer_key_ids": s.ids("rater-0", "rater-0")}, "each key once"),
        ({**good, "reviewer_key_ids": [*s.ids("rater-0"), 999999]}, "no API key with id 999999"),
        ({**good, "reviewer_key_ids": [*s.ids("rater-0"), revoked.id]}, "is revoked"),
        ({**good, "reviewer_key_ids": s.ids("rater-0", "desk")}, "not reviewer or admin"),
        ({**good, "sampling": "systematic"}, "sampling"),
        ({**good, "name": "  "}, "name"),
    ]
    for body, message in cases:
        assert message in _error(api.post("/v1/sessions", json=body), 422)["detail"]
    _error(api.post("/v1/sessions", role="reviewer", json=good), 403)
    assert api.get("/v1/sessions").json()["sessions"] == []
    _error(api.get("/v1/sessions/12345"), 404)


def test_reviewers_see_their_remaining_items_blind(api: Any) -> None:
    s = Session(api)
    opened = s.open(4, ["rater-0", "rater-1"])
    items = s.items("rater-0", opened["id"])
    for item in items:
        assert not PROPOSAL_FIELDS & set(item), item
        assert item["text"] in TEXTS and item["source"] == "g2" and item["rating"] == 3
    assert [i["position"] for i in items] == [0, 1, 2, 3]
    first = items[0]["item_id"]
    assert s.label("rater-0", opened["id"], first, "review", "green").status_code == 201
    assert [i["item_id"] for i in s.items("rater-0", opened["id"])] == [
        i["item_id"] for i in items[1:]
    ]
    assert len(s.items("rater-1", opened["id"])) == 4  # another's label changes nothing here
    _error(s.as_("outsider", "GET", f"/v1/sessions/{opened['id']}/items"), 403)
    _error(api.get(f"/v1/sessions/{opened['id']}/items"), 403)  # an admin not named
    # Before finishing, a reviewer cannot read the report (it holds the others' labels).
    _error(s.as_("rater-0", "GET", f"/v1/sessions/{opened['id']}/report"), 403)
    _error(s.as_("outsider", "GET", f"/v1/sessions/{opened['id']}/report"), 403)


def test_labels_are_validated_final_and_lose_nothing(api: Any) -> None:
    s = Session(api)
    opened = s.open(3, ["rater-0", "rater-1"], seed=3)
    sid = opened["id"]
    item = s.items("rater-0", sid)[0]["item_id"]
    outside = next(
        i for i in s.item_ids if i not in {x["item_id"] for x in s.items("rater-0", sid)}
    )
    assert s.label("rater-0", sid, item, "complaint", "red", ["legal"]).status_code == 201
    conflict = _error(s.label("rater-0", sid, item, "review", "green"), 409)
    assert "already labelled" in conflict["detail"]
    _error(s.label("rater-0", sid, outside, "review", "green"), 404)
    _error(s.label("outsider", sid, item, "review", "green"), 403)
    for category, severity, flags in [
        ("praise", "green", []),
        ("review", "purple", []),
        ("review", "green", ["legal"]),  # flags only on red
        ("complaint", "red", ["gossip"]),
        ("complaint", "red", ["legal", "legal"]),
    ]:
        _error(s.label("rater-1", sid, item, category, severity, flags), 422)
    _error(s.as_("rater-0", "POST", f"/v1/sessions/{sid}/labels", json={"item_id": item}), 422)
    _error(s.label("rater-0", 9999, item, "review", "green"), 404)
    assert _count(api, CalibrationLabel) == 1
    with transaction(api.runtime.factory) as db:
        (kept,) = db.scalars(select(CalibrationLabel)).all()
        assert (kept.category, kept.severity, kept.flags) == ("complaint", "red", ["legal"])


CATS_A = [
    "review",
    "complaint",
    "service_issue",
    "support_request",
    "review",
    "complaint",
    "service_issue",
    "review",
    "support_request",
    "complaint",
]
CATS_B = [
    "review",
    "complaint",
    "complaint",
    "support_request",
    "review",
    "service_issue",
    "service_issue",
    "review",
    "review",
    "complaint",
]
SEVS_A = ["green", "yellow", "yellow", "green", "green", "yellow", "red", "green", "green", "red"]
SEVS_B = ["green", "yellow", "red", "green", "green", "yellow", "red", "green", "yellow", "red"]


def _label_all(s: Session, sid: int, name: str, cats: list[str], sevs: list[str]) -> list[int]:
    order = [i["item_id"] for i in s.items(name, sid)]
    for item_id, category, severity in zip(order, cats, sevs, strict=True):
        flags = ["legal"] if severity == "red" and category == "complaint" else []
        answer = s.label(name, sid, item_id, category, severity, flags)
        assert answer.status_code == 201, answer.text
    return order


def test_report_matches_sklearn_and_settles_agreed_items(api: Any) -> None:
    s = Session(api)
    sid = s.open(10, ["rater-0", "rater-1"], seed=9)["id"]
    order = _label_all(s, sid, "rater-0", CATS_A, SEVS_A)
    # Partial: rater-0 finished and may read it; nothing is compared yet, no proposal shown.
    partial = s.as_("rater-0", "GET", f"/v1/sessions/{sid}/report").json()
    assert partial["complete"] is False and partial["compared"] == 0
    assert partial["agreement"]["category"]["kappa"] is None
    # rater-1 labels half: the report covers the items labelled by both.
    for item_id, category, severity in list(zip(order, CATS_B, SEVS_B, strict=True))[:5]:
        flags = ["legal"] if severity == "red" and category == "complaint" else []
        assert s.label("rater-1", sid, item_id, category, severity, flags).status_code == 201
    half = api.get(f"/v1/sessions/{sid}/report").json()
    assert half["complete"] is False and half["compared"] == 5
    assert half["agreement"]["category"]["kappa"] == pytest.approx(
        cohen_kappa_score(CATS_A[:5], CATS_B[:5])
    )
    assert half["adjudicated"] == 0  # agreed items are settled once the session is complete
    assert all(d["proposal"] is not None for d in half["disagreements"])  # admin sees it
    for item_id, category, severity in list(zip(order, CATS_B, SEVS_B, strict=True))[5:]:
        flags = ["legal"] if severity == "red" and category == "complaint" else []
        assert s.label("rater-1", sid, item_id, category, severity, flags).status_code == 201

    report = s.as_("outsider", "GET", f"/v1/sessions/{sid}/report").json()
    assert report["complete"] is True and report["items"] == report["compared"] == 10
    category, severity = report["agreement"]["category"], report["agreement"]["severity"]
    assert category["method"] == "cohen"
    assert category["kappa"] == pytest.approx(cohen_kappa_score(CATS_A, CATS_B))
    assert severity["kappa"] == pytest.approx(cohen_kappa_score(SEVS_A, SEVS_B))
    low, high = category["ci"]
    assert low <= category["kappa"] <= high
    review = category["per_class"]["review"]
    assert review["kappa"] == pytest.approx(
        cohen_kappa_score([c == "review" for c in CATS_A], [c == "review" for c in CATS_B])
    )
    assert review["support"] == CATS_A.count("review") + CATS_B.count("review")
    assert category["per_class"]["misinformation"]["kappa"] is None
    assert set(report["agreement"]["flags"]) == {"legal", "security", "fraud", "safety"}
    differing = [order[i] for i in range(10) if (CATS_A[i], SEVS_A[i]) != (CATS_B[i], SEVS_B[i])]
    assert [d["item_id"] for d in report["disagreements"]] == differing
    first = report["disagreements"][0]
    assert {x["reviewer"] for x in first["labels"]} == {"rater-0", "rater-1"}
    assert first["proposal"] is not None  # revealed once complete
    # Agreed items are settled by agreement, with an event on the item.
    assert report["adjudicated"] == 10 - len(differing)
    with transaction(api.runtime.factory) as db:
        events = db.scalars(select(Event).where(Event.kind == "calibration_adjudicated")).all()
        assert {e.item_id for e in events} == set(order) - set(differing)
        assert {e.actor for e in events} == {"agreement"}


def test_adjudication_and_export(api: Any, tmp_path: Any) -> None:
    s = Session(api)
    sid = s.open(10, ["rater-0", "rater-1"], seed=9)["id"]
    order = _label_all(s, sid, "rater-0", CATS_A, SEVS_A)
    _error(api.get(f"/v1/sessions/{sid}/export"), 409)  # not complete
    body = {
        "item_id": order[2],
        "category": "service_issue",
        "severity": "red",
        "flags": [],
        "note": "a broken export is a service issue",
    }
    early = _error(api.post(f"/v1/sessions/{sid}/adjudications", json=body), 409)
    assert "1 of 2 labels" in early["detail"]
    _label_all(s, sid, "rater-1", CATS_B, SEVS_B)
    open_items = _error(api.get(f"/v1/sessions/{sid}/export"), 409)
    differing = [order[i] for i in range(10) if (CATS_A[i], SEVS_A[i]) != (CATS_B[i], SEVS_B[i])]
    assert open_items["item_ids"] == sorted(differing)
    _error(s.as_("rater-0", "POST", f"/v1/sessions/{sid}/adjudications", json=body), 403)
    _error(api.post(f"/v1/sessions/{sid}/adjudications", json={**body, "item_id": 99999}), 404)
    _error(
        api.post(
            f"/v1/sessions/{sid}/adjudications",
            json={**body, "severity": "green", "flags": ["fraud"]},
        ),
        422,
    )
    for item_id in differing:
        answer = api.post(f"/v1/sessions/{sid}/adjudications", json={**body, "item_id": item_id})
        assert answer.status_code == 201, answer.text
    report = answer.json()
    assert report["adjudicated"] == 10
    settled = next(d for d in report["disagreements"] if d["item_id"] == order[2])
    assert settled["adjudication"]["category"] == "service_issue"
    assert settled["adjudication"]["note"] == "a broken export is a service issue"
    _error(s.as_("rater-0", "GET", f"/v1/sessions/{sid}/export"), 403)
    exported = api.get(f"/v1/sessions/{sid}/export")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert tuple(rows[0]) == LABELLED_COLUMNS and len(rows) == 10
    by_id = {r["id"]: r for r in rows}
    assert by_id[f"s{sid}-item-{order[0]}"]["category"] == CATS_A[0]
    assert by_id[f"s{sid}-item-{order[2]}"]["severity"] == "red"
    path = tmp_path / "session.csv"
    path.write_text(exported.text, encoding="utf-8")
    assert len(load_labelled(path)) == 10  # a valid labelled file


def test_fleiss_for_three_reviewers(api: Any) -> None:
    from model.agreement import head_agreement
    from model.labels import HEAD_LABELS

    s = Session(api, reviewers=3)
    sid = s.open(10, ["rater-0", "rater-1", "rater-2"], seed=1)["id"]
    cats_c = ["review"] * 10
    _label_all(s, sid, "rater-0", CATS_A, SEVS_A)
    _label_all(s, sid, "rater-1", CATS_B, SEVS_B)
    _label_all(s, sid, "rater-2", cats_c, SEVS_B)
    report = api.get(f"/v1/sessions/{sid}/report").json()
    category = report["agreement"]["category"]
    assert category["method"] == "fleiss" and report["complete"] is True
    expected = head_agreement(
        [list(x) for x in zip(CATS_A, CATS_B, cats_c, strict=True)], HEAD_LABELS["category"], seed=1
    )
    assert category["kappa"] == pytest.approx(expected.overall.kappa)


# Row locks are PostgreSQL's (SQLite runs one writer at a time): this one runs there only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_last_labels_at_once_complete_the_session_once_on_postgresql(
    api: Any, database_url: str
) -> None:
    """Two reviewers send the session's last labels at the same moment: the session row lock
    makes one of them see the other's label, so the session completes and its agreed items
    are settled exactly once."""
    from concurrent.futures import ThreadPoolExecutor

    assert database_url.startswith("postgresql")
    s = Session(api)
    for _ in range(5):
        sid = s.open(1, ["rater-0", "rater-1"])["id"]
        (item,) = s.items("rater-0", sid)
        with ThreadPoolExecutor(2) as pool:
            answers = list(
                pool.map(
                    lambda name, sid=sid, item_id=item["item_id"]: s.label(
                        name, sid, item_id, "review", "green"
                    ),
                    ["rater-0", "rater-1"],
                )
            )
        assert [a.status_code for a in answers] == [201, 201]
        report = api.get(f"/v1/sessions/{sid}/report").json()
        assert report["complete"] is True and report["adjudicated"] == 1
    with transaction(api.runtime.factory) as db:
        settled = db.scalars(select(Event).where(Event.kind == "calibration_adjudicated")).all()
        assert len(settled) == 5
