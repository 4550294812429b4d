"""The periodic re-fit: cluster the recent items again, keep old themes' ids and admins'
names, record what changed (created, relabelled, merged, split, retired) and move items.

The clustering, labels and id matching are `model.themes` (HDBSCAN, c-TF-IDF, Hungarian
matching); this module reads the items, stores the results and records them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.errors import ArtifactError
from core.settings import Settings
from model.embeddings import load_encoder
from model.themes import RefitMatch, ThemeFit, ThemeIndex, fit_themes, match_refit
from model.themes.fit import JOIN_THRESHOLD
from service.actors import Actor
from service.clock import utcnow
from service.enums import ActorType, EventKind, ThemeStatus
from service.errors import UnavailableError
from service.locks import Job, job_transaction
from service.tables import Event, Item, Theme
from service.themes.moves import move_items
from service.themes.store import (
    load_vectors,
    next_theme_id,
    pack_centroid,
    record_change,
    save_vectors,
    unpack_centroid,
)

Encode = Callable[[Sequence[str]], NDArray[np.float32]]
ADMIN_LABEL = "admin"
_CHUNK = 1000  # ids per IN list
KEYWORDS_LABEL = "keywords"


@dataclass(frozen=True, slots=True)
class RefitSummary:
    """What one re-fit did."""

    items: int  # items of the window that were clustered
    themes: int  # clusters the re-fit found (none: nothing was changed)
    created: tuple[int, ...]
    kept: tuple[int, ...]
    retired: tuple[int, ...]
    merged: tuple[int, ...]  # old themes merged into another
    splits: int
    relabelled: int
    moved: int  # items whose theme changed
    unthemed: int  # items of the window in no theme
    encoded: int = 0  # items of the window without a stored vector, encoded now

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "themes": self.themes,
            "created": list(self.created),
            "kept": list(self.kept),
            "retired": list(self.retired),
            "merged": list(self.merged),
            "splits": self.splits,
            "relabelled": self.relabelled,
            "moved": self.moved,
            "unthemed": self.unthemed,
            "encoded": self.encoded,
        }


def item_time() -> Any:
    """When an item happened: its author's `created_at` when given, else when it was received."""
    return func.coalesce(Item.created_at, Item.received_at)


def _window(
    session: Session, now: datetime, window_days: int, max_items: int
) -> list[tuple[int, str, int | None]]:
    """(id, text, theme id) of the newest `max_items` items of the last `window_days`."""
    when = item_time()
    rows = session.execute(
        select(Item.id, Item.text, Item.theme_id)
        .where(when >= now - timedelta(days=window_days), when <= now)
        .order_by(when.desc(), Item.id.desc())
        .limit(max_items)
    ).all()
    return [(int(i), str(t), None if th is None else int(th)) for i, t, th in rows]


def _placed_by_people(
    session: Session, window: Sequence[tuple[int, str, int | None]]
) -> dict[int, int]:
    """Items of the window that a person put in their current theme (an admin's merge or
    split: the item's latest `theme_assigned` event is by a human): item id -> theme id. A
    re-fit never moves them, so admins' merges and splits survive it."""
    current = {item_id: theme_id for item_id, _, theme_id in window if theme_id is not None}
    latest: dict[int, tuple[str, Any]] = {}
    ids = list(current)
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(Event.item_id, Event.actor_type, Event.data)
            .where(
                Event.item_id.in_(ids[start : start + _CHUNK]),
                Event.kind == EventKind.THEME_ASSIGNED.value,
            )
            .order_by(Event.id)
        )
        for item_id, actor_type, data in rows:
            latest[int(item_id)] = (str(actor_type), (data or {}).get("theme_id"))
    return {
        item_id: current[item_id]
        for item_id, (actor_type, theme_id) in latest.items()
        if actor_type == ActorType.HUMAN.value and theme_id == current[item_id]
    }


def _respect_people(
    match: RefitMatch, fit: ThemeFit, rows: Sequence[int], pinned: Mapping[int, int]
) -> tuple[list[int], set[int]]:
    """Each cluster's theme id once people's placements are honoured: a new cluster whose
    members are mostly items a person put in one theme is that theme (an admin's merge is
    not undone by a new theme of the merged items). Returns the ids and the clusters that
    only feed an existing theme (not stored as themes of their own)."""
    theme_ids = list(match.theme_ids)
    fresh = set(match.fresh)
    carried = {t for t in theme_ids if t not in fresh}
    folded: set[int] = set()
    for cluster, theme_id in enumerate(theme_ids):
        if theme_id not in fresh:
            continue
        members = [rows[int(r)] for r in np.flatnonzero(fit.clusters == cluster)]
        owners = Counter(pinned[i] for i in members if i in pinned)
        if owners:
            owner, count = owners.most_common(1)[0]
            if count * 2 > len(members):
                theme_ids[cluster] = owner
                if owner in carried:
                    folded.add(cluster)
                carried.add(owner)
    return theme_ids, folded


