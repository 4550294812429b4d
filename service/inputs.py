"""What every request body shares: text every database stores, instants in a sane range, the
bounds of ids and offsets, unknown fields refused. Domain schemas build on `InputModel`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator

from model.labels import HEAD_LABELS
from service.clock import as_utc, utcnow

# The largest offset or position a database integer holds (BIGINT).
MAX_INT = 2**63 - 1
# The largest id or version the tables hold (INTEGER columns: 32 bits on PostgreSQL).
MAX_ID = 2**31 - 1
EARLIEST_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_YEARS_AHEAD = 100
SOURCE_MAX_CHARS = 64


def storable(value: str) -> str:
    """Text every backend stores as given: PostgreSQL refuses NUL, and a lone surrogate (JSON
    `"\\ud800"`) cannot be encoded as UTF-8 at all."""
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (\\u0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must not contain a lone surrogate (\\ud800-\\udfff)") from None
    return value


def instant(moment: datetime) -> datetime:
    """An instant from 1970 to 100 years ahead, in UTC (no offset means UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    latest = utcnow() + timedelta(days=365 * LATEST_YEARS_AHEAD)
    # Compared before converting: converting year 1 at +14:00 to UTC would overflow.
    if not EARLIEST_INSTANT <= aware <= latest:
        raise ValueError(f"must be between 1970-01-01 and {latest:%Y-%m-%d} (UTC)")
    return as_utc(aware)


Instant = Annotated[datetime, AfterValidator(instant)]
# Every label of both heads, for the schema of a field whose head is another field.
LABELS: tuple[str, ...] = (*HEAD_LABELS["category"], *HEAD_LABELS["severity"])


class InputModel(BaseModel):
    """A request body: unknown fields are refused, and every text field must be storable."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        return storable(value) if isinstance(value, str) else value
