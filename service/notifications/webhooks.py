"""Webhook notifications for red items and escalations: JSON bodies signed with HMAC-SHA256,
sent from the outbox (service/notifications/outbox.py) by a background sender in every
service process.

Receivers verify `X-Triage-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body under
the shared secret (`TRIAGE_WEBHOOK_SECRET`). Delivery is at least once: every attempt of one
notification carries the same `delivery_id` (body and `X-Triage-Delivery`), so a receiver
drops repeats by it; `sent_at` is the attempt's own time, so a receiver can refuse old replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from service.db import transaction
from service.notifications import outbox
from service.notifications.outbox import Claimed, DeliveryStatus

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Triage-Signature"
# A claim outlives the slowest attempt: httpx's timeout applies to each of connect, write and
# read, so one POST can take a few timeouts. A claim that ran out (its sender died) is taken
# over by another sender, which may send the notification a second time (at least once).
LEASE_TIMEOUTS = 4
LEASE_MARGIN_SECONDS = 30.0


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    """True when `signature` (the header's value) signs `body` under `secret`."""
    given = signature.encode("utf-8", "surrogateescape")  # any header value, never an error
    return hmac.compare_digest(sign(body, secret).encode("ascii"), given)


def post(
    claimed: Claimed, *, url: str, secret: str, timeout_seconds: float
) -> tuple[int | None, str | None]:
    """POST one attempt of `claimed`, signed; its HTTP status (if any) and the error (None
    when the receiver answered 2xx)."""
    body = json.dumps(
        {
            "delivery_id": claimed.delivery_id,
            "kind": claimed.kind,
            "sent_at": datetime.now(UTC).isoformat(),
            "item": claimed.payload["item"],
            "event": claimed.payload.get("event"),
        }
        # An incident's notification carries the incident too (its `item` is null).
        | ({"incident": claimed.payload["incident"]} if "incident" in claimed.payload else {}),
        default=str,
    ).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "X-Triage-Event": claimed.kind,
        "X-Triage-Delivery": claimed.delivery_id,
        SIGNATURE_HEADER: sign(body, secret),
    }
    try:
        with httpx.Client(timeout=timeout_seconds) as client:
            status = client.post(url, content=body, headers=headers).status_code
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return status, None if 200 <= status < 300 else f"HTTP {status}"


@dataclass(frozen=True, slots=True)
class Notification:
    """One webhook to store: about an item (red_item, escalation; `item` is its public fields),
    about an incident (incident_opened, incident_updated; `incident`, no item), or a metric
    threshold's alert (metric_threshold; the alert as `event`, no item)."""

    kind: str
    item_id: int | None
    event_id: int | None
    item: dict[str, Any] | None
    event: dict[str, Any] | None = None
    incident_id: int | None = None
    incident: dict[str, Any] | None = None