def _window_vectors(
    session: Session,
    encode: Encode,
    encoder_name: str | None,
    rows: Sequence[int],
    texts: Sequence[str],
) -> tuple[NDArray[np.float64], int]:
    """The window's embeddings, in its order: stored ones, the rest encoded (and stored);
    and how many were encoded."""
    found = load_vectors(session, encoder_name, rows) if encoder_name else {}
    missing = [row for row, item_id in enumerate(rows) if item_id not in found]
    if missing:
        fresh = np.asarray(encode([texts[row] for row in missing]), dtype=np.float32)
        encoded = {rows[row]: vector for row, vector in zip(missing, fresh, strict=True)}
        if encoder_name:
            save_vectors(session, encoder_name, encoded)
        found.update(encoded)
    return np.stack([found[item_id] for item_id in rows]).astype(np.float64), len(missing)


def _old_index(
    session: Session, members: dict[int, set[int]], vectors: NDArray[np.float64], rows: list[int]
) -> ThemeIndex:
    """The active themes before the re-fit, each with its stored centroid, or (a theme an
    admin split off has none yet) the mean of its members' embeddings in the window."""
    position = {item_id: row for row, item_id in enumerate(rows)}
    ids: list[int] = []
    centroids: list[NDArray[np.float64]] = []
    for theme_id, centroid in session.execute(
        select(Theme.id, Theme.centroid)
        .where(Theme.status == ThemeStatus.ACTIVE.value)
        .order_by(Theme.id)
    ).all():
        if centroid is not None:
            centroids.append(unpack_centroid(str(centroid)).astype(np.float64))
        elif members.get(theme_id):
            centroids.append(vectors[[position[i] for i in members[theme_id]]].mean(axis=0))
        else:
            continue  # neither centroid nor members: nothing to match it on
        ids.append(int(theme_id))
    dim = vectors.shape[1]
    matrix = np.stack(centroids) if centroids else np.zeros((0, dim))
    return ThemeIndex.build(ids, matrix, JOIN_THRESHOLD)


def _change(
    session: Session, theme_id: int, kind: str, actor: str, now: datetime, **data: Any
) -> None:
    """A step of a theme's history by the re-fit (a model actor)."""
    record_change(session, theme_id, kind, Actor(ActorType.MODEL, actor), now, **data)


def _store_themes(
    session: Session,
    fit: ThemeFit,
    theme_ids: Sequence[int],
    folded: set[int],
    rows: list[int],
    *,
    actor: str,
    now: datetime,
) -> tuple[dict[int, str], int]:
    """Write one Theme row per new cluster (not the `folded` ones, whose items join a theme
    another cluster carries); returns each theme's label and how many kept themes got a new
    keywords label."""
    labels: dict[int, str] = {}
    relabelled = 0
    for cluster, found in enumerate(fit.themes):
        if cluster in folded:
            continue
        theme_id = theme_ids[cluster]
        keywords = list(found.keywords)
        fields: dict[str, Any] = {
            "keywords": keywords,
            "centroid": pack_centroid(fit.centroids[cluster]),
            "size": found.size,
            "representative_item_ids": [rows[r] for r in found.representatives],
            "updated_at": now,
        }
        theme = session.get(Theme, theme_id)
        if theme is None:
            theme = Theme(
                id=theme_id,
                label=found.label,
                label_source=KEYWORDS_LABEL,
                status=ThemeStatus.ACTIVE.value,
                created_at=now,
                **fields,
            )
            session.add(theme)
            _change(session, theme_id, "created", actor, now, label=found.label, size=found.size)
        else:
            for name, value in fields.items():
                setattr(theme, name, value)
            # An admin's name survives every re-fit; a keywords label follows the keywords.
            if theme.label_source != ADMIN_LABEL and theme.label != found.label:
                _change(
                    session, theme_id, "relabelled", actor, now, old=theme.label, new=found.label
                )
                theme.label = found.label
                relabelled += 1
        labels[theme_id] = theme.label
    session.flush()  # new themes exist before items point at them
    return labels, relabelled


def _retire(
    session: Session, match: RefitMatch, keep: set[int], *, actor: str, now: datetime
) -> tuple[list[int], dict[int, int]]:
    """Old themes no cluster carries, unless in `keep`: merged when a merge took them, else
    retired. Returns the retired ids and source -> the theme it was merged into."""
    merged_into: dict[int, int] = {}
    gone = [old for old in match.retired if old not in keep]
    for merge in match.merges:
        for old in merge.old_theme_ids:
            if old != merge.into and old in gone:
                merged_into[old] = merge.into
        _change(session, merge.into, "merged", actor, now, sources=list(merge.old_theme_ids))
    for split in match.splits:
        _change(session, split.old_theme_id, "split", actor, now, into=list(split.into))
    retired: list[int] = []
    for old in gone:
        theme = session.get(Theme, old)
        if theme is None:
            continue
        theme.updated_at = now
        if old in merged_into:
            theme.status = ThemeStatus.MERGED.value
            theme.merged_into = merged_into[old]
            _change(session, old, "merged", actor, now, into=merged_into[old])
        else:
            theme.status = ThemeStatus.RETIRED.value
            retired.append(old)
            _change(session, old, "retired", actor, now)
    return retired, merged_into


