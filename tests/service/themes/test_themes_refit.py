"""Re-fitting themes on stored feedback with the real MiniLM encoder, through the API, on
SQLite and PostgreSQL: themes found, items assigned and their moves recorded; a second re-fit
keeps every id and moves nothing; an admin's name survives a re-fit."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from service.clock import utcnow
from service.db import transaction
from service.tables import Event, Item, Theme, ThemeChange
from service.themes import load_index, theme_index_stamp
from service.themes.refit import refit_themes, theme_encoder


def _themes_of(api: Any, ids: dict[str, int], prefix: str) -> Counter[int | None]:
    with transaction(api.runtime.factory) as session:
        wanted = [i for key, i in ids.items() if key.startswith(prefix)]
        return Counter(session.scalars(select(Item.theme_id).where(Item.id.in_(wanted))).all())


def test_refit_finds_the_bursts_and_records_every_assignment(stored: Any) -> None:
    api, ids = stored
    r = api.post("/v1/themes/refit")
    assert r.status_code == 200, r.text
    summary = r.json()
    assert summary["items"] == len(ids)
    assert summary["themes"] >= 3 and summary["kept"] == [] and summary["retired"] == []
    assert len(summary["created"]) == summary["themes"]

    # Each burst is mostly one theme, and the three bursts are three different themes.
    main = {}
    for burst in ("outage", "billing_bug", "rumour"):
        theme, count = _themes_of(api, ids, burst).most_common(1)[0]
        burst_size = sum(1 for key in ids if key.startswith(burst))
        assert theme is not None and count >= 0.8 * burst_size, (burst, count, burst_size)
        main[burst] = theme
    assert len(set(main.values())) == 3

    # Moved items carry the theme in their answer and a model's theme_assigned event; the
    # reviewers' version did not move.
    item = api.get(f"/v1/items/{ids['outage-0']}").json()
    assert item["theme"]["id"] == main["outage"] and item["theme"]["label"]
    assert item["version"] == 1
    (event,) = [e for e in item["events"] if e["kind"] == "theme_assigned"]
    assert event["actor_type"] == "model"
    assert event["data"] == {
        "theme_id": main["outage"],
        "label": item["theme"]["label"],
        "refit": True,
        "request_id": r.headers["X-Request-ID"],  # the request that ran the re-fit
    }
    with transaction(api.runtime.factory) as session:
        assigned = session.scalars(select(Event).where(Event.kind == "theme_assigned")).all()
        themed = session.scalars(select(Item.id).where(Item.theme_id.is_not(None))).all()
        assert {e.item_id for e in assigned} == set(themed)
        assert len(themed) + summary["unthemed"] == len(ids)
        created = session.scalars(select(ThemeChange).where(ThemeChange.kind == "created")).all()
        assert sorted(c.theme_id for c in created) == sorted(summary["created"])
        index = load_index(session)
        assert index is not None and sorted(index.theme_ids) == sorted(summary["created"])
        stamp = theme_index_stamp(session)

    # A second re-fit on the same items finds the same themes: same ids, nothing moves.
    again = api.post("/v1/themes/refit").json()
    assert again["created"] == [] and again["retired"] == [] and again["moved"] == 0
    assert sorted(again["kept"]) == sorted(summary["created"])
    for burst, theme in main.items():
        assert _themes_of(api, ids, burst).most_common(1)[0][0] == theme
    with transaction(api.runtime.factory) as session:
        count = session.query(Event).filter(Event.kind == "theme_assigned").count()
        assert count == len(themed)
        # The centroids were rewritten: the worker's stamp says reload.
        assert theme_index_stamp(session) != stamp


def test_an_admins_name_survives_a_refit(stored: Any) -> None:
    api, ids = stored
    assert api.post("/v1/themes/refit").status_code == 200
    theme_id = api.get(f"/v1/items/{ids['outage-1']}").json()["theme"]["id"]
    before = api.get(f"/v1/themes/{theme_id}").json()
    renamed = api.post(
        f"/v1/themes/{theme_id}/rename",
        json={"label": "  Dashboard outage (502)  ", "version": before["version"]},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["label"] == "Dashboard outage (502)"
    assert renamed.json()["label_source"] == "admin"

    assert api.post("/v1/themes/refit").status_code == 200
    after = api.get(f"/v1/themes/{theme_id}").json()
    assert after["label"] == "Dashboard outage (502)" and after["status"] == "active"
    assert after["keywords"]  # the fit still writes its keywords beside the admin's name
    kinds = [(h["kind"], h["actor_type"]) for h in after["history"]]
    assert kinds[:2] == [("created", "model"), ("renamed", "human")]
    assert ("relabelled", "model") not in kinds
    with transaction(api.runtime.factory) as session:
        theme = session.get(Theme, theme_id)
        assert theme is not None and theme.label_source == "admin"
    item = api.get(f"/v1/items/{ids['outage-1']}").json()
    assert item["theme"] == {"id": theme_id, "label": "Dashboard outage (502)"}


def test_refit_without_the_encoder_is_503_and_changes_nothing(make_api: Any, tmp_path: Any) -> None:
    api = make_api(embeddings_dir=tmp_path)
    api.post("/v1/classify", json={"text": "The export has been failing since Monday."})
    r = api.post("/v1/themes/refit")
    assert r.status_code == 503, r.text
    assert r.json()["error"] == "UnavailableError" and "fetch-embeddings" in r.json()["detail"]
    with transaction(api.runtime.factory) as session:
        assert session.scalars(select(Theme)).all() == []
        assert session.scalars(select(Item.theme_id)).all() == [None]


def test_refit_needs_an_admin_and_an_empty_window_is_fine(api: Any) -> None:
    assert api.post("/v1/themes/refit", "reviewer").status_code == 403
    r = api.post("/v1/themes/refit")
    assert r.status_code == 200 and r.json()["items"] == 0 and r.json()["themes"] == 0
    assert api.get("/v1/themes").json() == {"items": [], "total": 0, "limit": 50, "offset": 0}


def test_a_window_with_no_clusters_changes_nothing(fitted: Any) -> None:
    """Five items form no theme (HDBSCAN needs ten): the themes stay as they are."""
    api, _, _ = fitted
    before = api.get("/v1/themes", params={"limit": 200}).json()
    with transaction(api.runtime.factory) as session:
        summary = refit_themes(
            session,
            encode=theme_encoder(api.runtime.settings.embeddings_dir),
            now=utcnow(),
            window_days=28,
            max_items=5,
            actor="test",
        )
    assert (summary.items, summary.themes, summary.unthemed, summary.moved) == (5, 0, 5, 0)
    assert summary.retired == () and summary.created == ()
    assert api.get("/v1/themes", params={"limit": 200}).json() == before


def _members(api: Any, theme_id: int) -> set[int]:
    r = api.get("/v1/items", "reviewer", params={"theme_id": theme_id, "limit": 200})
    assert r.status_code == 200, r.text
    return {item["id"] for item in r.json()["items"]}


def test_an_admins_merge_survives_a_refit(fitted: Any) -> None:
    """The clusters still tell the billing bug from the rumour, but an admin said they are one
    theme: the re-fit keeps the merged items where the admin put them and makes no new theme
    of them."""
    api, _, main = fitted
    into, source = main["billing_bug"], main["rumour"]
    r = api.post(f"/v1/themes/{into}/merge", json={"sources": [source]})
    assert r.status_code == 200, r.text
    merged = _members(api, into)

    refit = api.post("/v1/themes/refit")
    assert refit.status_code == 200, refit.text
    assert merged <= _members(api, into)
    assert api.get(f"/v1/themes/{source}").json()["status"] == "merged"
    active = api.get("/v1/themes").json()["items"]
    assert not any(_members(api, t["id"]) & merged for t in active if t["id"] != into)


def test_an_admins_split_survives_a_refit(fitted: Any) -> None:
    """The clusters put the outage back together, but an admin split four items off: they
    stay in the split theme, which stays active and now has a centroid, so new items can join
    it online."""
    api, _, main = fitted
    old = main["outage"]
    chosen = sorted(_members(api, old))[:4]
    r = api.post(f"/v1/themes/{old}/split", json={"item_ids": chosen, "label": "Login 502s"})
    assert r.status_code == 200, r.text
    split = r.json()["id"]

    refit = api.post("/v1/themes/refit")
    assert refit.status_code == 200, refit.text
    assert _members(api, split) == set(chosen)
    theme = api.get(f"/v1/themes/{split}").json()
    assert theme["status"] == "active" and theme["label"] == "Login 502s"
    with transaction(api.runtime.factory) as session:
        index = load_index(session)
        stored = session.get(Theme, split)
        assert stored is not None and stored.centroid is not None
    assert index is not None and split in index.theme_ids
    # A third re-fit changes nothing of it either.
    assert api.post("/v1/themes/refit").status_code == 200
    assert _members(api, split) == set(chosen)
