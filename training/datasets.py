"""Labelled datasets: loading and validating the CSV / JSON Lines files in `data/`.

Loading checks every row and reports every bad one with its row number in a single
`DatasetError`, instead of failing on the first or silently dropping rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model.calibration import IntArray
from model.errors import DatasetError, InvalidInputError
from model.files import file_sha256
from model.labels import HEAD_LABELS, Category, FlagFamily, Severity
from model.manifest import DataDigest
from model.records import FeedbackItem, RowReader, item_from_row

_CATEGORY_INDEX = {label: i for i, label in enumerate(HEAD_LABELS["category"])}
_SEVERITY_INDEX = {label: i for i, label in enumerate(HEAD_LABELS["severity"])}


@dataclass(frozen=True, slots=True)
class LabelledItem:
    id: str
    item: FeedbackItem
    category: Category
    severity: Severity
    flags: frozenset[FlagFamily]
    hard_negative: bool


@dataclass(frozen=True, slots=True)
class LabelledDataset:
    name: str
    path: Path
    sha256: str
    rows: list[LabelledItem]

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def items(self) -> list[FeedbackItem]:
        return [row.item for row in self.rows]

    @property
    def digest(self) -> DataDigest:
        return DataDigest(name=self.name, rows=len(self.rows), sha256=self.sha256)

    def targets(self) -> dict[str, IntArray]:
        return {
            "category": np.array([_CATEGORY_INDEX[r.category.value] for r in self.rows]),
            "severity": np.array([_SEVERITY_INDEX[r.severity.value] for r in self.rows]),
        }

    def has_flag(self, family: FlagFamily) -> np.ndarray[Any, np.dtype[np.bool_]]:
        return np.array([family in r.flags for r in self.rows], dtype=bool)


def parse_flags(value: Any) -> frozenset[FlagFamily]:
    """Flags as a list, or a string separated by ';', ',' or '|'; empty means none."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        parts: Sequence[Any] = [p for p in value.replace(",", ";").replace("|", ";").split(";")]
    elif isinstance(value, list):
        parts = value
    else:
        raise InvalidInputError(f"flags must be a list or a ';'-separated string, got {value!r}")
    flags = set()
    for part in parts:
        name = str(part).strip().lower()
        if not name:
            continue
        try:
            flags.add(FlagFamily(name))
        except ValueError:
            allowed = ", ".join(f.value for f in FlagFamily)
            raise InvalidInputError(f"unknown flag {part!r} (allowed: {allowed})") from None
    return frozenset(flags)


def _parse_label(value: Any, enum: type[Category] | type[Severity], field: str) -> Any:
    if value is None or not str(value).strip():
        raise InvalidInputError(f"{field} is missing")
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidInputError(f"unknown {field} {value!r} (allowed: {allowed})") from None


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in {"", "0", "false", "no"}:
        return False
    if text in {"1", "true", "yes"}:
        return True
    raise InvalidInputError(f"hard_negative must be true or false, got {value!r}")


# The columns of a labelled file, in the order this project writes them (readers ignore
# extra columns, e.g. the real files' `tranche` and `agreement`).
LABELLED_COLUMNS = (
    "id",
    "text",
    "category",
    "severity",
    "flags",
    "source",
    "rating",
    "account_tier",
    "hard_negative",
    "origin",
)


def labelled_row(fields: dict[str, Any], number: int) -> LabelledItem:
    """Validate one labelled row; the error names every problem of the row."""
    problems: list[str] = []

    def attempt(parse: Any, *args: Any) -> Any:
        try:
            return parse(*args)
        except InvalidInputError as exc:
            problems.append(str(exc))
            return None

    item = attempt(item_from_row, fields)
    category = attempt(_parse_label, fields.get("category"), Category, "category")
    severity = attempt(_parse_label, fields.get("severity"), Severity, "severity")
    flags = attempt(parse_flags, fields.get("flags"))
    hard_negative = attempt(_parse_bool, fields.get("hard_negative"))
    if flags and severity is not None and severity is not Severity.RED:
        problems.append(
            f"has flags {sorted(f.value for f in flags)} but severity {severity}; "
            "an item with a red flag is red"
        )
    if flags and hard_negative:
        problems.append("is marked hard_negative but has flags")
    if problems:
        raise InvalidInputError("; ".join(problems))
    row_id = str(fields.get("id") or "").strip() or str(number)
    return LabelledItem(row_id, item, category, severity, flags, bool(hard_negative))


def load_labelled(path: Path, *, name: str | None = None) -> LabelledDataset:
    """Load and validate a labelled file; raise DatasetError listing every bad row."""
    if not path.is_file():
        raise DatasetError(str(path), ["file not found"])
    rows: list[LabelledItem] = []
    problems: list[str] = []
    seen_ids: dict[str, int] = {}
    try:
        reader = RowReader(path)
    except InvalidInputError as exc:
        raise DatasetError(str(path), [str(exc)]) from exc
    with reader:
        try:
            raw_rows = list(reader)
        except InvalidInputError as exc:
            raise DatasetError(str(path), [str(exc)]) from exc
        for raw in raw_rows:
            if raw.error:
                problems.append(f"row {raw.number}: {raw.error}")
                continue
            try:
                row = labelled_row(raw.fields, raw.number)
            except InvalidInputError as exc:
                problems.append(f"row {raw.number}: {exc}")
                continue
            if row.id in seen_ids:
                problems.append(
                    f"row {raw.number}: duplicate id {row.id!r} (first in row {seen_ids[row.id]})"
                )
                continue
            seen_ids[row.id] = raw.number
            rows.append(row)
    if problems:
        raise DatasetError(str(path), problems)
    if not rows:
        raise DatasetError(str(path), ["the file has no rows"])
    return LabelledDataset(name or path.stem, path, file_sha256(path), rows)