def refit_themes(
    session: Session,
    *,
    encode: Encode,
    now: datetime,
    window_days: int,
    max_items: int,
    actor: str,
    encoder_name: str | None = None,
) -> RefitSummary:
    """Re-fit the themes on the newest `max_items` items of the last `window_days` (by
    `created_at`, else `received_at`), carrying old themes' ids over (`match_refit`).

    With `encoder_name`, items' stored vectors by that encoder are used (the pattern worker
    stores one per item) and only the others are encoded, then stored."""
    window = _window(session, now, window_days, max_items)
    if not window:
        return RefitSummary(0, 0, (), (), (), (), 0, 0, 0, 0)
    rows = [i for i, _, _ in window]
    texts = [t for _, t, _ in window]
    vectors, encoded = _window_vectors(session, encode, encoder_name, rows, texts)
    fit = fit_themes(texts, vectors)
    if not fit.themes:
        # Too few items, or none alike: a quiet window is no reason to retire every theme.
        return RefitSummary(len(window), 0, (), (), (), (), 0, 0, 0, len(window), encoded)
    members: dict[int, set[int]] = defaultdict(set)
    for item_id, _, theme_id in window:
        if theme_id is not None:
            members[theme_id].add(item_id)
    old = _old_index(session, members, vectors, rows)
    match = match_refit(
        old,
        {t: members.get(t, set()) for t in old.theme_ids},
        fit,
        fit.members(rows),
        next_id=next_theme_id(session),
    )
    pinned = _placed_by_people(session, window)
    theme_ids, folded = _respect_people(match, fit, rows, pinned)
    labels, relabelled = _store_themes(session, fit, theme_ids, folded, rows, actor=actor, now=now)
    # A theme that holds items a person put there stays active, whatever the clusters say.
    keep = set(pinned.values()) | set(theme_ids)
    retired, merged_into = _retire(session, match, keep, actor=actor, now=now)
    position = {item_id: row for row, item_id in enumerate(rows)}
    for theme_id in set(pinned.values()) - set(labels):
        theme = session.get(Theme, theme_id)
        if theme is None:
            continue
        labels[theme_id] = theme.label
        if theme.centroid is None:  # split off by an admin: online from now on
            placed = [position[i] for i, t in pinned.items() if t == theme_id]
            mean = vectors[placed].mean(axis=0)
            theme.centroid = pack_centroid(mean / max(float(np.linalg.norm(mean)), 1e-12))
            theme.updated_at = now

    model = Actor(ActorType.MODEL, actor)
    moves: dict[int, int | None] = {}
    for row, (item_id, _, theme_id) in enumerate(window):
        cluster = int(fit.clusters[row])
        new = theme_ids[cluster] if cluster >= 0 else None
        if new != theme_id and item_id not in pinned:
            moves[item_id] = new
    # Items older than the window that belonged to a merged theme follow it.
    in_window = set(rows)
    for source, into in merged_into.items():
        for (item_id,) in session.execute(select(Item.id).where(Item.theme_id == source)).all():
            if item_id not in in_window and item_id not in pinned:
                moves[int(item_id)] = into
    moved = move_items(session, moves, labels, actor=model, now=now, extra={"refit": True})
    return RefitSummary(
        items=len(window),
        themes=len(fit.themes),
        created=match.fresh,
        kept=match.kept,
        retired=tuple(retired),
        merged=tuple(sorted(merged_into)),
        splits=len(match.splits),
        relabelled=relabelled,
        moved=moved,
        unthemed=int((fit.clusters < 0).sum()),
        encoded=encoded,
    )


def theme_encoder(embeddings_dir: Path) -> Encode:
    """The sentence encoder themes are fitted in (all-MiniLM-L6-v2, `TRIAGE_EMBEDDINGS_DIR`);
    UnavailableError (503) when its weights are missing."""
    try:
        encoder = load_encoder(embeddings_dir)
    except ArtifactError as exc:
        raise UnavailableError(f"themes need the sentence encoder: {exc}") from exc
    return encoder.encode


def run_refit(factory: sessionmaker[Session], settings: Settings, *, actor: str) -> RefitSummary:
    """Re-fit now with the configured window and encoder, in one transaction that holds the
    re-fit lock (`Job.THEMES_REFIT`): one re-fit at a time across every process and host on
    the database (the scheduled ones, `triage themes refit`, the API's); another gets
    ConflictError at once instead of waiting minutes."""
    encode = theme_encoder(settings.embeddings_dir)
    with job_transaction(
        factory, Job.THEMES_REFIT, lock_folder=settings.cache_dir, wait=False
    ) as session:
        return refit_themes(
            session,
            encode=encode,
            now=utcnow(),
            window_days=settings.themes_window_days,
            max_items=settings.themes_max_items,
            actor=actor,
            encoder_name=settings.embeddings_dir.name,
        )
