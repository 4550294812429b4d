"""Exports of the service's data for the training side: reviewers' corrections as a
labelled CSV (`triage export-corrections`, and `triage retrain` by default)."""

from __future__ import annotations

import csv
from pathlib import Path

from service.db import open_database
from service.workflow import CORRECTION_COLUMNS, corrections_rows


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
