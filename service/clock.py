"""Time in the service, written once: every instant is UTC-aware. `as_utc` is the one
normalisation (a naive value is UTC already); `tables.UTCDateTime` applies it to every value
stored or read, so no caller normalises by hand."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive value is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