class Notifier:
    """Stores notifications in the outbox and sends due ones from this process: one thread
    claims rows while posting slots are free, a pool of `concurrency` threads posts them."""

    def __init__(
        self,
        *,
        url: str | None,
        secret: str | None,
        factory: sessionmaker[Session],
        max_attempts: int = 5,
        backoff_seconds: float = 1.0,
        timeout_seconds: float = 5.0,
        concurrency: int = 4,
        poll_seconds: float = 1.0,
    ) -> None:
        self.url = url
        self.secret = secret or ""
        self.factory = factory
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.timeout_seconds = timeout_seconds
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.lease = timedelta(seconds=LEASE_TIMEOUTS * timeout_seconds + LEASE_MARGIN_SECONDS)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._slots = threading.Condition()  # guards _in_flight
        self._in_flight = 0
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    def enqueue(self, session: Session, notifications: Sequence[Notification]) -> None:
        """Store `notifications` in the outbox within the caller's transaction (nothing without
        a webhook URL); call `wake` once it committed."""
        if self.enabled:
            outbox.enqueue(session=session, notifications=notifications)

    def wake(self) -> None:
        """Look for due rows now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        if not self.enabled or self._thread is not None:
            return
        if not self.secret:
            log.warning("webhooks are sent to %s unsigned: set TRIAGE_WEBHOOK_SECRET", self.url)
        self._stop.clear()
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="webhook-post")
        self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming; posts under way get up to `timeout` seconds to finish. Nothing is
        lost: unsent rows stay pending (a post cut short keeps its claim until the lease ends)
        for the next sender in any process."""
        if self._thread is None or self._pool is None:
            return
        deadline = time.monotonic() + timeout
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        with self._slots:
            self._slots.wait_for(
                lambda: self._in_flight == 0, max(0.0, deadline - time.monotonic())
            )
        self._pool.shutdown(wait=False)
        self._thread = None
        self._pool = None

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until no outbox row is pending (each one delivered or failed; rows waiting
        for a retry count as pending) and no post is under way; False when `timeout` seconds
        passed first. True at once without a webhook URL. For tests and one-shot commands."""
        if not self.enabled:
            return True
        deadline = time.monotonic() + timeout
        while True:
            with self._slots:
                busy = self._in_flight > 0
            if not busy:
                try:
                    with transaction(self.factory) as session:
                        busy = outbox.pending_count(session=session) > 0
                except Exception:
                    log.exception("could not count pending webhooks")
                    busy = True
            if not busy:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def _run(self) -> None:
        # The first round runs at once: rows an earlier run left pending are sent first.
        while not self._stop.is_set():
            delay = self.poll_seconds
            try:
                delay = self._claim_and_submit()
            except Exception:  # a database error must not kill the sender: retry next poll
                log.exception("webhook outbox round failed; retrying in %.1f s", delay)
            self._wake.wait(delay)
            self._wake.clear()

    def _claim_and_submit(self) -> float:
        """Claim due rows for the free posting slots and hand them to the pool; returns how
        long to wait before the next round (a finished post or a new row wakes it earlier)."""
        assert self._pool is not None
        with self._slots:
            free = self.concurrency - self._in_flight
        if free <= 0:
            return self.poll_seconds
        now = datetime.now(UTC)
        with transaction(self.factory) as session:
            claimed = outbox.claim_due(
                session=session, now=now, lease_until=now + self.lease, limit=free
            )
        for row in claimed:
            with self._slots:
                self._in_flight += 1
            try:
                self._pool.submit(self._send, row)
            except RuntimeError:  # stopped meanwhile: the row is sent once its claim ends
                with self._slots:
                    self._in_flight -= 1
        if len(claimed) == free:  # there may be more: a finished post wakes the next round
            return self.poll_seconds
        with transaction(self.factory) as session:
            until = outbox.seconds_until_due(session=session, now=datetime.now(UTC))
        # The outbox's own schedule: wake for the next retry, and poll for other processes'
        # rows and claims that ran out. The floor keeps a row another sender is claiming this
        # instant (PostgreSQL skipped it) from spinning this loop.
        return self.poll_seconds if until is None else min(self.poll_seconds, max(until, 0.01))

    def _send(self, claimed: Claimed) -> None:
        assert self.url is not None
        try:
            status_code, error = post(
                claimed, url=self.url, secret=self.secret, timeout_seconds=self.timeout_seconds
            )
            with transaction(self.factory) as session:
                outcome = outbox.record_attempt(
                    session=session,
                    claimed=claimed,
                    url=self.url,
                    status_code=status_code,
                    error=error,
                    max_attempts=self.max_attempts,
                    backoff_seconds=self.backoff_seconds,
                )
            if outcome is DeliveryStatus.FAILED:
                log.warning(
                    "webhook %s %s for item %s not delivered after %d attempts: %s",
                    claimed.kind,
                    claimed.delivery_id,
                    claimed.item_id,
                    claimed.attempts,
                    error,
                )
        except Exception:  # the row keeps its claim and is sent again once the lease ends
            log.exception(
                "webhook %s %s for item %s: attempt %d could not be completed",
                claimed.kind,
                claimed.delivery_id,
                claimed.item_id,
                claimed.attempts,
            )
        finally:
            with self._slots:
                self._in_flight -= 1
                self._slots.notify_all()
            self._wake.set()  # a slot is free
