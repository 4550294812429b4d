"""Repeat issue frequency by theme and source: how often each recurring theme came in, on
which channel, over the metrics range (issue 18; the themes come from service/themes/)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from service.metrics import schemas as out
from service.tables import Item, Theme

DEFINITION = (
    "Items in range by theme (its current label) and source, most first; items in no theme "
    "are left out. share = items / total items in range."
)


def repeat_by_theme(
    session: Session, in_range: Sequence[ColumnElement[bool]], total: int
) -> out.RepeatByTheme:
    """Counts per (theme, source) of the items received in range."""
    rows = session.execute(
        select(Theme.id, Theme.label, Item.source, func.count(Item.id))
        .join(Theme, Theme.id == Item.theme_id)
        .where(*in_range)
        .group_by(Theme.id, Theme.label, Item.source)
    ).all()
    ordered = sorted(rows, key=lambda r: (-int(r[3]), int(r[0]), r[2] is None, r[2] or ""))
    return out.RepeatByTheme(
        definition=DEFINITION,
        unit="items",
        rows=[
            out.ThemeSourceCount(
                theme_id=theme_id,
                label=label,
                source=source,
                items=count,
                share=count / total if total else None,
            )
            for theme_id, label, source, count in ordered
        ],
    )
