"""Repeat issues for routing: how many service issues an account raised inside the policy's
repeat window. A batch reads the stored counts of all its accounts in one grouped query."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from model.labels import Category
from service.routing.policy import RoutingPolicy
from service.tables import Item

SERVICE_ISSUE = Category.SERVICE_ISSUE.value


class RepeatCounts:
    """Service issues per account in the window: those stored, plus the earlier ones of the
    batch being stored (not inserted yet). `prefetch` reads the stored counts of many
    accounts at once; an account not prefetched is read when first asked."""

    def __init__(self, session: Session, *, policy: RoutingPolicy, now: datetime) -> None:
        self._session = session
        self._since = now - timedelta(days=policy.repeat_window_days)
        self._stored: dict[str, int] = {}
        self._in_batch: Counter[str] = Counter()

    def _query(self, accounts: list[str]) -> dict[str, int]:
        rows = self._session.execute(
            select(Item.account_id, func.count(Item.id))
            .where(
                Item.account_id.in_(accounts),
                Item.category == SERVICE_ISSUE,
                Item.received_at >= self._since,
            )
            .group_by(Item.account_id)
        ).all()
        found = {str(account): int(count) for account, count in rows}
        return {account: found.get(account, 0) for account in accounts}

    def prefetch(self, accounts: Iterable[str | None]) -> None:
        wanted = sorted({a for a in accounts if a and a not in self._stored})
        for start in range(0, len(wanted), 500):  # well under every backend's parameter limit
            self._stored.update(self._query(wanted[start : start + 500]))

    def count(self, account_id: str | None, category: str | None) -> int:
        """The count for routing a new item of `category` from `account_id`, this one
        included (0 for anything but a service issue; 1 for one without an account)."""
        if category != SERVICE_ISSUE:
            return 0
        if not account_id:
            return 1
        if account_id not in self._stored:
            self.prefetch([account_id])
        self._in_batch[account_id] += 1
        return self._stored[account_id] + self._in_batch[account_id]
