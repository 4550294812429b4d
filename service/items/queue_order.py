"""The review queue's order, written once: `GET /v1/queue` (its API description), the console's
queue and the README all follow `QUEUE_ORDER`, and `queue_order()` is its SQL form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_

from model.labels import Severity
from service.tables import Item

QUEUE_ORDER = (
    "Riskiest first: (1) red items with a red flag (a rule hit or a reviewer's flag), earliest "
    "due first; (2) the other red items, earliest due first; (3) overdue items that are not "
    "red, earliest due first; (4) the rest, least sure first (the lower of the category and "
    "severity confidences), then earliest due. Ties go to the lower id, so paging with "
    "limit/offset neither repeats nor skips an item."
)


def queue_order(now: datetime) -> list[Any]:
    """ORDER BY keys for `QUEUE_ORDER`, the same on SQLite and PostgreSQL (both have
    json_array_length), so the database sorts and limit/offset pages follow the order."""
    red = Item.severity == Severity.RED.value
    # `flags` holds the rules' families (and the reviewer's once reviewed): non-empty = flagged.
    flagged = func.json_array_length(Item.flags) > 0
    overdue = Item.due_at < now
    group = case((and_(red, flagged), 0), (red, 1), (overdue, 2), else_=3)
    # Confidence only orders the last group; the first three go by due time alone.
    least_sure = case((or_(red, overdue), 0.0), else_=Item.confidence)
    return [group, least_sure, Item.due_at, Item.id]
