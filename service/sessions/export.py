"""An adjudicated session as a labelled file, in the columns of data/calibration.csv, so it
can be registered as a calibration set (`triage calibration add-session`)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import ConflictError
from service.sessions.service import get_session
from service.tables import CalibrationSessionItem
from training.datasets import LABELLED_COLUMNS


def origin(session_id: int) -> str:
    """The rows' origin: figures per origin report a session's rows on their own."""
    return f"session-{session_id}"


def export_csv(session: Session, session_id: int) -> str:
    """The settled labels as CSV; refused (409) until the session is complete and every item
    adjudicated."""
    record = get_session(session, session_id)
    rows = list(
        session.scalars(
            select(CalibrationSessionItem)
            .where(CalibrationSessionItem.session_id == session_id)
            .order_by(CalibrationSessionItem.item_id)
        )
    )
    if record.completed_at is None:
        raise ConflictError(f"calibration session {session_id} is not complete yet")
    open_items = [r.item_id for r in rows if r.adjudicated_at is None]
    if open_items:
        raise ConflictError(
            f"calibration session {session_id} has {len(open_items)} item(s) without an "
            f"adjudicated label: {', '.join(map(str, open_items[:20]))}",
            item_ids=open_items,
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LABELLED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                "id": f"s{session_id}-item-{row.item_id}",
                "text": row.item.text,
                "category": row.adjudicated_category,
                "severity": row.adjudicated_severity,
                "flags": ";".join(row.adjudicated_flags or []),
                "source": row.item.source or "",
                "rating": "" if row.item.rating is None else row.item.rating,
                "account_tier": row.item.account_tier or "",
                "hard_negative": "false",
                "origin": origin(session_id),
            }
        )
    return out.getvalue()
