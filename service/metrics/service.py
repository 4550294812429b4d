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
  count), most first; and by theme and source (`repeat_by_theme`, service/metrics/themes.py).
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

The database counts, with GROUP BY and conditional counts as sum(CASE ...): the items once, by
severity, category, source and UTC day (the groups every item figure adds up), the repeat
accounts, and the latest review (by max(id)) of each item by version, proposals and decision.
Python adds the groups up, orders them (in Python's order, not a database collation), divides,
fills empty buckets, folds days into weeks, takes the percentiles over the acknowledged items'
durations, and reads the families out of the JSON of the (few) flagged latest predictions. The
one expression that differs between SQLite and PostgreSQL, the UTC day, is `_Query.utc_day`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple, TypeVar, TypeVarTuple

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    Subquery,
    Text,
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from model.labels import FLAG_FAMILIES, SEVERITIES, Severity
from service.clock import as_utc
from service.enums import UNACKNOWLEDGED_STATUSES, EventKind, ItemStatus
from service.errors import UnprocessableError
from service.metrics import schemas as out
from service.metrics.themes import repeat_by_theme
from service.tables import Event, Item, Prediction, Review

MAX_FILLED_BUCKETS = 400
BUCKETS = {"day": timedelta(days=1), "week": timedelta(days=7)}
AGREEMENT_HEADS = ("category", "severity", "severity_with_rules")
NEEDS_ACTION = frozenset({Severity.YELLOW.value, Severity.RED.value})
WAITING = frozenset(s.value for s in UNACKNOWLEDGED_STATUSES)
RED = Severity.RED.value

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

K = TypeVar("K", bound=Hashable)
Ts = TypeVarTuple("Ts")
_SortKey = tuple[tuple[bool, str], ...]  # None last


# ---- helpers --------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile (0..1) of `values` by linear interpolation between closest ranks
    (numpy's default method), None for no values."""
    return float(np.quantile(values, q)) if len(values) else None


def _none_last(*parts: str | None) -> _SortKey:
    return tuple((part is None, part or "") for part in parts)


def _by_count(counts: Counter[K], key: Callable[[K], _SortKey]) -> list[tuple[K, int]]:
    """Most first; ties by `key` (which puts None last). Sorted here, not in SQL: the
    databases' collations order text differently from Python and from each other."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], key(kv[0])))


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows of the group meet `condition` (NULL counts as not)."""
    return func.sum(case((condition, 1), else_=0))


class _Query:
    """The queries of one call: the range of received_at, the clock and the dialect."""

    def __init__(
        self, session: Session, rf: datetime | None, rt: datetime | None, now: datetime
    ) -> None:
        self.session, self.now = session, now
        self.in_range: list[ColumnElement[bool]] = []
        if rf is not None:
            self.in_range.append(Item.received_at >= rf)
        if rt is not None:
            self.in_range.append(Item.received_at < rt)
        self.dialect = session.get_bind().dialect.name

    def utc_day(self) -> ColumnElement[date]:
        """The UTC calendar day of received_at, in SQL. SQLite stores UTC text
        (tables.UTCDateTime), so date() of it; PostgreSQL a timestamptz, so the day in UTC
        whatever the session's TimeZone. 'UTC' is inlined: a bound parameter would make the
        GROUP BY expression differ from the selected one ($1 vs $2) on PostgreSQL."""
        if self.dialect == "sqlite":
            return func.date(Item.received_at, type_=Date)
        return cast(func.timezone(literal_column("'UTC'"), Item.received_at), Date)

    def latest(self, table: type[Review] | type[Prediction]) -> Subquery:
        """(item_id, id) of the latest row of `table` for each item in range."""
        return (
            select(table.item_id, func.max(table.id).label("id"))
            .join(Item, Item.id == table.item_id)
            .where(*self.in_range)
            .group_by(table.item_id)
            .subquery()
        )

    def rows(self, query: Select[*Ts]) -> Sequence[Row[*Ts]]:
        return self.session.execute(query).all()


# ---- the queries, one typed row per group ---------------------------------------------------


class _ItemGroup(NamedTuple):
    """Items in range with the same current severity, category, source and UTC day of
    received_at, and the conditional counts the figures add up."""

    severity: str | None
    category: str | None
    source: str | None
    day: date
    items: int
    acknowledged: int
    waiting: int
    overdue: int
    needing: int  # needing owner action: yellow or red, or escalated
    escalated: int  # of those needing action
    resolved: int  # of those needing action
    dismissed: int  # of those needing action


def _item_groups(q: _Query) -> list[_ItemGroup]:
    """One pass over the items in range. The groups are bounded by the labels multiplied by
    the days, not by the items; every figure of the items is a sum over them."""
    escalated = Item.id.in_(select(Event.item_id).where(Event.kind == EventKind.ESCALATED.value))
    needing = or_(Item.severity.in_(sorted(NEEDS_ACTION)), escalated)
    waiting = and_(Item.acknowledged_at.is_(None), Item.status.in_(sorted(WAITING)))
    day = q.utc_day()
    query = (
        select(
            Item.severity,
            Item.category,
            Item.source,
            day,
            func.count(),
            func.count(Item.acknowledged_at),
            _count_if(waiting),
            _count_if(and_(waiting, Item.due_at < q.now)),
            _count_if(needing),
            _count_if(and_(needing, escalated)),
            _count_if(and_(needing, Item.status == ItemStatus.RESOLVED.value)),
            _count_if(and_(needing, Item.status == ItemStatus.DISMISSED.value)),
        )
        .where(*q.in_range)
        .group_by(Item.severity, Item.category, Item.source, day)
    )
    return [_ItemGroup(*row[:4], *(int(n) for n in row[4:])) for row in q.rows(query)]


def _durations(q: _Query) -> dict[str | None, list[float]]:
    """Seconds to acknowledgement of each acknowledged item, by severity. Percentiles are
    taken by numpy on both databases, over these: SQLite has no percentile function, and
    percentile_cont on PostgreSQL interpolates the same way but need not round the same to
    the last bit. The durations themselves are computed here, not in SQL, because SQLite's
    text timestamps give no exact difference (julianday() is a double, ~50 µs off), so only
    the two timestamps of the acknowledged items are read."""
    query = select(Item.severity, Item.received_at, Item.acknowledged_at).where(
        Item.acknowledged_at.is_not(None), *q.in_range
    )
    found: dict[str | None, list[float]] = defaultdict(list)
    for severity, received, acknowledged in q.rows(query):
        if acknowledged is not None:  # always, by the WHERE; narrows the type
            found[severity].append((acknowledged - received).total_seconds())
    return found


def _repeat_accounts(q: _Query) -> Counter[tuple[str, str]]:
    query = (
        select(Item.account_id, Item.category, func.count())
        .where(Item.account_id.is_not(None), Item.category.is_not(None), *q.in_range)
        .group_by(Item.account_id, Item.category)
        .having(func.count() >= 2)
    )
    # NULLs are excluded by the WHERE; the test narrows the types.
    return Counter({(a, c): n for a, c, n in q.rows(query) if a is not None and c is not None})


class _ReviewGroup(NamedTuple):
    """Latest reviews with the same model version, proposals and decision."""

    model_version: str | None
    model_category: str | None
    model_severity: str | None  # predictions.model_severity: the model head alone
    shown_severity: str | None  # reviews.proposed_severity: raised by the rules
    category: str
    severity: str
    reviews: int

    def proposal(self, head: str) -> tuple[str | None, str]:
        """(what was proposed, what the reviewer decided) for one head."""
        if head == "category":
            return self.model_category, self.category
        if head == "severity":
            return self.model_severity, self.severity
        return self.shown_severity, self.severity


def _review_groups(q: _Query) -> list[_ReviewGroup]:
    """The latest review of each item in range, counted by version, proposals and decision:
    at most a few thousand groups (the label vocabularies multiplied), whatever the rows."""
    latest = q.latest(Review)
    query = (
        select(
            Review.model_version,
            Review.model_category,
            Prediction.model_severity,
            Review.proposed_severity,
            Review.category,
            Review.severity,
            func.count(),
        )
        .join(latest, Review.id == latest.c.id)
        .outerjoin(Prediction, Prediction.id == Review.prediction_id)
        .group_by(
            Review.model_version,
            Review.model_category,
            Prediction.model_severity,
            Review.proposed_severity,
            Review.category,
            Review.severity,
        )
    )
    return [_ReviewGroup(*row) for row in q.rows(query)]


def _flagged_items(q: _Query) -> dict[int, tuple[set[str], str | None]]:
    """Item id -> (red-flag families of its latest prediction, its latest review's severity
    or None), for the items with at least one family. SQL drops the predictions whose red
    flags are the empty list, most of them (compared as text: PostgreSQL's json has no '=';
    another spelling of an empty list would only cost a row). The families are read here,
    from the JSON of the rest, the same way on both databases."""
    latest, latest_review = q.latest(Prediction), q.latest(Review)
    query = (
        select(Prediction.item_id, Prediction.red_flags, Review.severity)
        .join(latest, Prediction.id == latest.c.id)
        .outerjoin(latest_review, latest_review.c.item_id == Prediction.item_id)
        .outerjoin(Review, Review.id == latest_review.c.id)
        .where(cast(Prediction.red_flags, Text) != "[]")
    )
    flagged: dict[int, tuple[set[str], str | None]] = {}
    for item_id, red_flags, reviewed in q.rows(query):
        families = {str(hit["family"]) for hit in red_flags or [] if hit.get("family")}
        if families:
            flagged[item_id] = (families, reviewed)
    return flagged


# ---- the figures ----------------------------------------------------------------------------


def _response_times(rows: Sequence[_ItemGroup], durations: list[float]) -> out.ResponseTimes:
    items = sum(r.items for r in rows)
    acknowledged = sum(r.acknowledged for r in rows)
    waiting = sum(r.waiting for r in rows)
    return out.ResponseTimes(
        items=items,
        acknowledged=acknowledged,
        waiting=waiting,
        closed_unacknowledged=items - acknowledged - waiting,
        overdue_now=sum(r.overdue for r in rows),
        p50_seconds=percentile(durations, 0.5),
        p90_seconds=percentile(durations, 0.9),
    )


def _severity_keys(observed: Iterable[str | None]) -> list[str | None]:
    known = [s.value for s in SEVERITIES]
    seen = set(observed)
    extra = sorted(s for s in seen if s is not None and s not in known)
    return [*known, *extra, *([None] if None in seen else [])]


def _escalation_response_time(
    rows: Sequence[_ItemGroup], durations: dict[str | None, list[float]]
) -> out.EscalationResponseTime:
    by_severity: dict[str | None, list[_ItemGroup]] = defaultdict(list)
    for group in rows:
        by_severity[group.severity].append(group)
    return out.EscalationResponseTime(
        definition=DEFINITIONS["escalation_response_time"],
        unit="seconds",
        percentile_method="linear interpolation between closest ranks",
        overall=_response_times(rows, [d for ds in durations.values() for d in ds]),
        by_severity=[
            out.SeverityResponseTimes(
                severity=severity,
                **_response_times(
                    by_severity.get(severity, []), durations.get(severity, [])
                ).model_dump(),
            )
            for severity in _severity_keys(by_severity)
        ],
    )


def _resolution_completion(rows: Sequence[_ItemGroup]) -> out.ResolutionCompletion:
    needing = sum(r.needing for r in rows)
    resolved = sum(r.resolved for r in rows)
    dismissed = sum(r.dismissed for r in rows)
    return out.ResolutionCompletion(
        definition=DEFINITIONS["resolution_completion"],
        unit="fraction",
        needing_action=needing,
        escalated=sum(r.escalated for r in rows),
        resolved=resolved,
        dismissed=dismissed,
        open=needing - resolved - dismissed,
        denominator=needing - dismissed,
        rate=_ratio(resolved, needing - dismissed),
    )


def _repeat_issues(
    groups: Sequence[_ItemGroup], by_account: Counter[tuple[str, str]]
) -> out.RepeatIssues:
    by_both: Counter[tuple[str | None, str | None]] = Counter()
    by_category: Counter[str | None] = Counter()
    by_source: Counter[str | None] = Counter()
    for g in groups:
        by_both[g.category, g.source] += g.items
        by_category[g.category] += g.items
        by_source[g.source] += g.items
    total = by_both.total()
    return out.RepeatIssues(
        definition=DEFINITIONS["repeat_issues"],
        unit="items",
        items=total,
        by_category=[
            out.CategoryCount(category=c, items=n, share=_ratio(n, total))
            for c, n in _by_count(by_category, _none_last)
        ],
        by_source=[
            out.SourceCount(source=s, items=n, share=_ratio(n, total))
            for s, n in _by_count(by_source, _none_last)
        ],
        by_category_source=[
            out.CategorySourceCount(category=c, source=s, items=n, share=_ratio(n, total))
            for (c, s), n in _by_count(by_both, lambda key: _none_last(*key))
        ],
        repeat_accounts=[
            out.RepeatAccount(account_id=a, category=c, items=n)
            for (a, c), n in _by_count(by_account, lambda key: _none_last(*key))
        ],
    )


def _bucket_start(day: date, bucket: str) -> date:
    return day - timedelta(days=day.weekday()) if bucket == "week" else day


def _bucket_label(start: date, bucket: str) -> str:
    if bucket == "day":
        return start.isoformat()
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


def _reputation_risk_trend(
    groups: Sequence[_ItemGroup], bucket: str, rf: datetime | None, rt: datetime | None
) -> out.ReputationRiskTrend:
    step = BUCKETS[bucket]
    totals: Counter[date] = Counter()
    reds: Counter[date] = Counter()
    for g in groups:
        totals[_bucket_start(g.day, bucket)] += g.items
        reds[_bucket_start(g.day, bucket)] += g.items if g.severity == RED else 0
    starts = set(totals)
    zero_filled = False
    if rf is not None and rt is not None and rf < rt:
        first = _bucket_start(rf.date(), bucket)
        last = _bucket_start((rt - timedelta(microseconds=1)).date(), bucket)
        count = (last - first) // step + 1
        if count <= MAX_FILLED_BUCKETS:
            starts.update(first + n * step for n in range(count))
            zero_filled = True
    return out.ReputationRiskTrend(
        definition=DEFINITIONS["reputation_risk_trend"],
        unit="items; red_share as a fraction",
        bucket=bucket,
        timezone="UTC",
        zero_filled=zero_filled,
        buckets=[
            out.RiskBucket(
                label=_bucket_label(start, bucket),
                start=start.isoformat(),
                end=(start + step).isoformat(),
                items=totals[start],
                red=reds[start],
                red_share=_ratio(reds[start], totals[start]),
            )
            for start in sorted(starts)
        ],
    )


def _model_agreement(groups: Sequence[_ReviewGroup]) -> out.ModelAgreement:
    rows = []
    for version in sorted({g.model_version for g in groups}, key=_none_last):
        for head in AGREEMENT_HEADS:
            asked: Counter[str] = Counter()
            agreed: Counter[str] = Counter()
            for group in groups:
                proposed, decided = group.proposal(head)
                if group.model_version != version or proposed is None:
                    continue
                asked[proposed] += group.reviews
                agreed[proposed] += group.reviews if proposed == decided else 0
            rows.append(
                out.AgreementRow(
                    model_version=version,
                    head=head,
                    reviews=asked.total(),
                    agreed=agreed.total(),
                    rate=_ratio(agreed.total(), asked.total()),
                    by_proposed_class=[
                        out.ClassAgreement(
                            proposed=label, reviews=n, agreed=agreed[label], rate=agreed[label] / n
                        )
                        for label, n in sorted(asked.items())
                    ],
                )
            )
    return out.ModelAgreement(
        definition=DEFINITIONS["model_agreement"],
        unit="fraction of reviews",
        heads=HEAD_DEFINITIONS,
        reviewed_items=sum(g.reviews for g in groups),
        rows=rows,
    )


def _precision_row(verdicts: list[str | None]) -> out.PrecisionRow:
    """Figures over flagged items given each one's latest review severity (None: unreviewed)."""
    reviewed = [v for v in verdicts if v is not None]
    confirmed = reviewed.count(RED)
    return out.PrecisionRow(
        items_flagged=len(verdicts),
        reviewed=len(reviewed),
        confirmed_red=confirmed,
        precision=_ratio(confirmed, len(reviewed)),
    )


def _rule_precision(flagged: dict[int, tuple[set[str], str | None]]) -> out.RulePrecision:
    known = [f.value for f in FLAG_FAMILIES]
    observed = set().union(*(families for families, _ in flagged.values()))
    return out.RulePrecision(
        definition=DEFINITIONS["rule_precision"],
        unit="fraction of reviewed flagged items",
        families=[
            out.FamilyPrecision(
                family=family,
                **_precision_row([v for fs, v in flagged.values() if family in fs]).model_dump(),
            )
            for family in [*known, *sorted(observed - set(known))]
        ],
        any_family=_precision_row([v for _, v in flagged.values()]),
    )


def compute_metrics(
    *,
    session: Session,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    bucket: str = "day",
    now: datetime | None = None,
) -> out.ItemFigures:
    """All the managers' figures for the items received in [received_from, received_to):
    `MetricsOut` without its `audit` section (the callers add it)."""
    if bucket not in BUCKETS:
        raise UnprocessableError(f"bucket must be one of {', '.join(BUCKETS)}, not {bucket!r}")
    # Read back in UTC (tables.UTCDateTime); bounds given in another zone are moved to UTC
    # here, so the buckets below are UTC days and weeks.
    rf = as_utc(received_from) if received_from is not None else None
    rt = as_utc(received_to) if received_to is not None else None
    if rf is not None and rt is not None and rf >= rt:
        raise UnprocessableError("received_from must be before received_to")
    now = as_utc(now) if now is not None else datetime.now(UTC)
    q = _Query(session, rf, rt, now)
    groups = _item_groups(q)
    return out.ItemFigures(
        generated_at=now.isoformat(),
        range=out.MetricsRange(
            field="received_at",
            received_from=_iso(rf),
            received_to=_iso(rt),
            bounds="[received_from, received_to); null: open",
        ),
        items=sum(g.items for g in groups),
        escalation_response_time=_escalation_response_time(groups, _durations(q)),
        resolution_completion=_resolution_completion(groups),
        repeat_issues=_repeat_issues(groups, _repeat_accounts(q)),
        repeat_by_theme=repeat_by_theme(session, q.in_range, sum(g.items for g in groups)),
        reputation_risk_trend=_reputation_risk_trend(groups, bucket, rf, rt),
        model_agreement=_model_agreement(_review_groups(q)),
        rule_precision=_rule_precision(_flagged_items(q)),
    )
