"""The console's themes pages over HTTP: the list with a sparkline per theme, a theme's page
with its chart, representative items and history, and the admin's rename form."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.service.console.test_ui import _token, sign_in

BURSTS = Path(__file__).resolve().parents[2] / "fixtures" / "replay_bursts.json"


@pytest.fixture
def console(make_api: Any) -> Any:
    """A console on stored bursts (tests/fixtures/replay_bursts.json) after one re-fit."""
    api = make_api(ui_cookie_secure=False)
    bursts = json.loads(BURSTS.read_text(encoding="utf-8"))["bursts"]
    items = [{"text": t, "source": b["sources"][0]} for b in bursts for t in b["texts"]]
    assert api.post("/v1/classify/batch", json={"items": items}).json()["rejected"] == 0
    assert api.post("/v1/themes/refit").status_code == 200
    return api


def _first_theme(api: Any) -> dict[str, Any]:
    theme: dict[str, Any] = api.get("/v1/themes").json()["items"][0]
    return theme


def test_themes_pages_need_a_session(console: Any) -> None:
    for path in ("/ui/themes", "/ui/themes/1"):
        response = console.client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/ui/login?next=")


def test_the_list_shows_every_theme_with_its_trend(console: Any) -> None:
    sign_in(console)
    themes = console.get("/v1/themes").json()["items"]
    page = console.client.get("/ui/themes")
    assert page.status_code == 200
    assert 'href="/ui/themes" aria-current="page"' in page.text  # in the navigation
    assert page.text.count('class="sparkline"') == len(themes) >= 3
    for theme in themes:
        assert f'href="/ui/themes/{theme["id"]}"' in page.text
        # The sparkline's description carries every period's figure, the last one written.
        assert f"{theme['trend'][-1]['period']}: {theme['trend'][-1]['count']}" in page.text
    weekly = console.client.get("/ui/themes?period=week")
    assert "week (12 weeks)</option>" in weekly.text and "?period=week" in weekly.text


def test_a_theme_page_and_the_admin_rename(console: Any) -> None:
    theme = _first_theme(console)
    sign_in(console)  # a reviewer reads, but gets no rename form and may not post one
    page = console.client.get(f"/ui/themes/{theme['id']}")
    assert page.status_code == 200
    assert theme["keywords"][0] in page.text and 'class="chart"' in page.text
    assert f'href="/ui/items/{theme["representative_items"][0]["id"]}"' in page.text
    assert "<td>created</td>" in page.text and 'name="label"' not in page.text
    refused = console.client.post(
        f"/ui/themes/{theme['id']}/rename",
        data={"csrf_token": _token(page.text), "label": "x"},
        follow_redirects=False,
    )
    assert refused.status_code == 403

    sign_in(console, "admin")
    page = console.client.get(f"/ui/themes/{theme['id']}")
    token = _token(page.text)
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version is not None
    forged = console.client.post(
        f"/ui/themes/{theme['id']}/rename",
        data={"csrf_token": "forged", "label": "Outage", "version": version.group(1)},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    for label, notice in (("   ", "invalid"), ("Dashboard <b>outage</b>", "renamed")):
        done = console.client.post(
            f"/ui/themes/{theme['id']}/rename",
            data={"csrf_token": token, "label": label, "version": version.group(1)},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"/ui/themes/{theme['id']}?notice={notice}"
    after = console.client.get(f"/ui/themes/{theme['id']}?notice=renamed")
    assert "Dashboard &lt;b&gt;outage&lt;/b&gt;" in after.text and "<b>outage" not in after.text
    assert "Theme renamed" in after.text and "<td>renamed</td>" in after.text
    # The form's old version is stale now: nothing is saved, and the page says why.
    stale = console.client.post(
        f"/ui/themes/{theme['id']}/rename",
        data={"csrf_token": token, "label": "Other", "version": version.group(1)},
        follow_redirects=False,
    )
    assert stale.headers["location"].endswith("notice=stale")
    assert console.get(f"/v1/themes/{theme['id']}").json()["label"] == "Dashboard <b>outage</b>"
    assert console.client.get("/ui/themes/9999").status_code == 404
