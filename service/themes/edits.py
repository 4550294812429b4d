"""Admins' edits of themes: rename, merge, split. Each is recorded as a ThemeChange by a
person, and every item that changes theme gets a `theme_assigned` event.

The theme an edit names is read locked (PostgreSQL) and checked against the `version` the
admin saw: a stale one gets 409, and nothing is changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from model.themes import ctfidf_keywords
from service.actors import Actor
from service.enums import ThemeStatus
from service.errors import ConflictError, NotFoundError, UnprocessableError
from service.tables import Item, Theme
from service.themes.moves import move_items
from service.themes.refit import ADMIN_LABEL
from service.themes.store import next_theme_id, record_change


def get_theme(session: Session, theme_id: int, *, for_update: bool = False) -> Theme:
    """One theme (locked for this transaction if asked); NotFoundError when unknown."""
    query = select(Theme).where(Theme.id == theme_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    theme = session.scalars(query).one_or_none()
    if theme is None:
        raise NotFoundError(f"no theme with id {theme_id}")
    return theme


def _editable(session: Session, theme_id: int, version: int | None) -> Theme:
    """The theme, locked, at the version the admin saw and still active."""
    theme = get_theme(session, theme_id, for_update=True)
    if version is not None and version != theme.version:
        raise ConflictError(
            f"theme {theme_id} changed since version {version} (now version {theme.version}); "
            "reload it and decide again",
            current_version=theme.version,
        )
    if theme.status != ThemeStatus.ACTIVE.value:
        raise ConflictError(f"theme {theme_id} is {theme.status}; only an active theme is edited")
    return theme


def _members(session: Session, theme_ids: Sequence[int]) -> list[int]:
    return [
        int(i)
        for i in session.scalars(
            select(Item.id).where(Item.theme_id.in_(list(theme_ids))).order_by(Item.id)
        )
    ]


def rename(
    session: Session,
    theme_id: int,
    label: str,
    actor: Actor,
    *,
    version: int | None = None,
    now: datetime,
) -> Theme:
    """Give a theme an admin's name; re-fits keep it (label_source "admin")."""
    theme = _editable(session, theme_id, version)
    old = theme.label
    theme.label = label
    theme.label_source = ADMIN_LABEL
    theme.updated_at = now
    record_change(session, theme_id, "renamed", actor, now, old=old, new=label)
    session.flush()
    return theme


def merge(
    session: Session,
    source_ids: Sequence[int],
    into_id: int,
    actor: Actor,
    *,
    version: int | None = None,
    now: datetime,
) -> Theme:
    """Merge the source themes into `into_id` (whose `version` the admin saw): their items
    move to it, and they become `merged` with `merged_into`."""
    sources = sorted(set(source_ids))
    if not sources:
        raise UnprocessableError("name at least one theme to merge")
    if into_id in sources:
        raise UnprocessableError(f"theme {into_id} cannot be merged into itself")
    into = _editable(session, into_id, version)
    merged = [_editable(session, source, None) for source in sources]
    moving = _members(session, sources)
    for theme in merged:
        theme.status = ThemeStatus.MERGED.value
        theme.merged_into = into_id
        theme.updated_at = now
        record_change(session, theme.id, "merged", actor, now, into=into_id)
    into.size = into.size + sum(t.size for t in merged)
    into.updated_at = now
    record_change(session, into_id, "merged", actor, now, sources=sources, items=len(moving))
    session.flush()
    move_items(session, dict.fromkeys(moving, into_id), {into_id: into.label}, actor=actor, now=now)
    return into


def split(
    session: Session,
    theme_id: int,
    item_ids: Sequence[int],
    label: str,
    actor: Actor,
    *,
    version: int | None = None,
    now: datetime,
) -> Theme:
    """The chosen items of a theme leave it for a new theme named `label`; the new theme's
    keywords are what sets its items apart (c-TF-IDF), and it joins the online index at the
    next re-fit (it has no centroid until then)."""
    chosen = sorted(set(item_ids))
    if not chosen:
        raise UnprocessableError("name at least one item to split off")
    theme = _editable(session, theme_id, version)
    members = _members(session, [theme_id])
    strangers = sorted(set(chosen) - set(members))
    if strangers:
        shown = ", ".join(map(str, strangers[:20]))
        raise UnprocessableError(f"items not in theme {theme_id}: {shown}", item_ids=strangers)
    texts = {
        int(i): str(t)
        for i, t in session.execute(select(Item.id, Item.text).where(Item.id.in_(members)))
    }
    picked = set(chosen)
    clusters = np.array([1 if i in picked else 0 for i in members], dtype=np.int64)
    keywords = ctfidf_keywords([texts[i] for i in members], clusters, 2)
    new = Theme(
        id=next_theme_id(session),
        label=label,
        label_source=ADMIN_LABEL,
        keywords=list(keywords[1]),
        status=ThemeStatus.ACTIVE.value,
        centroid=None,
        size=len(chosen),
        representative_item_ids=chosen[:3],
        created_at=now,
        updated_at=now,
    )
    session.add(new)
    theme.size = max(theme.size - len(chosen), 0)
    theme.representative_item_ids = [i for i in theme.representative_item_ids if i not in picked]
    theme.updated_at = now
    session.flush()
    record_change(session, theme_id, "split", actor, now, into=[new.id], items=len(chosen))
    record_change(session, new.id, "created", actor, now, split_from=theme_id, label=label)
    move_items(session, dict.fromkeys(chosen, new.id), {new.id: label}, actor=actor, now=now)
    return new
