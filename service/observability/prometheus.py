"""Prometheus metrics: what `GET /metrics` exposes, through prometheus-client's own registry
and text exposition.

Two kinds of figures:

- Counted as things happen, in each process: HTTP requests and their latency (by route
  template, method and status) and classify decisions. Under `triage serve --workers N` the
  workers write them to files in PROMETHEUS_MULTIPROC_DIR (set up by `service.server`) and a
  scrape adds up every worker's, through prometheus-client's multiprocess mode.
- Read from the database when scraped (a few indexed counts): the review queue, overdue
  items, the webhook outbox, the live audit precision; and the served model's and rules'
  versions as info metrics. They are the same whichever worker answers, so they need no
  multiprocess bookkeeping.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterable
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from service.access.keys import authorize
from service.clock import utcnow
from service.db import transaction
from service.deps import principal_for
from service.enums import UNACKNOWLEDGED_STATUSES, ItemStatus
from service.notifications.outbox import DeliveryStatus
from service.observability.context import note_key
from service.runtime import Runtime
from service.serving.audit import audit_section
from service.tables import Item, WebhookOutbox

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_TOKEN_NAME = "metrics-token"  # the `key` of a scrape with TRIAGE_METRICS_TOKEN

REQUESTS = Counter(
    "triage_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ("method", "route", "status"),
)
LATENCY = Histogram(
    "triage_http_request_duration_seconds",
    "Time from a request's arrival to its response's last byte, by method, route template "
    "and status code.",
    ("method", "route", "status"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DECISIONS = Counter(
    "triage_classify_decisions",
    "Newly classified items (duplicates left out), by decision and severity.",
    ("decision", "severity"),
)

_WAITING = sorted(s.value for s in UNACKNOWLEDGED_STATUSES)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    labels = (method, route, str(status))
    REQUESTS.labels(*labels).inc()
    LATENCY.labels(*labels).observe(seconds)


def count_decisions(items: Iterable[dict[str, Any]]) -> None:
    """Count new items (their public fields) by decision and severity."""
    for item in items:
        DECISIONS.labels(str(item["decision"]), str(item["severity"])).inc()


class _Counted(Collector):
    """This process's counted metrics, when not in multiprocess mode."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class StateCollector(Collector):
    """The figures read from the database and the runtime at each scrape."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterable[Metric]:
        yield from self._versions()
        up = GaugeMetricFamily(
            "triage_database_up", "1 when the scrape could read the database, else 0."
        )
        try:
            figures = list(self._from_database())
        except SQLAlchemyError as exc:  # a scrape still reports the counters
            log.warning("metrics: the database could not be read (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures

    def _versions(self) -> Iterable[Metric]:
        state = self.runtime.holder.state.describe()
        model = InfoMetricFamily("triage_model", "The model this process serves.")
        model.add_metric(
            [],
            {
                "version": state.model_version or "",
                "source": state.source,
                "registry_version": state.registry_version or "",
                "family": state.family or "",
                "loaded": str(state.loaded).lower(),
            },
        )
        rules = InfoMetricFamily("triage_rules", "The red-flag rules this process runs.")
        rules.add_metric([], {"version": state.rules_version})
        return [model, rules]

    def _from_database(self) -> Iterable[Metric]:
        now = utcnow()
        runtime = self.runtime
        with transaction(runtime.factory) as session:
            queue = session.scalar(
                select(func.count(Item.id)).where(Item.status == ItemStatus.NEEDS_REVIEW.value)
            )
            overdue = session.scalar(
                select(func.count(Item.id)).where(
                    Item.status.in_(_WAITING), Item.acknowledged_at.is_(None), Item.due_at < now
                )
            )
            outbox_rows = session.execute(
                select(WebhookOutbox.status, func.count(WebhookOutbox.id))
                .where(
                    WebhookOutbox.status.in_(
                        [DeliveryStatus.PENDING.value, DeliveryStatus.FAILED.value]
                    )
                )
                .group_by(WebhookOutbox.status)
            )
            outbox = {status: int(count) for status, count in outbox_rows}
            audit = audit_section(
                session, triager=runtime.holder.triager, settings=runtime.settings
            )
        yield _gauge("triage_review_queue_depth", "Items waiting in the review queue.", queue)
        yield _gauge(
            "triage_items_overdue",
            "Items not yet acknowledged whose due time has passed.",
            overdue,
        )
        yield _gauge(
            "triage_outbox_pending",
            "Webhook notifications waiting to be delivered (first try or retry).",
            outbox.get(DeliveryStatus.PENDING.value, 0),
        )
        yield _gauge(
            "triage_outbox_failed",
            "Webhook notifications that used up their attempts (redeliver them).",
            outbox.get(DeliveryStatus.FAILED.value, 0),
        )
        precision = GaugeMetricFamily(
            "triage_audit_precision",
            "Live precision of auto-applied labels of the served model, from reviewed audit "
            "samples (classes with at least one review).",
            labels=("head", "label"),
        )
        reviewed = GaugeMetricFamily(
            "triage_audit_reviewed",
            "Reviewed audit samples of the served model, by proposed class.",
            labels=("head", "label"),
        )
        for row in audit.classes:
            labels = [row.head.value, row.label]
            reviewed.add_metric(labels, row.reviewed)
            if row.precision is not None:
                precision.add_metric(labels, row.precision)
        yield precision
        yield reviewed


def _gauge(name: str, documentation: str, value: int | None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value or 0)


def multiprocess_mode() -> bool:
    return MULTIPROC_ENV in os.environ


def exposition(runtime: Runtime) -> bytes:
    """The scrape body in Prometheus' text format: the counted metrics (this process's, or
    every worker's in multiprocess mode) and the figures read now."""
    registry = CollectorRegistry()
    if multiprocess_mode():
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # registers itself
    else:
        registry.register(_Counted())
    registry.register(StateCollector(runtime))
    return generate_latest(registry)


async def check_scraper(runtime: Runtime, key: str | None) -> None:
    """Let a scrape through with TRIAGE_METRICS_TOKEN or an admin API key as its key;
    NotAuthenticatedError (401) without a valid one, ForbiddenError (403) for another role."""
    token = runtime.settings.metrics_token
    if (
        key is not None
        and token is not None
        and secrets.compare_digest(key.encode(), token.get_secret_value().encode())
    ):
        note_key(METRICS_TOKEN_NAME)
        return
    principal = await principal_for(runtime, key)
    note_key(principal.name)
    authorize(principal, "admin")
