"""Moving items between themes: one Core UPDATE per target theme and a `theme_assigned` event
per moved item, by the model (a re-fit) or a person (an admin's merge or split).

A Core UPDATE on the table, not the ORM: an item's `version` is the reviewers' optimistic lock
and must not move when its theme does (a reviewer's open form would go stale for nothing).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, update
from sqlalchemy.orm import Session

from service.actors import Actor
from service.enums import EventKind
from service.observability.context import stamped
from service.tables import Event, Item

_CHUNK = 1000  # ids per IN list, well below every driver's parameter limit
_ITEMS = cast(Table, Item.__table__)


def move_items(
    session: Session,
    moves: Mapping[int, int | None],
    labels: Mapping[int, str],
    *,
    actor: Actor,
    now: datetime,
    extra: Mapping[str, Any] | None = None,
) -> int:
    """Set each item's theme (`moves`: item id -> theme id or None) and record the move as a
    `theme_assigned` event with `{theme_id, label, **extra}`; returns how many moved."""
    by_theme: dict[int | None, list[int]] = defaultdict(list)
    for item_id, theme_id in moves.items():
        by_theme[theme_id].append(item_id)
    for theme_id, item_ids in by_theme.items():
        for start in range(0, len(item_ids), _CHUNK):
            chunk = item_ids[start : start + _CHUNK]
            session.execute(update(_ITEMS).where(_ITEMS.c.id.in_(chunk)).values(theme_id=theme_id))
    events = [
        {
            "item_id": item_id,
            "created_at": now,
            "kind": EventKind.THEME_ASSIGNED.value,
            "actor_type": actor.type.value,
            "actor": actor.name,
            "from_status": None,
            "to_status": None,
            "data": stamped(
                {
                    "theme_id": theme_id,
                    "label": None if theme_id is None else labels.get(theme_id),
                    **(extra or {}),
                }
            ),
        }
        for item_id, theme_id in sorted(moves.items())
    ]
    for start in range(0, len(events), _CHUNK):
        session.execute(insert(Event), events[start : start + _CHUNK])
    return len(moves)
