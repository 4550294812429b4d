"""The stored side of themes: centroids as text, the online index over active themes, its
stamp, fresh ids, and the service's scheduled re-fit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from service.clock import utcnow
from service.db import transaction
from service.enums import ThemeStatus
from service.errors import ConflictError
from service.locks import Job, job_transaction
from service.tables import Theme
from service.themes import (
    load_index,
    next_theme_id,
    pack_centroid,
    theme_index_stamp,
    unpack_centroid,
)
from tests.service.themes.conftest import feedback


def test_a_centroid_reads_back_as_the_float32_it_was() -> None:
    vector = np.random.default_rng(0).normal(size=384)
    text = pack_centroid(vector)
    assert isinstance(text, str) and text.isascii()
    back = unpack_centroid(text)
    assert back.dtype == np.float32 and back.shape == (384,)
    assert np.array_equal(back, vector.astype(np.float32))


def test_the_index_holds_the_active_themes_with_a_centroid(api: Any) -> None:
    now = utcnow()
    with transaction(api.runtime.factory) as session:
        assert load_index(session) is None and next_theme_id(session) == 1
        empty = theme_index_stamp(session)
        for theme_id, status, centroid in (
            (1, ThemeStatus.ACTIVE, [1.0, 0.0, 0.0]),
            (2, ThemeStatus.ACTIVE, None),  # split off by an admin: not online yet
            (3, ThemeStatus.RETIRED, [0.0, 1.0, 0.0]),
            (4, ThemeStatus.ACTIVE, [0.0, 0.0, 2.0]),
        ):
            session.add(
                Theme(
                    id=theme_id,
                    label=f"t{theme_id}",
                    label_source="keywords",
                    keywords=[],
                    status=status.value,
                    centroid=None if centroid is None else pack_centroid(np.array(centroid)),
                    size=0,
                    representative_item_ids=[],
                    created_at=now,
                    updated_at=now,
                )
            )
    with transaction(api.runtime.factory) as session:
        index = load_index(session)
        assert index is not None and index.theme_ids == (1, 4)
        assert index.assign(np.array([0.0, 0.0, 1.0])) == 4  # centroids are unit rows
        assert index.assign(np.array([0.0, 1.0, 0.0])) is None  # the retired one is gone
        assert next_theme_id(session) == 5
        stamp = theme_index_stamp(session)
        assert stamp != empty
        assert theme_index_stamp(session) == stamp  # nothing changed: same stamp
        session.get(Theme, 4).centroid = pack_centroid(np.array([0.0, 0.6, 0.8]))  # type: ignore[union-attr]
    with transaction(api.runtime.factory) as session:
        assert theme_index_stamp(session) != stamp


@contextmanager
def _held_lock(api: Any, timeout: float) -> Iterator[None]:
    """The re-fit lock, once the running re-fit (if any) lets it go."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with job_transaction(
                api.runtime.factory,
                Job.THEMES_REFIT,
                lock_folder=api.runtime.settings.cache_dir,
                wait=False,
            ):
                yield
                return
        except ConflictError:
            assert time.monotonic() < deadline, "the scheduled re-fit did not finish"
            time.sleep(0.2)


def test_the_service_refits_on_its_schedule(make_api: Any) -> None:
    api = make_api(themes_refit_hours=1 / 3600)  # every second
    assert api.post("/v1/classify/batch", json={"items": feedback()}).json()["rejected"] == 0
    deadline = time.monotonic() + 120
    while api.get("/v1/themes").json()["total"] < 3:
        assert time.monotonic() < deadline, "no scheduled re-fit within two minutes"
        time.sleep(0.5)
    history = api.get(f"/v1/themes/{api.get('/v1/themes').json()['items'][0]['id']}").json()
    assert history["history"][0]["actor"] == "scheduled-refit"
    # Stop the service while no re-fit runs, so none outlives this test.
    with _held_lock(api, 120):
        api.client.__exit__(None, None, None)
