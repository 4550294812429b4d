"""One round of the pattern worker: the next stored items nobody has analysed get their theme
(the nearest theme centroid, `model.themes.ThemeIndex`) and go through the burst detector
(`model.incidents.BurstDetector`), whose decisions open, grow and close incidents
(`service.incidents.apply_decisions`).

Everything happens in one transaction that starts by writing the detector's state row: on
PostgreSQL that row lock, on SQLite the database's write lock, lets one process work at a
time, so several service processes (or `--workers N`) never feed the detector an item twice.
Items are taken in event time (`created_at` when the client gave it, else received), so a
replay of history behaves like live traffic.

Assignment never changes an item's `version` (the value reviewers send back): themes and
incident links are written with plain UPDATE statements, and recorded as events.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from core.errors import InvalidInputError
from model.incidents import (
    BurstConfig,
    BurstDetector,
    Decision,
    Link,
    Observation,
    Open,
    from_state,
    to_state,
)
from model.themes import ThemeIndex
from service.actors import Actor
from service.clock import utcnow
from service.enums import ActorType
from service.incidents import apply_decisions, burst_config
from service.notifications.webhooks import Notifier
from service.patterns.encoders import PatternEncoders
from service.routing.policy import RoutingPolicy
from service.tables import Incident, Item, PatternState, Theme
from service.themes import load_index, save_vectors, theme_index_stamp
from service.themes.moves import move_items

log = logging.getLogger(__name__)

DETECTOR_STATE = "detector"
THEME_ACTOR = Actor(ActorType.MODEL, "themes")  # who joins items to themes online

_ITEMS = cast(Table, Item.__table__)
_SET_ANALYSED = (
    update(_ITEMS).where(_ITEMS.c.id == bindparam("item_id")).values(analysed_at=bindparam("at"))
)


@dataclass
class PatternWorker:
    """What a process keeps between rounds: its encoders and the theme index (reloaded only
    when the themes changed: a re-fit or an admin's edit)."""

    encoders: PatternEncoders
    _index: ThemeIndex | None = field(default=None, init=False)
    _stamp: object = field(default=None, init=False)

    def theme_index(self, session: Session) -> ThemeIndex | None:
        stamp = theme_index_stamp(session)
        if stamp != self._stamp:
            self._index = load_index(session)
            self._stamp = stamp
        return self._index


@dataclass(frozen=True, slots=True)
class Analysed:
    """What one round did."""

    items: int
    themed: int
    linked: int
    incidents: tuple[int, ...]  # opened or changed


def event_time(item: Item) -> datetime:
    """When the feedback happened: the client's `created_at`, else when it was received."""
    return item.created_at or item.received_at


def _lock_state(session: Session, now: datetime) -> PatternState:
    """The detector's state row, locked for this transaction (created empty the first time)."""
    touched = session.execute(
        update(PatternState).where(PatternState.name == DETECTOR_STATE).values(updated_at=now)
    )
    if touched.rowcount == 0:  # type: ignore[attr-defined]
        session.add(PatternState(name=DETECTOR_STATE, state="", updated_at=now))
        session.flush()
    row = session.get(PatternState, DETECTOR_STATE, populate_existing=True)
    assert row is not None
    return row


def _detector(row: PatternState, config: BurstConfig, dim: int) -> BurstDetector:
    """The saved detector with today's thresholds, or a new one when none was saved or the
    saved one cannot be read (another encoder's dimension, an older layout)."""
    if not row.state:
        return BurstDetector(config, dim)
    try:
        detector = from_state(config, json.loads(row.state))
    except (InvalidInputError, ValueError, KeyError, TypeError) as exc:
        log.warning("the saved burst detector state is unusable (%s); starting afresh", exc)
        return BurstDetector(config, dim)
    if detector.dim != dim:
        log.warning(
            "the detector encoder changed (%d-d, was %d-d); starting afresh", dim, detector.dim
        )
        return BurstDetector(config, dim)
    return detector


def _forget_closed(session: Session, detector: BurstDetector) -> None:
    """Incidents a human resolved (or unlinked from the detector) stop collecting items."""
    keys = detector.open_incidents()
    if not keys:
        return
    tracked = set(
        session.scalars(
            select(Incident.detector_key).where(
                Incident.detector_key.in_(keys), Incident.detector_open.is_(True)
            )
        )
    )
    for key in keys:
        if key not in tracked:
            detector.resolve(key)


def _seed_new_themes(
    session: Session, detector: BurstDetector, themes: Sequence[int | None]
) -> None:
    """Themes a re-fit just found have a past among items the detector saw without theme:
    give it their count, so their everyday rate is not taken for a burst."""
    new = {t for t in themes if t is not None and t not in detector.themes}
    if not new or detector.start is None or detector.clock is None:
        return
    when = func.coalesce(Item.created_at, Item.received_at)
    counts = session.execute(
        select(Item.theme_id, func.count())
        .where(
            Item.theme_id.in_(new),
            when >= detector.start,
            when <= detector.clock - detector.config.window,
        )
        .group_by(Item.theme_id)
    )
    for theme_id, count in counts:
        if theme_id is not None:
            detector.seed_theme(theme_id, int(count))


def _assign_themes(
    session: Session, worker: PatternWorker, items: Sequence[Item]
) -> list[int | None]:
    """Each item's nearest theme, or None; its vector is stored for the next re-fit (even
    before the first themes exist, so that re-fit encodes nothing)."""
    encode = worker.encoders.theme
    if encode is None:
        return [None] * len(items)
    vectors = encode([item.text for item in items])
    save_vectors(
        session,
        worker.encoders.theme_name,
        {item.id: vector for item, vector in zip(items, vectors, strict=True)},
    )
    index = worker.theme_index(session)
    if index is None or not len(index):
        return [None] * len(items)
    return index.assign_batch(vectors)


def _observe(
    detector: BurstDetector,
    encode: Any,
    items: Sequence[Item],
    themes: Sequence[int | None],
) -> list[Decision]:
    vectors = np.asarray(encode([item.text for item in items]), dtype=np.float32)
    decisions: list[Decision] = []
    for item, theme, vector in zip(items, themes, vectors, strict=True):
        decisions.extend(
            detector.observe(
                Observation(
                    item_id=str(item.id),
                    at=event_time(item),
                    theme_id=theme,
                    embedding=vector,
                    author=item.author,
                    source=item.source or "unknown",
                    category=item.category or "",
                )
            )
        )
    return decisions


def _items_named(session: Session, decisions: Sequence[Decision], known: dict[str, Item]) -> None:
    """Add to `known` the items the decisions name from earlier rounds (a burst that opens
    now includes items the detector saw before)."""
    named: set[str] = set()
    for decision in decisions:
        if isinstance(decision, Open):
            named.update(decision.item_ids)
        elif isinstance(decision, Link):
            named.add(decision.item_id)
    missing = [int(i) for i in named - known.keys()]
    if missing:
        for item in session.scalars(select(Item).where(Item.id.in_(missing))):
            known[str(item.id)] = item


def analyse_pending(
    *,
    session: Session,
    worker: PatternWorker,
    policy: RoutingPolicy,
    limit: int,
    now: datetime | None = None,
    notifier: Notifier | None = None,
) -> Analysed:
    """Analyse up to `limit` items not analysed yet, oldest event time first."""
    now = now or utcnow()
    if session.scalar(select(Item.id).where(Item.analysed_at.is_(None)).limit(1)) is None:
        return Analysed(0, 0, 0, ())  # the common idle round writes nothing
    row = _lock_state(session, now)
    pending = list(
        session.scalars(
            select(Item)
            .where(Item.analysed_at.is_(None))
            .order_by(func.coalesce(Item.created_at, Item.received_at), Item.id)
            .limit(limit)
        )
    )
    if not pending:  # another process took them while this one waited for the lock
        return Analysed(0, 0, 0, ())
    themes = _assign_themes(session, worker, pending)
    changed: list[int] = []
    linked = 0
    if worker.encoders.detector is not None:
        detector = _detector(row, burst_config(policy), worker.encoders.detector_dim)
        _forget_closed(session, detector)
        _seed_new_themes(session, detector, themes)
        # History (import-history) gets its theme but is no burst: it must page nobody.
        live = [(i, t) for i, t in zip(pending, themes, strict=True) if not i.historical]
        decisions = _observe(
            detector,
            worker.encoders.detector,
            [item for item, _ in live],
            [theme for _, theme in live],
        )
        known = {str(item.id): item for item in pending}
        _items_named(session, decisions, known)
        changed = apply_decisions(
            session, policy=policy, decisions=decisions, items=known, now=now, notifier=notifier
        )
        linked = sum(isinstance(d, Link) for d in decisions) + sum(
            len(d.item_ids) for d in decisions if isinstance(d, Open)
        )
        row.state = json.dumps(to_state(detector), separators=(",", ":"))
    session.execute(_SET_ANALYSED, [{"item_id": item.id, "at": now} for item in pending])
    _record_themes(session, pending, themes, now)
    session.flush()
    return Analysed(
        items=len(pending),
        themed=sum(t is not None for t in themes),
        linked=linked,
        incidents=tuple(changed),
    )


def _record_themes(
    session: Session, items: Sequence[Item], themes: Sequence[int | None], now: datetime
) -> None:
    """Items that joined a theme get it, with a `theme_assigned` event by the model."""
    moves = {item.id: theme for item, theme in zip(items, themes, strict=True) if theme is not None}
    if not moves:
        return
    rows = session.execute(select(Theme.id, Theme.label).where(Theme.id.in_(set(moves.values()))))
    labels = {theme_id: label for theme_id, label in rows}
    move_items(session, moves, labels, actor=THEME_ACTOR, now=now, extra={"online": True})
