"""GET /v1/metrics on a varied, seeded database (SQLite and PostgreSQL), every figure compared
with the figures worked out here in plain Python from the seed itself.

The seed is random with a fixed seed: a few hundred items over four weeks, every status and
severity (and one severity, category and source nobody planned), items with no category, source
or account, acknowledgements after any number of microseconds, several predictions and reviews
per item (only the latest counts), reviews with and without a proposal or a linked prediction,
repeated escalations, red flags of known, unknown and no family. The ranges asked for cover open
ends, naive and offset bounds, mid-day bounds, an empty range and one too wide to fill.

The reference below follows the definitions in service/metrics/service.py's docstring, a few
lines per figure; it reads the seed, not the database.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert, text

from service.db import transaction
from service.metrics.service import DEFINITIONS, HEAD_DEFINITIONS, compute_metrics
from service.metrics.themes import DEFINITION as THEME_DEFINITION
from service.tables import Event, Item, Prediction, Review

START = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday
PAST, FUTURE = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
SEVERITIES = ["green", "yellow", "red", None, "amber"]  # amber: a severity nobody planned
CATEGORIES = ["complaint", "review", "service_issue", "question", None, "zzz_other"]
SOURCES = ["g2", "email", "trustpilot", "linkedin", None, "Zoom"]
ACCOUNTS = ["A", "B", "C", "D", None]
STATUSES = ["new", "needs_review", "routed", "acknowledged", "resolved", "dismissed"]
FAMILIES = ["legal", "security", "fraud", "safety", "privacy", "", None]  # privacy: unknown
VERSIONS = ["m-1", "m-2", None]
WAITING = {"needs_review", "routed"}


@dataclass(frozen=True)
class SeedReview:
    category: str
    severity: str
    model_category: str | None
    proposed_severity: str | None
    model_version: str | None
    prediction: int | None  # index into the item's predictions, or no linked prediction


@dataclass(frozen=True)
class SeedItem:
    id: int
    received_at: datetime
    status: str
    severity: str | None
    category: str | None
    source: str | None
    account_id: str | None
    acknowledged_at: datetime | None
    due_at: datetime
    escalations: int
    predictions: list[tuple[str | None, list[dict[str, Any]]]]  # (model severity, red flags)
    reviews: list[SeedReview]


def _seed_items(count: int = 260) -> list[SeedItem]:
    rng = random.Random(17)
    edges = [
        START + timedelta(days=7),  # exactly midnight of a Monday
        START + timedelta(days=7) - timedelta(microseconds=1),
        datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2024, 2, 20, 8, tzinfo=UTC),
    ]
    items = []
    for n in range(count):
        received = (
            edges[n]
            if n < len(edges)
            else START
            + timedelta(seconds=rng.randrange(28 * 86400), microseconds=rng.randrange(10**6))
        )
        acknowledged = (
            received
            + timedelta(seconds=rng.randrange(1, 200_000), microseconds=rng.randrange(10**6))
            if rng.random() < 0.55
            else None
        )
        predictions = [
            (
                rng.choice(SEVERITIES[:4]),
                [
                    {"family": family, "rule": "r"} if family is not None else {"rule": "r"}
                    for family in rng.sample(FAMILIES, rng.choice([0, 0, 1, 1, 2]))
                ],
            )
            for _ in range(rng.choice([1, 1, 2, 3]))
        ]
        reviews = [
            SeedReview(
                category=rng.choice(CATEGORIES[:4]),
                severity=rng.choice(SEVERITIES[:3]),
                model_category=rng.choice([*CATEGORIES[:4], None]),
                proposed_severity=rng.choice([*SEVERITIES[:3], None]),
                model_version=rng.choice(VERSIONS),
                prediction=rng.choice([None, *range(len(predictions))]),
            )
            for _ in range(rng.choice([0, 0, 1, 1, 2]))
        ]
        items.append(
            SeedItem(
                id=n + 1,
                received_at=received,
                status=rng.choice(STATUSES),
                severity=rng.choice(SEVERITIES),
                category=rng.choice(CATEGORIES),
                source=rng.choice(SOURCES),
                account_id=rng.choice(ACCOUNTS),
                acknowledged_at=acknowledged,
                due_at=rng.choice([PAST, FUTURE]),
                escalations=rng.choice([0, 0, 0, 1, 2]),
                predictions=predictions,
                reviews=reviews,
            )
        )
    return items


def _store(api: Any, items: list[SeedItem]) -> None:
    """Insert the seed. Prediction and review ids interleave across items (round r gives ids
    to every item's r-th row), so "latest" is the highest id, not the last inserted row."""
    base = {
        "text": "seeded",
        "decision": "needs_review",
        "owner": "support",
        "response_rule": "public_reply",
        "routing_rule": "seed",
        "policy_version": "seed",
        "rules_version": "seed",
    }
    item_rows = [
        base
        | {
            "id": i.id,
            "received_at": i.received_at,
            "status": i.status,
            "severity": i.severity,
            "category": i.category,
            "source": i.source,
            "account_id": i.account_id,
            "acknowledged_at": i.acknowledged_at,
            "due_at": i.due_at,
        }
        for i in items
    ]
    prediction_ids: dict[tuple[int, int], int] = {}
    prediction_rows, review_rows, event_rows = [], [], []
    for r in range(3):
        for i in items:
            if r < len(i.predictions):
                prediction_ids[i.id, r] = len(prediction_ids) + 1
                model_severity, red_flags = i.predictions[r]
                prediction_rows.append(
                    {
                        "id": prediction_ids[i.id, r],
                        "item_id": i.id,
                        "created_at": i.received_at,
                        "rules_version": "seed",
                        "decision": "needs_review",
                        "model_severity": model_severity,
                        "red_flags": red_flags,
                    }
                )
    for r in range(2):
        for i in items:
            if r < len(i.reviews):
                review = i.reviews[r]
                linked = (
                    None if review.prediction is None else prediction_ids[i.id, review.prediction]
                )
                review_rows.append(
                    {
                        "id": len(review_rows) + 1,
                        "item_id": i.id,
                        "prediction_id": linked,
                        "created_at": i.received_at,
                        "actor_type": "human",
                        "actor": "seed",
                        "action": "correct",
                        "category": review.category,
                        "severity": review.severity,
                        "model_category": review.model_category,
                        "proposed_severity": review.proposed_severity,
                        "model_version": review.model_version,
                    }
                )
    for i in items:
        kinds = ["classified", *["escalated"] * i.escalations, "acknowledged"]
        event_rows += [
            {
                "item_id": i.id,
                "created_at": i.received_at,
                "kind": k,
                "actor_type": "system",
                "actor": "seed",
            }
            for k in kinds
        ]
    with transaction(api.runtime.factory) as session:
        session.execute(insert(Item), item_rows)
        session.execute(insert(Prediction), prediction_rows)
        session.execute(insert(Review), review_rows)
        session.execute(insert(Event), event_rows)


# ---- the reference: the figures from the seed ----------------------------------------------


def _ratio(n: int, d: int) -> float | None:
    return n / d if d else None


def _ordered(counts: Counter[Any]) -> list[tuple[Any, int]]:
    """Most first, ties by key with None last."""

    def key(kv: tuple[Any, int]) -> tuple[Any, ...]:
        parts = kv[0] if isinstance(kv[0], tuple) else (kv[0],)
        return (-kv[1], *((p is None, p or "") for p in parts))

    return sorted(counts.items(), key=key)


def _times(items: list[SeedItem]) -> dict[str, Any]:
    seconds = [
        (i.acknowledged_at - i.received_at).total_seconds() for i in items if i.acknowledged_at
    ]
    waiting = [i for i in items if i.acknowledged_at is None and i.status in WAITING]
    return {
        "items": len(items),
        "acknowledged": len(seconds),
        "waiting": len(waiting),
        "closed_unacknowledged": len(items) - len(seconds) - len(waiting),
        "overdue_now": sum(i.due_at == PAST for i in waiting),
        "p50_seconds": float(np.quantile(seconds, 0.5)) if seconds else None,
        "p90_seconds": float(np.quantile(seconds, 0.9)) if seconds else None,
    }


def _trend(
    items: list[SeedItem], bucket: str, rf: datetime | None, rt: datetime | None
) -> dict[str, Any]:
    step = timedelta(days=7 if bucket == "week" else 1)

    def start_of(moment: datetime) -> date:
        day = moment.astimezone(UTC).date()
        return day - timedelta(days=day.weekday()) if bucket == "week" else day

    totals = Counter(start_of(i.received_at) for i in items)
    reds = Counter(start_of(i.received_at) for i in items if i.severity == "red")
    starts = set(totals)
    filled = False
    if rf is not None and rt is not None:
        first, last = start_of(rf), start_of(rt - timedelta(microseconds=1))
        if (last - first) // step + 1 <= 400:
            starts |= {first + n * step for n in range((last - first) // step + 1)}
            filled = True
    return {
        "definition": DEFINITIONS["reputation_risk_trend"],
        "unit": "items; red_share as a fraction",
        "bucket": bucket,
        "timezone": "UTC",
        "zero_filled": filled,
        "buckets": [
            {
                "label": s.isoformat()
                if bucket == "day"
                else f"{s.isocalendar()[0]}-W{s.isocalendar()[1]:02d}",
                "start": s.isoformat(),
                "end": (s + step).isoformat(),
                "items": totals[s],
                "red": reds[s],
                "red_share": _ratio(reds[s], totals[s]),
            }
            for s in sorted(starts)
        ],
    }


def _agreement(items: list[SeedItem]) -> dict[str, Any]:
    latest = {i.id: (i, i.reviews[-1]) for i in items if i.reviews}
    versions = sorted(
        {r.model_version for _, r in latest.values()}, key=lambda v: (v is None, v or "")
    )
    rows = []
    for version in versions:
        for head in ("category", "severity", "severity_with_rules"):
            pairs = []
            for item, r in latest.values():
                if r.model_version != version:
                    continue
                if head == "category":
                    pairs.append((r.model_category, r.category))
                elif head == "severity":
                    linked = None if r.prediction is None else item.predictions[r.prediction][0]
                    pairs.append((linked, r.severity))
                else:
                    pairs.append((r.proposed_severity, r.severity))
            asked = Counter(p for p, _ in pairs if p is not None)
            agreed = Counter(p for p, d in pairs if p is not None and p == d)
            rows.append(
                {
                    "model_version": version,
                    "head": head,
                    "reviews": asked.total(),
                    "agreed": agreed.total(),
                    "rate": _ratio(agreed.total(), asked.total()),
                    "by_proposed_class": [
                        {"proposed": p, "reviews": n, "agreed": agreed[p], "rate": agreed[p] / n}
                        for p, n in sorted(asked.items())
                    ],
                }
            )
    return {
        "definition": DEFINITIONS["model_agreement"],
        "unit": "fraction of reviews",
        "heads": HEAD_DEFINITIONS,
        "reviewed_items": len(latest),
        "rows": rows,
    }


def _precision(items: list[SeedItem]) -> dict[str, Any]:
    flagged = {
        i.id: {str(h["family"]) for h in i.predictions[-1][1] if h.get("family")} for i in items
    }
    flagged = {k: v for k, v in flagged.items() if v}
    verdict = {i.id: i.reviews[-1].severity for i in items if i.reviews}

    def row(ids: list[int]) -> dict[str, Any]:
        reviewed = [verdict[i] for i in ids if i in verdict]
        red = reviewed.count("red")
        return {
            "items_flagged": len(ids),
            "reviewed": len(reviewed),
            "confirmed_red": red,
            "precision": _ratio(red, len(reviewed)),
        }

    known = ["legal", "security", "fraud", "safety"]
    extra = sorted(set().union(*flagged.values()) - set(known))
    return {
        "definition": DEFINITIONS["rule_precision"],
        "unit": "fraction of reviewed flagged items",
        "families": [
            {"family": f} | row([i for i, fs in flagged.items() if f in fs]) for f in known + extra
        ],
        "any_family": row(list(flagged)),
    }


def expected(
    seed: list[SeedItem], rf: datetime | None, rt: datetime | None, bucket: str
) -> dict[str, Any]:
    items = [
        i
        for i in seed
        if (rf is None or i.received_at >= rf) and (rt is None or i.received_at < rt)
    ]
    by_severity: dict[str | None, list[SeedItem]] = defaultdict(list)
    for i in items:
        by_severity[i.severity].append(i)
    observed_extra = sorted(s for s in by_severity if s not in (None, "green", "yellow", "red"))
    severities = [
        "green",
        "yellow",
        "red",
        *observed_extra,
        *([None] if None in by_severity else []),
    ]
    needing = [i for i in items if i.severity in ("yellow", "red") or i.escalations]
    resolved = sum(i.status == "resolved" for i in needing)
    dismissed = sum(i.status == "dismissed" for i in needing)
    total = len(items)
    return {
        "range": {
            "field": "received_at",
            "received_from": rf.isoformat() if rf else None,
            "received_to": rt.isoformat() if rt else None,
            "bounds": "[received_from, received_to); null: open",
        },
        "items": total,
        "escalation_response_time": {
            "definition": DEFINITIONS["escalation_response_time"],
            "unit": "seconds",
            "percentile_method": "linear interpolation between closest ranks",
            "overall": _times(items),
            "by_severity": [{"severity": s} | _times(by_severity.get(s, [])) for s in severities],
        },
        "resolution_completion": {
            "definition": DEFINITIONS["resolution_completion"],
            "unit": "fraction",
            "needing_action": len(needing),
            "escalated": sum(i.escalations > 0 for i in needing),
            "resolved": resolved,
            "dismissed": dismissed,
            "open": len(needing) - resolved - dismissed,
            "denominator": len(needing) - dismissed,
            "rate": _ratio(resolved, len(needing) - dismissed),
        },
        "repeat_issues": {
            "definition": DEFINITIONS["repeat_issues"],
            "unit": "items",
            "items": total,
            "by_category": [
                {"category": c, "items": n, "share": n / total}
                for c, n in _ordered(Counter(i.category for i in items))
            ],
            "by_source": [
                {"source": s, "items": n, "share": n / total}
                for s, n in _ordered(Counter(i.source for i in items))
            ],
            "by_category_source": [
                {"category": c, "source": s, "items": n, "share": n / total}
                for (c, s), n in _ordered(Counter((i.category, i.source) for i in items))
            ],
            "repeat_accounts": [
                {"account_id": a, "category": c, "items": n}
                for (a, c), n in _ordered(
                    Counter(
                        (i.account_id, i.category) for i in items if i.account_id and i.category
                    )
                )
                if n >= 2
            ],
        },
        # The seed's items are in no theme (tests/service/themes/ checks this section's rows).
        "repeat_by_theme": {"definition": THEME_DEFINITION, "unit": "items", "rows": []},
        "reputation_risk_trend": _trend(items, bucket, rf, rt),
        "model_agreement": _agreement(items),
        "rule_precision": _precision(items),
    }


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


QUERIES: list[dict[str, str]] = [
    {},
    {"bucket": "week"},
    {"received_from": "2024-01-03T00:00:00Z", "received_to": "2024-01-17T00:00:00Z"},
    {
        "received_from": "2024-01-03T00:00:00Z",
        "received_to": "2024-01-17T00:00:00Z",
        "bucket": "week",
    },
    {"received_from": "2024-01-02T06:30:00", "received_to": "2024-01-09T12:00:00"},  # naive: UTC
    {
        "received_from": "2024-01-02T06:30:00",
        "received_to": "2024-01-24T12:00:00",
        "bucket": "week",
    },
    {"received_from": "2024-01-08T01:00:00+02:00", "received_to": "2024-01-15T00:00:00+05:00"},
    {"received_from": "2024-01-08T00:00:00Z"},  # the item received exactly then is in
    {"received_to": "2024-01-08T00:00:00Z", "bucket": "week"},  # ... and out here
    {"received_from": "2025-01-01T00:00:00Z", "received_to": "2025-01-03T00:00:00Z"},  # empty
    {"received_from": "2020-01-01T00:00:00Z", "received_to": "2024-01-20T00:00:00Z"},  # too wide
]


def test_every_figure_matches_the_seed(api: Any) -> None:
    seed = _seed_items()
    _store(api, seed)
    for params in QUERIES:
        response = api.get("/v1/metrics", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert PAST < datetime.fromisoformat(body.pop("generated_at")) < FUTURE
        body.pop("audit")
        body.pop("incidents")  # no incidents in the seed (tests/service/incidents/)
        body.pop("resolution")  # tests/service/items/test_resolution.py
        rf, rt = params.get("received_from"), params.get("received_to")
        want = expected(
            seed, _utc(rf) if rf else None, _utc(rt) if rt else None, params.get("bucket", "day")
        )
        # Exact equality, floats included: the same counts divided the same way.
        for section in want:
            assert body[section] == want[section], (params, section)
        assert set(body) == set(want)
        if not params:  # the seed reaches the corners the figures have
            severities = [r["severity"] for r in body["escalation_response_time"]["by_severity"]]
            assert severities == ["green", "yellow", "red", "amber", None]
            assert body["escalation_response_time"]["overall"]["overdue_now"] > 0
            families = [f["family"] for f in body["rule_precision"]["families"]]
            assert families == ["legal", "security", "fraud", "safety", "privacy"]
            assert body["repeat_issues"]["repeat_accounts"]
            versions = {r["model_version"] for r in body["model_agreement"]["rows"]}
            assert versions == {"m-1", "m-2", None}


def test_days_are_utc_days_whatever_the_session_time_zone(api: Any) -> None:
    """PostgreSQL buckets a timestamptz by the session's TimeZone unless told otherwise: with
    the session at UTC+14, the days and weeks must still be UTC's."""
    seed = _seed_items()
    _store(api, seed)
    rf, rt = datetime(2024, 1, 2, 6, tzinfo=UTC), datetime(2024, 1, 24, tzinfo=UTC)
    with transaction(api.runtime.factory) as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL TIME ZONE 'Pacific/Kiritimati'"))
        for bucket in ("day", "week"):
            body = compute_metrics(
                session=session, received_from=rf, received_to=rt, bucket=bucket, now=START
            )
            want = expected(seed, rf, rt, bucket)["reputation_risk_trend"]
            assert body.reputation_risk_trend.model_dump() == want
