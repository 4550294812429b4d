"""GET /v1/themes and /v1/themes/{id}, the items' theme filter, and the admins' edits (rename,
merge, split) through the real API on SQLite and PostgreSQL; bad edits change nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from service.db import transaction
from service.tables import Event, Item, Theme, ThemeChange

FIELDS = {
    "id",
    "label",
    "label_source",
    "keywords",
    "status",
    "merged_into",
    "size",
    "recent",
    "trend",
    "categories",
    "severities",
    "sources",
    "accounts",
    "owners",
    "representative_items",
    "created_at",
    "updated_at",
    "version",
}


def _item_ids(api: Any, theme_id: int) -> set[int]:
    r = api.get("/v1/items", "reviewer", params={"theme_id": theme_id, "limit": 200})
    assert r.status_code == 200, r.text
    assert r.json()["total"] == len(r.json()["items"])
    return {item["id"] for item in r.json()["items"]}


def _snapshot(api: Any) -> tuple[list[tuple[Any, ...]], list[tuple[int, int | None]], int]:
    """Themes, every item's theme, and how many changes and events: what a bad edit must keep."""
    with transaction(api.runtime.factory) as session:
        themes = [
            (t.id, t.label, t.label_source, t.status, t.merged_into, t.version)
            for t in session.scalars(select(Theme).order_by(Theme.id))
        ]
        items = [(int(i), t) for i, t in session.execute(select(Item.id, Item.theme_id))]
        rows = len(session.scalars(select(ThemeChange.id)).all())
        rows += len(session.scalars(select(Event.id)).all())
    return themes, sorted(items), rows


def test_themes_list_and_detail_answer_the_contract(fitted: Any) -> None:
    api, _, main = fitted
    r = api.get("/v1/themes", "reviewer")
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == len(page["items"]) >= 3
    recent = [t["recent"] for t in page["items"]]
    assert recent == sorted(recent, reverse=True)
    outage = next(t for t in page["items"] if t["id"] == main["outage"])
    assert set(outage) == FIELDS
    assert outage["status"] == "active" and outage["label_source"] == "keywords"
    assert outage["label"] and outage["keywords"] and outage["version"] >= 1
    assert outage["size"] == len(_item_ids(api, main["outage"])) >= 25
    # Every figure adds up to the theme's items; all were stored today (received_at).
    for name in ("categories", "severities", "sources", "owners"):
        assert sum(outage[name].values()) == outage["size"], name
    assert len(outage["trend"]) == 30 and outage["trend"][-1]["count"] == outage["size"]
    assert outage["recent"] == outage["size"]
    assert set(outage["sources"]) <= {"twitter", "support_email", "g2", "forum"}
    assert all(a.startswith("acct-") for a in outage["accounts"])
    reps = outage["representative_items"]
    assert 1 <= len(reps) <= 3 and all(_item_ids(api, main["outage"]) >= {x["id"]} for x in reps)
    assert all(x["text"] for x in reps)

    weekly = api.get("/v1/themes", params={"period": "week", "limit": 1, "offset": 1}).json()
    assert weekly["total"] == page["total"] and len(weekly["items"]) == 1
    assert weekly["items"][0]["id"] == page["items"][1]["id"]
    assert len(weekly["items"][0]["trend"]) == 12

    detail = api.get(f"/v1/themes/{main['outage']}", "reviewer").json()
    assert set(detail) == FIELDS | {"history"}
    (created,) = detail["history"]
    assert created["kind"] == "created" and created["actor_type"] == "model"
    assert created["data"]["label"] == detail["label"]

    # Filters: items by theme (any of several), by incident (none yet).
    both = api.get("/v1/items", params=[("theme_id", main["outage"]), ("theme_id", main["rumour"])])
    assert both.json()["total"] == outage["size"] + len(_item_ids(api, main["rumour"]))
    assert api.get("/v1/items", params={"incident_id": 1}).json()["total"] == 0


def test_bad_theme_queries_are_4xx(api: Any) -> None:
    assert api.get("/v1/themes/99").status_code == 404
    assert api.get("/v1/themes/99").json()["error"] == "NotFoundError"
    for params in ({"period": "month"}, {"status": "gone"}, {"limit": 0}, {"offset": -1}):
        r = api.get("/v1/themes", params=params)
        assert r.status_code == 422 and r.json()["error"] == "ValidationError", params
    assert api.get("/v1/themes/0").status_code == 422
    for params in ({"theme_id": "x"}, {"incident_id": 0}):
        assert api.get("/v1/items", params=params).status_code == 422, params
    assert api.get("/v1/themes", "helpdesk").status_code == 200  # any key reads


def test_merge_moves_the_items_and_records_it(fitted: Any) -> None:
    api, _, main = fitted
    into, source = main["billing_bug"], main["rumour"]
    moving = _item_ids(api, source)
    kept = _item_ids(api, into)
    version = api.get(f"/v1/themes/{into}").json()["version"]
    r = api.post(f"/v1/themes/{into}/merge", json={"sources": [source], "version": version})
    assert r.status_code == 200, r.text
    assert r.json()["id"] == into and r.json()["size"] == len(moving | kept)
    assert _item_ids(api, into) == moving | kept and _item_ids(api, source) == set()

    merged = api.get(f"/v1/themes/{source}").json()
    assert merged["status"] == "merged" and merged["merged_into"] == into
    assert [h["kind"] for h in merged["history"]][-1] == "merged"
    last = r.json()["history"][-1]
    assert last["kind"] == "merged" and last["actor_type"] == "human"
    assert last["data"] == {"sources": [source], "items": len(moving)}
    assert [
        t["id"] for t in api.get("/v1/themes", params={"status": "merged"}).json()["items"]
    ] == [source]
    item = api.get(f"/v1/items/{min(moving)}").json()
    event = [e for e in item["events"] if e["kind"] == "theme_assigned"][-1]
    assert event["actor_type"] == "human" and event["data"]["theme_id"] == into
    assert item["version"] == 1


