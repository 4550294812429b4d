"""Themes as stored: centroids packed into text, the online index over the active themes, a
cheap stamp that tells a worker when to reload it, the next free theme id, and the items'
theme embeddings, kept so that a re-fit does not encode its window again."""

from __future__ import annotations

import base64
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from model.themes import ThemeIndex
from model.themes.fit import JOIN_THRESHOLD
from service.actors import Actor
from service.enums import ThemeStatus
from service.tables import ItemVector, Theme, ThemeChange

# Centroids are stored little-endian float32 whatever the machine: a row reads back the same.
_FLOAT32 = np.dtype("<f4")
# Item vectors are float16: half the space, and unit vectors lose under 1e-3 of cosine.
_FLOAT16 = np.dtype("<f2")
_CHUNK = 1000  # ids per IN list, well below every driver's parameter limit


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


def save_vectors(
    session: Session, encoder: str, vectors: Mapping[int, NDArray[np.floating]]
) -> None:
    """Store the theme embeddings of these items (item id -> vector), replacing any they had
    (by another encoder)."""
    if not vectors:
        return
    ids = list(vectors)
    for start in range(0, len(ids), _CHUNK):
        session.execute(
            delete(ItemVector).where(ItemVector.item_id.in_(ids[start : start + _CHUNK]))
        )
    rows = [
        {
            "item_id": item_id,
            "encoder": encoder,
            "vector": np.asarray(vector, dtype=_FLOAT16).tobytes(),
        }
        for item_id, vector in vectors.items()
    ]
    for start in range(0, len(rows), _CHUNK):
        session.execute(insert(ItemVector), rows[start : start + _CHUNK])


def load_vectors(
    session: Session, encoder: str, item_ids: Collection[int]
) -> dict[int, NDArray[np.float32]]:
    """The stored embeddings by `encoder` of those items that have one."""
    ids = list(item_ids)
    found: dict[int, NDArray[np.float32]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(ItemVector.item_id, ItemVector.vector).where(
                ItemVector.item_id.in_(ids[start : start + _CHUNK]),
                ItemVector.encoder == encoder,
            )
        )
        for item_id, vector in rows:
            found[int(item_id)] = np.frombuffer(vector, dtype=_FLOAT16).astype(np.float32)
    return found


def record_change(
    session: Session, theme_id: int, kind: str, actor: Actor, now: datetime, **data: Any
) -> None:
    """One step of a theme's history (`theme_changes`), by the model or a person."""
    session.add(
        ThemeChange(
            theme_id=theme_id,
            created_at=now,
            kind=kind,
            actor_type=actor.type.value,
            actor=actor.name,
            data=data,
        )
    )
