"""Webhook notifications for red items and escalations: JSON bodies signed with HMAC-SHA256,
delivered from a background thread, retried with exponential backoff; every attempt is a row
of `webhook_deliveries`.

Receivers verify `X-Triage-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body under
the shared secret (`TRIAGE_WEBHOOK_SECRET`). The body carries `delivery_id` and `sent_at`, so
a receiver can drop replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from service.db import transaction
from service.tables import WebhookDelivery

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Triage-Signature"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    """True when `signature` (the header's value) signs `body` under `secret`."""
    given = signature.encode("utf-8", "surrogateescape")  # any header value, never an error
    return hmac.compare_digest(sign(body, secret).encode("ascii"), given)


@dataclass(frozen=True, slots=True)
class Notification:
    kind: str  # red_item | escalation
    item_id: int
    event_id: int | None
    item: dict[str, Any]
    event: dict[str, Any] | None = None


class Notifier:
    """Queues notifications and delivers them in order from one background thread."""

    def __init__(
        self,
        *,
        url: str | None,
        secret: str | None,
        factory: sessionmaker[Session],
        max_attempts: int = 5,
        backoff_seconds: float = 1.0,
        timeout_seconds: float = 5.0,
    ) -> None:
        self.url = url
        self.secret = secret or ""
        self.factory = factory
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.timeout_seconds = timeout_seconds
        self._queue: queue.Queue[Notification | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    def start(self) -> None:
        if self.enabled and self._thread is None:
            if not self.secret:
                log.warning("webhooks are sent to %s unsigned: set TRIAGE_WEBHOOK_SECRET", self.url)
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish queued deliveries (up to `timeout`), then stop: retries still waiting are
        abandoned (and logged), and the thread gets one request timeout to finish."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        self._stop.set()
        self._thread.join(self.timeout_seconds)
        self._thread = None

    def notify(self, notification: Notification) -> None:
        if self.enabled:
            self._queue.put(notification)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every queued notification was handled (used by tests and shutdown);
        False when `timeout` seconds passed first."""
        with self._queue.all_tasks_done:
            return self._queue.all_tasks_done.wait_for(
                lambda: self._queue.unfinished_tasks == 0, timeout
            )

    def _run(self) -> None:
        while True:
            notification = self._queue.get()
            try:
                if notification is None:
                    return
                self._deliver(notification)
            except Exception:  # a delivery bug must not kill the thread
                log.exception("webhook delivery failed unexpectedly")
            finally:
                self._queue.task_done()

    def _deliver(self, notification: Notification) -> None:
        assert self.url is not None
        delivery_id = str(uuid.uuid4())
        body = json.dumps(
            {
                "delivery_id": delivery_id,
                "kind": notification.kind,
                "sent_at": datetime.now(UTC).isoformat(),
                "item": notification.item,
                "event": notification.event,
            },
            default=str,
        ).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "X-Triage-Event": notification.kind,
            "X-Triage-Delivery": delivery_id,
            SIGNATURE_HEADER: sign(body, self.secret),
        }
        with httpx.Client(timeout=self.timeout_seconds) as client:
            for attempt in range(1, self.max_attempts + 1):
                status: int | None = None
                error: str | None = None
                try:
                    response = client.post(self.url, content=body, headers=headers)
                    status = response.status_code
                    if not 200 <= status < 300:
                        error = f"HTTP {status}"
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                self._log_attempt(notification, attempt, status, error)
                if error is None:
                    return
                if attempt < self.max_attempts and self._stop.wait(
                    self.backoff_seconds * 2 ** (attempt - 1)
                ):
                    log.warning(
                        "webhook %s for item %s abandoned at shutdown after %d attempt(s)",
                        notification.kind,
                        notification.item_id,
                        attempt,
                    )
                    return
        log.warning(
            "webhook %s for item %s not delivered after %d attempts",
            notification.kind,
            notification.item_id,
            self.max_attempts,
        )

    def _log_attempt(
        self, notification: Notification, attempt: int, status: int | None, error: str | None
    ) -> None:
        """Record one attempt; a database hiccup is logged and never stops the retries."""
        assert self.url is not None
        try:
            with transaction(self.factory) as session:
                session.add(
                    WebhookDelivery(
                        event_id=notification.event_id,
                        item_id=notification.item_id,
                        created_at=datetime.now(UTC),
                        url=self.url,
                        kind=notification.kind,
                        attempt=attempt,
                        status_code=status,
                        error=error,
                        delivered=error is None,
                    )
                )
        except Exception:
            log.exception(
                "could not record attempt %d of webhook %s for item %s",
                attempt,
                notification.kind,
                notification.item_id,
            )
