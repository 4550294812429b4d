"""Thresholds that make decisions (issue 19): each threshold of the routing policy
(service/routing/thresholds.py) is read from the managers' figures over its trailing window
and compared with its limit. A crossing raises one alert (a `metric_alerts` row and a
`metric_threshold` webhook through the outbox); the alert stays open, raising nothing more,
until the metric recovers, when it is cleared; a later crossing raises a new one.

The readings reuse `compute_metrics` (the figures of GET /v1/metrics) over
`[now - window, now)` of received_at:

- `red_share`: red items / items received (the risk trend's buckets added up);
- `response_p90_minutes`: p90 of time to acknowledge, over the acknowledged items, in minutes;
- `resolution_rate`: the resolution completion rate;
- `theme_growth`: per theme, items this window / items the window before (`repeat_by_theme`);
  a previous window with none counts as one item, so a new theme's growth is its count. The
  reading is the fastest-growing theme's, named in the alert's details.

A reading rests on fewer than `min_items` items is no reading: the threshold's state is left
as it is. Two processes evaluating at once raise one alert: the open alert of a threshold is
unique (a partial unique index) and raising is `INSERT ... ON CONFLICT DO NOTHING`, so the
second insert waits for the first and then inserts nothing, and sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.clock import as_utc
from service.db import transaction
from service.enums import NotificationKind
from service.metrics import schemas as out
from service.metrics.service import compute_metrics
from service.metrics.themes import repeat_by_theme
from service.notifications.webhooks import Notification, Notifier
from service.routing.thresholds import Threshold, ThresholdMetric
from service.tables import Item, MetricAlert

if TYPE_CHECKING:
    from service.runtime import Runtime

_ALERTS = cast(Table, MetricAlert.__table__)


@dataclass(frozen=True, slots=True)
class Reading:
    """A threshold's metric now: None when too few items lie behind it."""

    value: float | None
    details: dict[str, Any]


@dataclass
class ThresholdCheck:
    """What one evaluation found: each threshold's reading, and the alerts it raised and
    cleared (by threshold name)."""

    readings: dict[str, Reading] = field(default_factory=dict)
    raised: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    open: list[str] = field(default_factory=list)


class _Figures:
    """The managers' figures per window, computed once per window an evaluation needs."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self._cache: dict[float, out.ItemFigures] = {}

    def over(self, hours: float) -> out.ItemFigures:
        if hours not in self._cache:
            self._cache[hours] = compute_metrics(
                session=self.session,
                received_from=self.now - timedelta(hours=hours),
                received_to=self.now,
                now=self.now,
            )
        return self._cache[hours]

    def theme_counts(self, start: datetime, end: datetime) -> dict[int, tuple[str, int]]:
        """Theme id -> (label, items received in [start, end))."""
        rows = repeat_by_theme(
            self.session, [Item.received_at >= start, Item.received_at < end], total=0
        ).rows
        counts: dict[int, tuple[str, int]] = {}
        for row in rows:  # one row per (theme, source)
            _, before = counts.get(row.theme_id, (row.label, 0))
            counts[row.theme_id] = (row.label, before + row.items)
        return counts


def _enough(value: float | None, count: int, threshold: Threshold) -> float | None:
    return value if value is not None and count >= threshold.min_items else None


def read(threshold: Threshold, figures: _Figures) -> Reading:
    """The threshold's metric over its window ending now."""
    hours = threshold.window
    if threshold.metric is ThresholdMetric.THEME_GROWTH:
        return _theme_growth(threshold, figures)
    found = figures.over(hours)
    if threshold.metric is ThresholdMetric.RED_SHARE:
        items = sum(b.items for b in found.reputation_risk_trend.buckets)
        red = sum(b.red for b in found.reputation_risk_trend.buckets)
        share = red / items if items else None
        return Reading(_enough(share, items, threshold), {"items": items, "red": red})
    if threshold.metric is ThresholdMetric.RESPONSE_P90_MINUTES:
        overall = found.escalation_response_time.overall
        p90 = overall.p90_seconds / 60 if overall.p90_seconds is not None else None
        return Reading(
            _enough(p90, overall.acknowledged, threshold),
            {"acknowledged": overall.acknowledged, "waiting": overall.waiting},
        )
    completion = found.resolution_completion
    return Reading(
        _enough(completion.rate, completion.denominator, threshold),
        {"resolved": completion.resolved, "denominator": completion.denominator},
    )


def _theme_growth(threshold: Threshold, figures: _Figures) -> Reading:
    window = timedelta(hours=threshold.window)
    now = figures.now
    current = figures.theme_counts(now - window, now)
    previous = figures.theme_counts(now - 2 * window, now - window)
    best: tuple[float, int, int] | None = None  # (growth, items, theme id)
    for theme_id, (_, items) in current.items():
        if items < threshold.min_items:
            continue
        growth = items / max(previous.get(theme_id, ("", 0))[1], 1)
        if best is None or (growth, items, -theme_id) > (best[0], best[1], -best[2]):
            best = (growth, items, theme_id)
    if best is None:
        return Reading(None, {"themes": len(current)})
    growth, items, theme_id = best
    return Reading(
        growth,
        {
            "theme_id": theme_id,
            "label": current[theme_id][0],
            "items": items,
            "previous_items": previous.get(theme_id, ("", 0))[1],
        },
    )