def test_split_forms_a_new_theme_from_the_chosen_items(fitted: Any) -> None:
    api, _, main = fitted
    old = main["outage"]
    members = sorted(_item_ids(api, old))
    chosen = members[:4]
    r = api.post(f"/v1/themes/{old}/split", json={"item_ids": chosen, "label": "Login 502s"})
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["id"] not in main.values() and new["label"] == "Login 502s"
    assert new["label_source"] == "admin" and new["status"] == "active"
    assert new["size"] == 4 and _item_ids(api, new["id"]) == set(chosen)
    assert _item_ids(api, old) == set(members[4:])
    assert [(h["kind"], h["data"]) for h in new["history"]] == [
        ("created", {"split_from": old, "label": "Login 502s"})
    ]
    history = api.get(f"/v1/themes/{old}").json()["history"]
    assert (history[-1]["kind"], history[-1]["data"]) == (
        "split",
        {"into": [new["id"]], "items": 4},
    )
    event = [
        e
        for e in api.get(f"/v1/items/{chosen[0]}").json()["events"]
        if e["kind"] == "theme_assigned"
    ][-1]
    assert event["actor_type"] == "human"
    assert event["data"] == {
        "theme_id": new["id"],
        "label": "Login 502s",
        "request_id": r.headers["X-Request-ID"],  # the split's request
    }


def test_bad_edits_are_refused_and_change_nothing(fitted: Any) -> None:
    api, ids, main = fitted
    outage, rumour = main["outage"], main["rumour"]
    version = api.get(f"/v1/themes/{outage}").json()["version"]
    stranger = ids["rumour-0"]
    before = _snapshot(api)
    cases = [
        ("reviewer", f"/v1/themes/{outage}/rename", {"label": "x"}, 403),
        ("helpdesk", f"/v1/themes/{outage}/merge", {"sources": [rumour]}, 403),
        ("admin", "/v1/themes/9999/rename", {"label": "x"}, 404),
        ("admin", f"/v1/themes/{outage}/merge", {"sources": [9999]}, 404),
        ("admin", f"/v1/themes/{outage}/merge", {"sources": [outage]}, 422),
        ("admin", f"/v1/themes/{outage}/merge", {"sources": []}, 422),
        ("admin", f"/v1/themes/{outage}/rename", {"label": "   "}, 422),
        ("admin", f"/v1/themes/{outage}/rename", {"label": "x" * 201}, 422),
        ("admin", f"/v1/themes/{outage}/rename", {"label": "a\u0000b"}, 422),
        ("admin", f"/v1/themes/{outage}/rename", {"label": "x", "colour": "red"}, 422),
        ("admin", f"/v1/themes/{outage}/rename", {"label": "x", "version": version + 1}, 409),
        ("admin", f"/v1/themes/{outage}/split", {"item_ids": [stranger], "label": "x"}, 422),
        ("admin", f"/v1/themes/{outage}/split", {"item_ids": [], "label": "x"}, 422),
        ("admin", "/v1/themes/9999/split", {"item_ids": [1], "label": "x"}, 404),
    ]
    for role, path, body, status in cases:
        r = api.post(path, role, json=body)
        assert r.status_code == status, (path, body, r.text)
        assert r.json()["detail"], (path, body)
    stale = api.post(f"/v1/themes/{outage}/rename", json={"label": "x", "version": version + 1})
    assert stale.json()["current_version"] == version
    r = api.post(f"/v1/themes/{outage}/split", json={"item_ids": [stranger], "label": "x"})
    assert r.json()["item_ids"] == [stranger]
    assert _snapshot(api) == before

    # A merged theme takes no more edits (409), and nothing changes either.
    api.post(f"/v1/themes/{outage}/merge", json={"sources": [rumour]})
    before = _snapshot(api)
    assert api.post(f"/v1/themes/{rumour}/rename", json={"label": "x"}).status_code == 409
    assert api.post(f"/v1/themes/{outage}/merge", json={"sources": [rumour]}).status_code == 409
    assert _snapshot(api) == before


def test_metrics_count_repeat_issues_by_theme_and_source(fitted: Any) -> None:
    api, _, main = fitted
    body = api.get("/v1/metrics").json()
    section = body["repeat_by_theme"]
    assert section["definition"] and section["unit"] == "items"
    rows = section["rows"]
    counts = [r["items"] for r in rows]
    assert counts == sorted(counts, reverse=True)
    themes = {t["id"]: t for t in api.get("/v1/themes", params={"limit": 200}).json()["items"]}
    for theme_id, theme in themes.items():
        mine = [r for r in rows if r["theme_id"] == theme_id]
        assert {r["source"]: r["items"] for r in mine} == theme["sources"]
        assert all(r["label"] == theme["label"] for r in mine)
        assert all(r["share"] == r["items"] / body["items"] for r in mine)
    assert {r["theme_id"] for r in rows} == set(themes)
    assert main["outage"] in themes
    # A range with none of the items: no rows.
    empty = api.get("/v1/metrics", params={"received_to": "2001-01-01T00:00:00Z"}).json()
    assert empty["repeat_by_theme"]["rows"] == []
