"""Themes as stored: centroids packed into text, the online index over the active themes, a
cheap stamp that tells a worker when to reload it, and the next free theme id."""

from __future__ import annotations

import base64

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from model.themes import ThemeIndex
from model.themes.fit import JOIN_THRESHOLD
from service.enums import ThemeStatus
from service.tables import Theme

# Centroids are stored little-endian float32 whatever the machine: a row reads back the same.
_FLOAT32 = np.dtype("<f4")


def pack_centroid(vector: NDArray[np.floating]) -> str:
    """A centroid as text for `Theme.centroid`: base64 of its float32 values."""
    values = np.ascontiguousarray(np.asarray(vector, dtype=_FLOAT32).ravel())
    return base64.b64encode(values.tobytes()).decode("ascii")


def unpack_centroid(text: str) -> NDArray[np.float32]:
    """The float32 vector `pack_centroid` stored."""
    values = np.frombuffer(base64.b64decode(text.encode("ascii")), dtype=_FLOAT32)
    return values.astype(np.float32)


def load_index(session: Session) -> ThemeIndex | None:
    """The online index over the active themes that have a centroid; None when there is none
    (every item then stays without theme until a re-fit)."""
    rows = session.execute(
        select(Theme.id, Theme.centroid)
        .where(Theme.status == ThemeStatus.ACTIVE.value, Theme.centroid.is_not(None))
        .order_by(Theme.id)
    ).all()
    if not rows:
        return None
    centroids = np.stack([unpack_centroid(str(centroid)) for _, centroid in rows])
    return ThemeIndex.build([int(i) for i, _ in rows], centroids, JOIN_THRESHOLD)


def theme_index_stamp(session: Session) -> object:
    """A value that changes whenever the active themes or their centroids change (every ORM
    update of a theme bumps its version): reload the index only when it differs."""
    row = session.execute(
        select(func.count(Theme.id), func.max(Theme.updated_at), func.sum(Theme.version)).where(
            Theme.status == ThemeStatus.ACTIVE.value, Theme.centroid.is_not(None)
        )
    ).one()
    return (int(row[0]), row[1], int(row[2] or 0))


def next_theme_id(session: Session) -> int:
    """One above every theme id ever given (merged and retired ones too): ids are never reused."""
    return int(session.scalar(select(func.max(Theme.id))) or 0) + 1