def alert_public(alert: MetricAlert) -> out.AlertOut:
    return out.AlertOut(
        id=alert.id,
        threshold=alert.threshold,
        metric=alert.metric,
        comparison=alert.comparison,
        limit=alert.limit,
        window_hours=alert.window_hours,
        value=alert.value,
        details=alert.details,
        raised_at=alert.raised_at,
        last_value=alert.last_value,
        checked_at=alert.checked_at,
        cleared_at=alert.cleared_at,
        cleared_value=alert.cleared_value,
        open=alert.cleared_at is None,
    )


def _raise(session: Session, threshold: Threshold, reading: Reading, now: datetime) -> int | None:
    """Insert the threshold's open alert unless one exists (another process may be raising it
    this instant); its id, or None when it was there already."""
    assert reading.value is not None
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(_ALERTS)
        .values(
            threshold=threshold.name,
            metric=threshold.metric.value,
            comparison=threshold.comparison,
            limit=threshold.value,
            window_hours=threshold.window,
            value=reading.value,
            details=reading.details,
            raised_at=now,
            last_value=reading.value,
            checked_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=[_ALERTS.c.threshold], index_where=_ALERTS.c.cleared_at.is_(None)
        )
        .returning(_ALERTS.c.id)
    )
    raised: int | None = session.connection().execute(statement).scalar_one_or_none()
    return raised


def _notify(session: Session, notifier: Notifier | None, alert: MetricAlert) -> None:
    if notifier is None:
        return
    body = alert_public(alert).model_dump(mode="json")
    notifier.enqueue(
        session,
        [
            Notification(
                kind=NotificationKind.METRIC_THRESHOLD.value,
                item_id=None,
                event_id=None,
                item=None,
                event={"kind": NotificationKind.METRIC_THRESHOLD.value, **body},
            )
        ],
    )


def _settle(
    session: Session,
    threshold: Threshold,
    reading: Reading,
    check: ThresholdCheck,
    *,
    notifier: Notifier | None,
    now: datetime,
) -> None:
    """Raise, keep or clear the threshold's alert by its reading; note what happened."""
    connection = session.connection()
    is_open = (_ALERTS.c.threshold == threshold.name, _ALERTS.c.cleared_at.is_(None))
    if reading.value is None:  # no reading: neither raised nor cleared
        if connection.execute(select(_ALERTS.c.id).where(*is_open)).first() is not None:
            check.open.append(threshold.name)
        return
    if not threshold.crossed(reading.value):
        cleared = connection.execute(
            update(_ALERTS)
            .where(*is_open)
            .values(
                cleared_at=now,
                cleared_value=reading.value,
                last_value=reading.value,
                checked_at=now,
            )
        )
        if cleared.rowcount:
            check.cleared.append(threshold.name)
        return
    check.open.append(threshold.name)
    kept = connection.execute(
        update(_ALERTS).where(*is_open).values(last_value=reading.value, checked_at=now)
    )
    if kept.rowcount:  # raised before: once per crossing
        return
    raised = _raise(session, threshold, reading, now)
    if raised is not None:  # None: another process raised it this instant
        check.raised.append(threshold.name)
        alert = session.get(MetricAlert, raised)
        assert alert is not None
        _notify(session, notifier, alert)


def evaluate(
    session: Session,
    thresholds: Sequence[Threshold],
    *,
    notifier: Notifier | None,
    now: datetime | None = None,
) -> ThresholdCheck:
    """Read every threshold, raise the alerts of new crossings (with their webhooks), clear
    those whose metric recovered, and clear the open alerts of thresholds no longer in the
    policy. In the caller's transaction."""
    now = as_utc(now) if now is not None else datetime.now(UTC)
    figures = _Figures(session, now)
    check = ThresholdCheck()
    for threshold in thresholds:
        reading = read(threshold, figures)
        check.readings[threshold.name] = reading
        _settle(session, threshold, reading, check, notifier=notifier, now=now)
    names = [t.name for t in thresholds]
    gone = session.connection().execute(
        update(_ALERTS)
        .where(_ALERTS.c.cleared_at.is_(None), _ALERTS.c.threshold.not_in(names))
        .values(cleared_at=now, checked_at=now)
        .returning(_ALERTS.c.threshold)
    )
    check.cleared.extend(gone.scalars())
    return check


def check_thresholds(runtime: Runtime, *, now: datetime | None = None) -> ThresholdCheck:
    """One evaluation of the policy's thresholds in a transaction of its own (the service's
    loop and `triage thresholds check`); the webhooks of raised alerts are sent after it."""
    with transaction(runtime.factory) as session:
        check = evaluate(session, runtime.policy.thresholds, notifier=runtime.notifier, now=now)
    if check.raised:
        runtime.notifier.wake()
    return check


def list_alerts(session: Session, *, limit: int) -> out.AlertsOut:
    """Every open alert, and the `limit` most recent alerts, open or cleared."""
    open_alerts = session.scalars(
        select(MetricAlert)
        .where(MetricAlert.cleared_at.is_(None))
        .order_by(MetricAlert.raised_at.desc(), MetricAlert.id.desc())
    ).all()
    recent = session.scalars(
        select(MetricAlert)
        .order_by(MetricAlert.raised_at.desc(), MetricAlert.id.desc())
        .limit(limit)
    ).all()
    return out.AlertsOut(
        open=[alert_public(a) for a in open_alerts], recent=[alert_public(a) for a in recent]
    )
