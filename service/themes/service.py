"""Reading themes: the list and one theme with its figures (size, trend per day or week,
categories, severities, sources, accounts, owners, representative items) and history.

Every count dates an item by `created_at` when its author's time is known, else by when it was
received (`item_time`), so a replay of history counts like live traffic.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.clock import as_utc
from service.errors import UnprocessableError
from service.tables import Item, Theme, ThemeChange
from service.themes.edits import get_theme
from service.themes.refit import item_time
from service.themes.schemas import (
    RepresentativeItem,
    ThemeChangePublic,
    ThemeDetail,
    ThemePublic,
    TrendPoint,
)

# Periods of a trend, ending with the one holding `now`: 30 days or 12 weeks.
PERIODS = {"day": 30, "week": 12}
TOP_ACCOUNTS = 20  # the accounts that reported most; a theme may span thousands
TEXT_PREVIEW_CHARS = 500
UNKNOWN = "unknown"  # the key of items without a category, severity, source or owner


def period_start(day: date, period: str) -> date:
    """The first day of the period holding `day` (weeks start on Monday, as in the metrics)."""
    return day - timedelta(days=day.weekday()) if period == "week" else day


def trend_periods(now: datetime, period: str) -> list[date]:
    """The first days of the trend's periods, oldest first."""
    if period not in PERIODS:
        raise UnprocessableError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    step = timedelta(days=7 if period == "week" else 1)
    last = period_start(as_utc(now).date(), period)
    return [last - step * (PERIODS[period] - 1 - i) for i in range(PERIODS[period])]


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _breakdowns(session: Session, ids: Sequence[int]) -> dict[int, dict[str, dict[str, int]]]:
    """theme id -> {"categories": {...}, "severities": ..., "sources", "accounts", "owners"}."""
    found: dict[int, dict[str, dict[str, int]]] = {i: {} for i in ids}
    for name, column in (
        ("categories", Item.category),
        ("severities", Item.severity),
        ("sources", Item.source),
        ("accounts", Item.account_id),
        ("owners", Item.owner),
    ):
        counts: dict[int, Counter[str]] = defaultdict(Counter)
        rows = session.execute(
            select(Item.theme_id, column, func.count(Item.id))
            .where(Item.theme_id.in_(list(ids)))
            .group_by(Item.theme_id, column)
        ).all()
        for theme_id, value, count in rows:
            if theme_id is None or (value is None and name == "accounts"):
                continue  # items without an account name none
            counts[int(theme_id)][UNKNOWN if value is None else str(value)] += int(count)
        for theme_id in ids:
            ordered = sorted(counts[theme_id].items(), key=lambda kv: (-kv[1], kv[0]))
            if name == "accounts":
                ordered = ordered[:TOP_ACCOUNTS]
            found[theme_id][name] = dict(ordered)
    return found


def _trends(
    session: Session, ids: Sequence[int], periods: list[date], period: str, now: datetime
) -> dict[int, dict[date, int]]:
    when = item_time()
    counts: dict[int, dict[date, int]] = {i: dict.fromkeys(periods, 0) for i in ids}
    rows = session.execute(
        select(Item.theme_id, when).where(
            Item.theme_id.in_(list(ids)), when >= _midnight(periods[0]), when <= now
        )
    ).all()
    for theme_id, moment in rows:
        start = period_start(as_utc(moment).date(), period)
        if start in counts[int(theme_id)]:
            counts[int(theme_id)][start] += 1
    return counts


def _publics(
    session: Session, themes: Sequence[Theme], *, period: str, now: datetime
) -> list[dict[str, Any]]:
    """The public fields of `themes` (figures for all of them in a few queries)."""
    ids = [t.id for t in themes]
    if not ids:
        return []
    periods = trend_periods(now, period)
    sizes = {
        theme_id: int(count)
        for theme_id, count in session.execute(
            select(Item.theme_id, func.count(Item.id))
            .where(Item.theme_id.in_(ids))
            .group_by(Item.theme_id)
        )
    }
    breakdowns = _breakdowns(session, ids)
    trends = _trends(session, ids, periods, period, now)
    wanted = {i for t in themes for i in t.representative_item_ids}
    texts = {
        int(i): str(t)
        for i, t in session.execute(select(Item.id, Item.text).where(Item.id.in_(wanted)))
    }
    answers = []
    for theme in themes:
        trend = trends[theme.id]
        answers.append(
            {
                "id": theme.id,
                "label": theme.label,
                "label_source": theme.label_source,
                "keywords": list(theme.keywords),
                "status": theme.status,
                "merged_into": theme.merged_into,
                "size": int(sizes.get(theme.id, 0)),
                "recent": sum(trend.values()),
                "trend": [TrendPoint(period=p.isoformat(), count=n) for p, n in trend.items()],
                **breakdowns[theme.id],
                "representative_items": [
                    RepresentativeItem(id=i, text=texts[i][:TEXT_PREVIEW_CHARS])
                    for i in theme.representative_item_ids
                    if i in texts
                ],
                "created_at": theme.created_at,
                "updated_at": theme.updated_at,
                "version": theme.version,
            }
        )
    return answers


def list_themes(
    session: Session, *, status: str, period: str, limit: int, offset: int, now: datetime
) -> tuple[list[ThemePublic], int]:
    """Themes of one status, most items in the trend's periods first, one page; and how many
    have that status."""
    periods = trend_periods(now, period)
    when = item_time()
    recent = (
        select(Item.theme_id.label("theme_id"), func.count(Item.id).label("n"))
        .where(Item.theme_id.is_not(None), when >= _midnight(periods[0]), when <= now)
        .group_by(Item.theme_id)
        .subquery()
    )
    total = session.scalar(select(func.count(Theme.id)).where(Theme.status == status)) or 0
    themes = session.scalars(
        select(Theme)
        .outerjoin(recent, recent.c.theme_id == Theme.id)
        .where(Theme.status == status)
        .order_by(func.coalesce(recent.c.n, 0).desc(), Theme.size.desc(), Theme.id)
        .limit(limit)
        .offset(offset)
    ).all()
    publics = _publics(session, themes, period=period, now=now)
    return [ThemePublic.model_validate(p) for p in publics], int(total)


def theme_detail(session: Session, theme_id: int, *, period: str, now: datetime) -> ThemeDetail:
    """One theme with its figures and its history (oldest change first)."""
    theme = get_theme(session, theme_id)
    (public,) = _publics(session, [theme], period=period, now=now)
    changes = session.scalars(
        select(ThemeChange).where(ThemeChange.theme_id == theme_id).order_by(ThemeChange.id)
    ).all()
    history = [ThemeChangePublic.model_validate(c, from_attributes=True) for c in changes]
    return ThemeDetail.model_validate(public | {"history": history})
