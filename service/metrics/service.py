"""The managers' figures behind `GET /v1/metrics` (DOMAIN.md, "What managers measure").

Every figure covers the items whose `received_at` lies in `[received_from, received_to)`
(either end may be open; a naive bound is read as UTC). Every rate comes with the counts
behind it, and is `null` when its denominator is 0: "no data" is never reported as 0. Rates
and shares are fractions in [0, 1], durations are seconds, buckets are UTC calendar days or
ISO weeks (starting Monday).

Definitions:

- **Escalation response time**: seconds from detection (`received_at`) to owner
  acknowledgement (`acknowledged_at`; resolving a routed item also sets it). Over the
  acknowledged items: p50 and p90, by linear interpolation between closest ranks (numpy's
  default, Excel's PERCENTILE.INC). Counts: `items`, `acknowledged`, `waiting` (not
  acknowledged and still open: needs_review or routed), `closed_unacknowledged` (dismissed
  before anyone acknowledged it), `overdue_now` (waiting and past `due_at` at `generated_at`).
  Overall and by current severity.
- **Resolution completion rate**: over the items that needed owner action (current severity
  yellow or red, or escalated at least once): `resolved / (needing_action - dismissed)`, with
  the counts resolved, dismissed and open. Resolving requires the action taken and the internal
  change, so "resolved" means closed with documented action.
- **Repeat issue frequency**: item counts by current category, by source, and by (category,
  source); and the accounts with 2 or more items of the same category (account, category,
  count), most first.
- **Reputation risk trend**: per bucket of `received_at`: items, red items (current severity),
  red share. With both range ends given, buckets without items are filled with zeros (red
  share null), unless the range spans more than `MAX_FILLED_BUCKETS` buckets; otherwise only
  buckets with items are listed.
- **Model-reviewer agreement**: over the latest human review of each item, per model version
  and head, the share of reviews whose label equals the proposal; overall and per proposed
  class. Heads: `category` (the model's category), `severity` (the model's severity head,
  before the rules), `severity_with_rules` (the severity the reviewer was shown: the model's,
  raised to red by rule hits). Reviews without a proposal for a head do not count for it.
- **Rule family precision**: over the items whose latest prediction has red flags of family F
  (`items_flagged`) and that a human reviewed (`reviewed`, latest review):
  `precision = confirmed_red / reviewed`, where confirmed_red counts reviews whose severity
  is red. An item hit by two families counts for both; `any_family` counts each item once.

Everything is read with a few column-only queries and grouped in Python, so SQLite and
PostgreSQL give the same figures (no dialect-specific date functions).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from model.labels import FLAG_FAMILIES, SEVERITIES, Severity
from service.clock import as_utc
from service.enums import UNACKNOWLEDGED_STATUSES, EventKind, ItemStatus
from service.errors import UnprocessableError
from service.tables import Event, Item, Prediction, Review

MAX_FILLED_BUCKETS = 400
BUCKETS = {"day": timedelta(days=1), "week": timedelta(days=7)}
AGREEMENT_HEADS = ("category", "severity", "severity_with_rules")
NEEDS_ACTION = frozenset({Severity.YELLOW.value, Severity.RED.value})
WAITING = frozenset(s.value for s in UNACKNOWLEDGED_STATUSES)

DEFINITIONS = {
    "escalation_response_time": (
        "Seconds from detection (received_at) to owner acknowledgement (acknowledged_at), over "
        "acknowledged items; p50/p90 by linear interpolation. waiting: open and not yet "
        "acknowledged; closed_unacknowledged: dismissed before acknowledgement; overdue_now: "
        "waiting and past due_at at generated_at. By current severity."
    ),
    "resolution_completion": (
        "Items needing owner action (current severity yellow or red, or escalated at least "
        "once): rate = resolved / (needing_action - dismissed)."
    ),
    "repeat_issues": (
        "Item counts by current category, by source and by both; accounts with 2+ items of "
        "the same category. share = items / total items in range."
    ),
    "reputation_risk_trend": (
        "Per UTC day or ISO week (Monday) of received_at: items, red items (current severity), "
        "red_share = red / items."
    ),
    "model_agreement": (
        "Latest human review per item: share of reviews whose label equals the proposal, per "
        "model version and head, overall and per proposed class."
    ),
    "rule_precision": (
        "Items whose latest prediction has red flags of the family and that a human reviewed: "
        "precision = reviewed severity red / reviewed."
    ),
}

HEAD_DEFINITIONS = {
    "category": "the model's category",
    "severity": "the model's severity head, before the rules",
    "severity_with_rules": "the severity shown to the reviewer: the model's, raised by rule hits",
}


# ---- helpers --------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile (0..1) of `values` by linear interpolation between closest ranks
    (numpy's default method), None for no values."""
    return float(np.quantile(values, q)) if len(values) else None


