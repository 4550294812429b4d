"""Feedback items and the streaming readers of CSV and JSON Lines files.

Every input field is validated here, once, so the CLI, training and the service agree on what
a valid item is. Readers stream row by row: a file of millions of rows needs bounded memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from core.errors import InvalidInputError
from model.labels import AccountTier

MAX_TEXT_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    """One piece of feedback to classify. Only `text` is required."""

    text: str
    rating: int | None = None
    source: str | None = None
    account_tier: AccountTier | None = None


def clean_text(value: Any, *, max_chars: int = MAX_TEXT_CHARS) -> str:
    """The text of an item, refused when missing, blank or longer than `max_chars`."""
    if value is None:
        raise InvalidInputError("text is missing")
    if not isinstance(value, str):
        raise InvalidInputError(f"text must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InvalidInputError("text is empty or whitespace only")
    if len(value) > max_chars:
        raise InvalidInputError(f"text has {len(value)} characters, over the limit of {max_chars}")
    return value


def parse_rating(value: Any) -> int | None:
    """A 1-5 star rating; empty means not given. "4", 4 and 4.0 are all accepted."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InvalidInputError(f"rating must be an integer from 1 to 5, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int past float's range
        shown = repr(value) if len(repr(value)) <= 40 else f"{repr(value)[:37]}..."
        raise InvalidInputError(f"rating must be an integer from 1 to 5, got {shown}") from None
    if not number.is_integer() or not 1 <= number <= 5:
        raise InvalidInputError(f"rating must be an integer from 1 to 5, got {value!r}")
    return int(number)


def parse_source(value: Any) -> str | None:
    """A channel name, normalised to lower case; empty means not given."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInputError(f"source must be a string, got {type(value).__name__}")
    cleaned = value.strip().lower()
    return cleaned or None


def parse_account_tier(value: Any) -> AccountTier | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return AccountTier(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(t.value for t in AccountTier)
        raise InvalidInputError(f"account_tier must be one of {allowed}, got {value!r}") from None


def item_from_row(row: Mapping[str, Any], *, max_chars: int = MAX_TEXT_CHARS) -> FeedbackItem:
    """Build a FeedbackItem from a mapping of raw fields, naming the first bad field."""
    return FeedbackItem(
        text=clean_text(row.get("text"), max_chars=max_chars),
        rating=parse_rating(row.get("rating")),
        source=parse_source(row.get("source")),
        account_tier=parse_account_tier(row.get("account_tier")),
    )


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row of a file: its 1-based data row number, its fields, or why it is unreadable."""

    number: int
    fields: dict[str, Any]
    error: str | None = None


class _CountingReader(io.RawIOBase):
    """Counts the bytes read from a binary file, so progress can be shown for any format."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self.bytes_read += len(data)
        return len(data)


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    raise InvalidInputError(f"{path}: unknown file type {suffix!r}; use .csv or .jsonl")


class RowReader:
    """Streams the rows of a CSV (with a header) or JSON Lines file.

    Undecodable bytes, unparsable JSON and non-object lines come back as rows with an `error`,
    never as an exception, so one bad row cannot stop a file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.format = detect_format(path)
        self.total_bytes = path.stat().st_size
        self._counter = _CountingReader(path.open("rb"))

    @property
    def bytes_read(self) -> int:
        return self._counter.bytes_read

    def close(self) -> None:
        self._counter._raw.close()

    def __enter__(self) -> RowReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[RawRow]:
        buffered = io.BufferedReader(self._counter, buffer_size=1 << 16)
        # surrogateescape keeps undecodable bytes so the row can be reported, not lost.
        text = io.TextIOWrapper(
            buffered, encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
        if self.format == "csv":
            yield from self._csv_rows(text)
        else:
            yield from self._jsonl_rows(text)

    def _csv_rows(self, text: io.TextIOWrapper) -> Iterator[RawRow]:
        reader = csv.reader(text)
        header = next(reader, None)
        if header is None:
            return
        names = [h.strip().lower() for h in header]
        if "text" not in names:
            raise InvalidInputError(f"{self.path}: the header has no 'text' column: {header}")
        for number, values in enumerate(reader, start=1):
            fields = dict(zip(names, values, strict=False))
            if len(values) != len(names):
                yield RawRow(number, fields, f"has {len(values)} fields, header has {len(names)}")
            elif any(_has_bad_bytes(v) for v in values):
                yield RawRow(number, fields, "is not valid UTF-8")
            else:
                yield RawRow(number, fields)

    def _jsonl_rows(self, text: io.TextIOWrapper) -> Iterator[RawRow]:
        number = 0
        for line in text:
            if not line.strip():
                continue
            number += 1
            if _has_bad_bytes(line):
                yield RawRow(number, {}, "is not valid UTF-8")
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield RawRow(number, {}, f"is not valid JSON ({exc.msg})")
                continue
            if not isinstance(value, dict):
                yield RawRow(number, {}, "is not a JSON object")
                continue
            yield RawRow(number, {str(k).lower(): v for k, v in value.items()})


def _has_bad_bytes(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)
