"""Exports of the service's data for the training side: reviewers' corrections as a
labelled CSV (`triage export-corrections`, and `triage retrain` by default)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.db import open_database
from service.tables import Item, Review


def export_corrections_csv(database_url: str, output: Path) -> int:
    """Write every human-confirmed or corrected label (latest per item) in the database at
    `database_url` (migrated first) to `output` as a labelled CSV; returns the row count."""
    with open_database(database_url) as session:
        rows = corrections_rows(session=session)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(CORRECTION_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


# ---- corrections export ---------------------------------------------------------------------


CORRECTION_COLUMNS = (
    "id",
    "text",
    "category",
    "severity",
    "flags",
    "source",
    "rating",
    "account_tier",
    "reviewed_at",
    "reviewer",
    "action",
    "model_category",
    "model_severity",
    "proposed_severity",
    "model_version",
    "item_id",
    "external_id",
)


def corrections_rows(*, session: Session) -> list[dict[str, Any]]:
    """Every human-confirmed or corrected label, latest per item, in the labelled-file format
    `triage retrain --corrections` reads."""
    latest = (
        select(Review.item_id, func.max(Review.id).label("review_id"))
        .group_by(Review.item_id)
        .subquery()
    )
    rows = session.execute(
        select(Review, Item)
        .join(latest, Review.id == latest.c.review_id)
        .join(Item, Item.id == Review.item_id)
        .order_by(Review.id)
    ).all()
    return [
        {
            "id": f"item-{item.id}",
            "text": item.text,
            "category": review.category,
            "severity": review.severity,
            "flags": ";".join(review.flags),
            "source": item.source or "",
            "rating": item.rating if item.rating is not None else "",
            "account_tier": item.account_tier or "",
            "reviewed_at": review.created_at.isoformat(),
            "reviewer": review.actor,
            "action": review.action,
            "model_category": review.model_category or "",
            "model_severity": review.model_severity or "",
            "proposed_severity": review.proposed_severity or "",
            "model_version": review.model_version or "",
            "item_id": item.id,
            "external_id": item.external_id or "",
        }
        for review, item in rows
    ]