def _ranged(query: Any, received_from: datetime | None, received_to: datetime | None) -> Any:
    """`query` (a select joining or reading `items`) limited to the range of received_at."""
    if received_from is not None:
        query = query.where(Item.received_at >= received_from)
    if received_to is not None:
        query = query.where(Item.received_at < received_to)
    return query


def _by_count(counter: Counter[Any]) -> list[tuple[Any, int]]:
    """Most first; ties by key, None last."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], _sort_key(kv[0])))


def _sort_key(key: Any) -> tuple[Any, ...]:
    parts = key if isinstance(key, tuple) else (key,)
    return tuple((part is None, part or "") for part in parts)


# ---- loading --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ItemRow:
    id: int
    received_at: datetime
    acknowledged_at: datetime | None
    due_at: datetime
    status: str
    severity: str | None
    category: str | None
    source: str | None
    account_id: str | None


@dataclass(frozen=True, slots=True)
class _ReviewRow:
    item_id: int
    category: str
    severity: str
    model_category: str | None
    shown_severity: str | None  # reviews.proposed_severity: the severity shown (with rules)
    model_severity: str | None  # predictions.model_severity: the model head alone
    model_version: str | None


@dataclass(frozen=True, slots=True)
class _Data:
    items: list[_ItemRow]
    escalated: set[int]
    reviews: dict[int, _ReviewRow]
    flag_families: dict[int, set[str]]


def _load(session: Session, rf: datetime | None, rt: datetime | None) -> _Data:
    items = [
        _ItemRow(
            id=row[0],
            received_at=row[1],
            acknowledged_at=row[2],
            due_at=row[3],
            status=row[4],
            severity=row[5],
            category=row[6],
            source=row[7],
            account_id=row[8],
        )
        for row in session.execute(
            _ranged(
                select(
                    Item.id,
                    Item.received_at,
                    Item.acknowledged_at,
                    Item.due_at,
                    Item.status,
                    Item.severity,
                    Item.category,
                    Item.source,
                    Item.account_id,
                ),
                rf,
                rt,
            )
        )
    ]
    escalated = set(
        session.scalars(
            _ranged(
                select(Event.item_id)
                .distinct()
                .join(Item, Item.id == Event.item_id)
                .where(Event.kind == EventKind.ESCALATED.value),
                rf,
                rt,
            )
        )
    )
    latest_review = _ranged(
        select(func.max(Review.id).label("id"))
        .join(Item, Item.id == Review.item_id)
        .group_by(Review.item_id),
        rf,
        rt,
    ).subquery()
    reviews = {
        row[0]: _ReviewRow(
            item_id=row[0],
            category=row[1],
            severity=row[2],
            model_category=row[3],
            shown_severity=row[4],
            model_severity=row[5],
            model_version=row[6],
        )
        for row in session.execute(
            select(
                Review.item_id,
                Review.category,
                Review.severity,
                Review.model_category,
                Review.proposed_severity,
                Prediction.model_severity,
                Review.model_version,
            )
            .join(latest_review, Review.id == latest_review.c.id)
            .outerjoin(Prediction, Prediction.id == Review.prediction_id)
        )
    }
    latest_prediction = _ranged(
        select(func.max(Prediction.id).label("id"))
        .join(Item, Item.id == Prediction.item_id)
        .group_by(Prediction.item_id),
        rf,
        rt,
    ).subquery()
    flag_families: dict[int, set[str]] = {}
    for item_id, red_flags in session.execute(
        select(Prediction.item_id, Prediction.red_flags).join(
            latest_prediction, Prediction.id == latest_prediction.c.id
        )
    ):
        families = {str(hit["family"]) for hit in red_flags or [] if hit.get("family")}
        if families:
            flag_families[item_id] = families
    return _Data(items, escalated, reviews, flag_families)


# ---- the figures ----------------------------------------------------------------------------


def _response_times(items: Sequence[_ItemRow], now: datetime) -> dict[str, Any]:
    acknowledged = [
        (i.acknowledged_at - i.received_at).total_seconds()
        for i in items
        if i.acknowledged_at is not None
    ]
    waiting = [i for i in items if i.acknowledged_at is None and i.status in WAITING]
    return {
        "items": len(items),
        "acknowledged": len(acknowledged),
        "waiting": len(waiting),
        "closed_unacknowledged": len(items) - len(acknowledged) - len(waiting),
        "overdue_now": sum(i.due_at < now for i in waiting),
        "p50_seconds": percentile(acknowledged, 0.5),
        "p90_seconds": percentile(acknowledged, 0.9),
    }


def _severity_keys(observed: Iterable[str | None]) -> list[str | None]:
    known = [s.value for s in SEVERITIES]
    seen = set(observed)
    extra = sorted(s for s in seen if s is not None and s not in known)
    return [*known, *extra, *([None] if None in seen else [])]


def _escalation_response_time(items: Sequence[_ItemRow], now: datetime) -> dict[str, Any]:
    by_severity: dict[str | None, list[_ItemRow]] = defaultdict(list)
    for item in items:
        by_severity[item.severity].append(item)
    return {
        "definition": DEFINITIONS["escalation_response_time"],
        "unit": "seconds",
        "percentile_method": "linear interpolation between closest ranks",
        "overall": _response_times(items, now),
        "by_severity": [
            {"severity": severity} | _response_times(by_severity.get(severity, []), now)
            for severity in _severity_keys(by_severity)
        ],
    }


def _resolution_completion(items: Sequence[_ItemRow], escalated: set[int]) -> dict[str, Any]:
    needing = [i for i in items if i.severity in NEEDS_ACTION or i.id in escalated]
    resolved = sum(i.status == ItemStatus.RESOLVED.value for i in needing)
    dismissed = sum(i.status == ItemStatus.DISMISSED.value for i in needing)
    return {
        "definition": DEFINITIONS["resolution_completion"],
        "unit": "fraction",
        "needing_action": len(needing),
        "escalated": sum(i.id in escalated for i in needing),
        "resolved": resolved,
        "dismissed": dismissed,
        "open": len(needing) - resolved - dismissed,
        "denominator": len(needing) - dismissed,
        "rate": _ratio(resolved, len(needing) - dismissed),
    }


def _repeat_issues(items: Sequence[_ItemRow]) -> dict[str, Any]:
    total = len(items)
    by_category = Counter(i.category for i in items)
    by_source = Counter(i.source for i in items)
    by_both = Counter((i.category, i.source) for i in items)
    by_account = Counter(
        (i.account_id, i.category)
        for i in items
        if i.account_id is not None and i.category is not None
    )
    return {
        "definition": DEFINITIONS["repeat_issues"],
        "unit": "items",
        "items": total,
        "by_category": [
            {"category": c, "items": n, "share": _ratio(n, total)}
            for c, n in _by_count(by_category)
        ],
        "by_source": [
            {"source": s, "items": n, "share": _ratio(n, total)} for s, n in _by_count(by_source)
        ],
        "by_category_source": [
            {"category": c, "source": s, "items": n, "share": _ratio(n, total)}
            for (c, s), n in _by_count(by_both)
        ],
        "repeat_accounts": [
            {"account_id": a, "category": c, "items": n}
            for (a, c), n in _by_count(by_account)
            if n >= 2
        ],
    }


def _bucket_start(moment: datetime, bucket: str) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday()) if bucket == "week" else day


def _bucket_label(start: date, bucket: str) -> str:
    if bucket == "day":
        return start.isoformat()
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


def _reputation_risk_trend(
    items: Sequence[_ItemRow], bucket: str, rf: datetime | None, rt: datetime | None
) -> dict[str, Any]:
    step = BUCKETS[bucket]
    totals: Counter[date] = Counter()
    reds: Counter[date] = Counter()
    for item in items:
        start = _bucket_start(item.received_at, bucket)
        totals[start] += 1
        reds[start] += item.severity == Severity.RED.value
    starts = set(totals)
    zero_filled = False
    if rf is not None and rt is not None and rf < rt:
        first = _bucket_start(rf, bucket)
        last = _bucket_start(rt - timedelta(microseconds=1), bucket)
        count = (last - first) // step + 1
        if count <= MAX_FILLED_BUCKETS:
            starts.update(first + n * step for n in range(count))
            zero_filled = True
    return {
        "definition": DEFINITIONS["reputation_risk_trend"],
        "unit": "items; red_share as a fraction",
        "bucket": bucket,
        "timezone": "UTC",
        "zero_filled": zero_filled,
        "buckets": [
            {
                "label": _bucket_label(start, bucket),
                "start": start.isoformat(),
                "end": (start + step).isoformat(),
                "items": totals[start],
                "red": reds[start],
                "red_share": _ratio(reds[start], totals[start]),
            }
            for start in sorted(starts)
        ],
    }


def _proposal(review: _ReviewRow, head: str) -> tuple[str | None, str]:
    """(what was proposed, what the reviewer decided) for one head."""
    if head == "category":
        return review.model_category, review.category
    if head == "severity":
        return review.model_severity, review.severity
    return review.shown_severity, review.severity


def _model_agreement(reviews: Iterable[_ReviewRow]) -> dict[str, Any]:
    by_version: dict[str | None, list[_ReviewRow]] = defaultdict(list)
    for review in reviews:
        by_version[review.model_version].append(review)
    rows = []
    for version in sorted(by_version, key=_sort_key):
        for head in AGREEMENT_HEADS:
            asked: Counter[str] = Counter()
            agreed: Counter[str] = Counter()
            for review in by_version[version]:
                proposed, decided = _proposal(review, head)
                if proposed is None:
                    continue
                asked[proposed] += 1
                agreed[proposed] += proposed == decided
            total, total_agreed = sum(asked.values()), sum(agreed.values())
            rows.append(
                {
                    "model_version": version,
                    "head": head,
                    "reviews": total,
                    "agreed": total_agreed,
                    "rate": _ratio(total_agreed, total),
                    "by_proposed_class": [
                        {
                            "proposed": label,
                            "reviews": n,
                            "agreed": agreed[label],
                            "rate": _ratio(agreed[label], n),
                        }
                        for label, n in sorted(asked.items())
                    ],
                }
            )
    return {
        "definition": DEFINITIONS["model_agreement"],
        "unit": "fraction of reviews",
        "heads": HEAD_DEFINITIONS,
        "reviewed_items": sum(len(v) for v in by_version.values()),
        "rows": rows,
    }


def _precision_row(item_ids: Iterable[int], reviews: dict[int, _ReviewRow]) -> dict[str, Any]:
    ids = list(item_ids)
    reviewed = [reviews[i] for i in ids if i in reviews]
    confirmed = sum(r.severity == Severity.RED.value for r in reviewed)
    return {
        "items_flagged": len(ids),
        "reviewed": len(reviewed),
        "confirmed_red": confirmed,
        "precision": _ratio(confirmed, len(reviewed)),
    }


def _rule_precision(
    flag_families: dict[int, set[str]], reviews: dict[int, _ReviewRow]
) -> dict[str, Any]:
    known = [f.value for f in FLAG_FAMILIES]
    observed = set().union(*flag_families.values()) if flag_families else set()
    families = [*known, *sorted(observed - set(known))]
    return {
        "definition": DEFINITIONS["rule_precision"],
        "unit": "fraction of reviewed flagged items",
        "families": [
            {"family": family}
            | _precision_row((i for i, fs in flag_families.items() if family in fs), reviews)
            for family in families
        ],
        "any_family": _precision_row(flag_families, reviews),
    }


def compute_metrics(
    *,
    session: Session,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    bucket: str = "day",
    now: datetime | None = None,
) -> dict[str, Any]:
    """All the managers' figures for the items received in [received_from, received_to)."""
    if bucket not in BUCKETS:
        raise UnprocessableError(f"bucket must be one of {', '.join(BUCKETS)}, not {bucket!r}")
    # Read back in UTC (tables.UTCDateTime); bounds given in another zone are moved to UTC
    # here, so the buckets below are UTC days and weeks.
    rf = as_utc(received_from) if received_from is not None else None
    rt = as_utc(received_to) if received_to is not None else None
    if rf is not None and rt is not None and rf >= rt:
        raise UnprocessableError("received_from must be before received_to")
    now = as_utc(now) if now is not None else datetime.now(UTC)
    data = _load(session, rf, rt)
    return {
        "generated_at": now.isoformat(),
        "range": {
            "field": "received_at",
            "received_from": _iso(rf),
            "received_to": _iso(rt),
            "bounds": "[received_from, received_to); null: open",
        },
        "items": len(data.items),
        "escalation_response_time": _escalation_response_time(data.items, now),
        "resolution_completion": _resolution_completion(data.items, data.escalated),
        "repeat_issues": _repeat_issues(data.items),
        "reputation_risk_trend": _reputation_risk_trend(data.items, bucket, rf, rt),
        "model_agreement": _model_agreement(data.reviews.values()),
        "rule_precision": _rule_precision(data.flag_families, data.reviews),
    }
