"""Resolution that teaches (issue 19), the `resolution` section of `GET /v1/metrics`: time to
resolution next to time to acknowledge, by severity and by owner, and the root causes of the
resolved items by category and by theme.

Over the items whose `received_at` lies in `[received_from, received_to)`, like every other
figure (service/metrics/service.py). Time to acknowledge is the escalation response time of
that module: `acknowledged_at - received_at` over the acknowledged items. Time to resolution
is `closed_at - received_at` over the resolved items (dismissed ones are not resolutions).
Both by the item's current severity and current owner (after escalations); p50 and p90 by
the same interpolation (`percentile`), computed here from the two timestamps for the same
reason as there (SQLite's text timestamps give no exact difference in SQL).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from model.labels import SEVERITIES
from service.clock import as_utc
from service.enums import ItemStatus, Owner
from service.metrics import schemas as out
from service.metrics.service import percentile
from service.tables import Item, Theme

RESOLVED = ItemStatus.RESOLVED.value
DEFINITION = (
    "Items received in range. Time to acknowledge: acknowledged_at - received_at over "
    "acknowledged items; time to resolution: closed_at - received_at over resolved items; "
    "p50/p90 by linear interpolation, by current severity and current owner. Root causes: the "
    "resolved items that name one, by root cause, by (root cause, category) and by (root "
    "cause, theme); share = items / resolved items with a root cause."
)


class _Durations:
    """The items of one group and the seconds each took to be acknowledged and resolved."""

    def __init__(self) -> None:
        self.items = 0
        self.acknowledge: list[float] = []
        self.resolve: list[float] = []

    def figures(self) -> out.ResolutionTimes:
        return out.ResolutionTimes(
            items=self.items,
            acknowledged=len(self.acknowledge),
            acknowledge_p50_seconds=percentile(self.acknowledge, 0.5),
            acknowledge_p90_seconds=percentile(self.acknowledge, 0.9),
            resolved=len(self.resolve),
            resolution_p50_seconds=percentile(self.resolve, 0.5),
            resolution_p90_seconds=percentile(self.resolve, 0.9),
        )


def _in_range(rf: datetime | None, rt: datetime | None) -> list[ColumnElement[bool]]:
    bounds: list[ColumnElement[bool]] = []
    if rf is not None:
        bounds.append(Item.received_at >= as_utc(rf))
    if rt is not None:
        bounds.append(Item.received_at < as_utc(rt))
    return bounds


def _ordered(known: Sequence[str], observed: Iterable[str | None]) -> list[str | None]:
    """The known labels in their order, then any other observed ones, then None if seen."""
    seen = set(observed)
    extra = sorted(v for v in seen if v is not None and v not in known)
    return [*known, *extra, *([None] if None in seen else [])]


def _times(
    session: Session, in_range: list[ColumnElement[bool]]
) -> tuple[dict[str | None, _Durations], dict[str | None, _Durations], _Durations]:
    """(by severity, by owner, overall): item counts from one GROUP BY, durations from the
    rows of the items that were acknowledged or resolved."""
    by_severity: dict[str | None, _Durations] = defaultdict(_Durations)
    by_owner: dict[str | None, _Durations] = defaultdict(_Durations)
    overall = _Durations()
    counts = session.execute(
        select(Item.severity, Item.owner, func.count())
        .where(*in_range)
        .group_by(Item.severity, Item.owner)
    ).all()
    for severity, owner, n in counts:
        for group in (by_severity[severity], by_owner[owner], overall):
            group.items += int(n)
    rows = session.execute(
        select(Item.severity, Item.owner, Item.status, Item.received_at)
        .add_columns(Item.acknowledged_at, Item.closed_at)
        .where(
            or_(Item.acknowledged_at.is_not(None), Item.status == RESOLVED),
            Item.historical.is_(False),  # imported history was never handled here
            *in_range,
        )
    ).all()
    for severity, owner, status, received, acknowledged, closed in rows:
        for group in (by_severity[severity], by_owner[owner], overall):
            if acknowledged is not None:
                group.acknowledge.append((acknowledged - received).total_seconds())
            if status == RESOLVED and closed is not None:
                group.resolve.append((closed - received).total_seconds())
    return by_severity, by_owner, overall


def _root_causes(
    session: Session, in_range: list[ColumnElement[bool]]
) -> Counter[tuple[str, str | None, int | None, str | None]]:
    """Resolved items with a root cause, counted by (root cause, category, theme id, label)."""
    rows = session.execute(
        select(Item.root_cause, Item.category, Item.theme_id, Theme.label, func.count())
        .outerjoin(Theme, Theme.id == Item.theme_id)
        .where(Item.status == RESOLVED, Item.root_cause.is_not(None), *in_range)
        .group_by(Item.root_cause, Item.category, Item.theme_id, Theme.label)
    ).all()
    # Theme.label is NULL for the items in no theme (the outer join); root_cause never is here.
    return Counter(
        {
            (cause, category, theme, label): int(n)
            for cause, category, theme, label, n in rows
            if cause is not None
        }
    )


def resolution_figures(
    *,
    session: Session,
    received_from: datetime | None,
    received_to: datetime | None,
    taxonomy: Sequence[str],
) -> out.ResolutionFigures:
    """The `resolution` section for the items received in [received_from, received_to)
    (the caller has checked the range); `taxonomy` is the policy's root causes, listed
    with their counts even when 0."""
    in_range = _in_range(received_from, received_to)
    by_severity, by_owner, overall = _times(session, in_range)
    causes = _root_causes(session, in_range)
    total = causes.total()
    by_cause: Counter[str] = Counter()
    by_category: Counter[tuple[str, str | None]] = Counter()
    by_theme: Counter[tuple[str, int | None, str | None]] = Counter()
    for (cause, category, theme, label), n in causes.items():
        by_cause[cause] += n
        by_category[cause, category] += n
        by_theme[cause, theme, label] += n
    # The taxonomy's order, then causes no longer in it by name; the pairs most first.
    rank = {cause: i for i, cause in enumerate(taxonomy)}

    def cause_key(cause: str) -> tuple[int, str]:
        return rank.get(cause, len(rank)), cause

    return out.ResolutionFigures(
        definition=DEFINITION,
        unit="seconds; items",
        percentile_method="linear interpolation between closest ranks",
        overall=overall.figures(),
        by_severity=[
            out.SeverityResolutionTimes(
                severity=severity, **by_severity[severity].figures().model_dump()
            )
            for severity in _ordered([s.value for s in SEVERITIES], by_severity)
        ],
        by_owner=[
            out.OwnerResolutionTimes(owner=owner, **by_owner[owner].figures().model_dump())
            for owner in _ordered([o.value for o in Owner], by_owner)
            if owner is not None  # every item has an owner
        ],
        taxonomy=list(taxonomy),
        with_root_cause=total,
        by_root_cause=[
            out.RootCauseCount(
                root_cause=cause,
                items=by_cause[cause],
                share=by_cause[cause] / total if total else None,
            )
            for cause in sorted(set(taxonomy) | set(by_cause), key=cause_key)
        ],
        by_category=[
            out.RootCauseCategory(root_cause=cause, category=category, items=n)
            for (cause, category), n in sorted(
                by_category.items(),
                key=lambda kv: (-kv[1], cause_key(kv[0][0]), kv[0][1] is None, kv[0][1] or ""),
            )
        ],
        by_theme=[
            out.RootCauseTheme(root_cause=cause, theme_id=theme, label=label, items=n)
            for (cause, theme, label), n in sorted(
                by_theme.items(),
                key=lambda kv: (-kv[1], cause_key(kv[0][0]), kv[0][1] is None, kv[0][1] or 0),
            )
        ],
    )
