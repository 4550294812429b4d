"""Labelled datasets: loading and validating the CSV / JSON Lines files in `data/`.

Loading checks every row and reports every bad one with its row number in a single
`DatasetError`, instead of failing on the first or silently dropping rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

import numpy as np
from numpy.typing import NDArray

from core.errors import DatasetError, InvalidInputError
from model.calibration import IntArray
from model.files import file_sha256
from model.labels import HEAD_LABELS, Category, FlagFamily, Severity
from model.manifest import DataDigest
from model.records import FeedbackItem, RowReader, item_from_row

_CATEGORY_INDEX = {label: i for i, label in enumerate(HEAD_LABELS["category"])}
_SEVERITY_INDEX = {label: i for i, label in enumerate(HEAD_LABELS["severity"])}


# Rows this project wrote carry a writer batch as origin (`writer-t1`, ...); real rows carry
# the corpus they came from (`cfpb`, `twcs`, ...). Figures are reported per origin group.
AUTHORED = "authored"
_AUTHORED_PREFIX = "writer-"


def origin_group(origin: str) -> str:
    """`authored` for rows this project wrote (or of unknown origin), else the corpus name."""
    origin = origin.strip()
    if not origin or origin.startswith(_AUTHORED_PREFIX) or origin == AUTHORED:
        return AUTHORED
    return origin


@dataclass(frozen=True, slots=True)
class LabelledItem:
    id: str
    item: FeedbackItem
    category: Category
    severity: Severity
    flags: frozenset[FlagFamily]
    hard_negative: bool
    origin: str = AUTHORED  # the origin group (see `origin_group`)


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

    def has_flag(self, family: FlagFamily) -> NDArray[np.bool_]:
        return np.array([family in r.flags for r in self.rows], dtype=bool)

    @property
    def origins(self) -> list[str]:
        """The origin groups of the rows, in order of first appearance."""
        return list(dict.fromkeys(row.origin for row in self.rows))


def parse_flags(value: object) -> frozenset[FlagFamily]:
    """Flags as a list, or a string separated by ';', ',' or '|'; empty means none."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        parts: Sequence[object] = value.replace(",", ";").replace("|", ";").split(";")
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


_Label = TypeVar("_Label", Category, Severity)


def _parse_label(value: object, enum: type[_Label], field: str) -> _Label:
    if value is None or not str(value).strip():
        raise InvalidInputError(f"{field} is missing")
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidInputError(f"unknown {field} {value!r} (allowed: {allowed})") from None


def _parse_bool(value: object) -> bool:
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


_Args = ParamSpec("_Args")
_Parsed = TypeVar("_Parsed")


def labelled_row(fields: Mapping[str, object], number: int) -> LabelledItem:
    """Validate one labelled row; the error names every problem of the row."""
    problems: list[str] = []

    def attempt(
        parse: Callable[_Args, _Parsed], *args: _Args.args, **kwargs: _Args.kwargs
    ) -> _Parsed | None:
        try:
            return parse(*args, **kwargs)
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
    # A parse that fails adds a problem, so with none every part is parsed.
    assert item is not None and category is not None and severity is not None
    assert flags is not None and hard_negative is not None
    row_id = str(fields.get("id") or "").strip() or str(number)
    origin = origin_group(str(fields.get("origin") or ""))
    return LabelledItem(row_id, item, category, severity, flags, bool(hard_negative), origin)


LABELLED_SUFFIXES = (".csv", ".jsonl", ".json")


def load_labelled(path: Path, *, name: str | None = None) -> LabelledDataset:
    """Load and validate a labelled file, or a folder of them (one file per source, as
    licences require); raise DatasetError listing every bad row."""
    if path.is_dir():
        return _load_folder(path, name=name)
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


def _load_folder(folder: Path, *, name: str | None) -> LabelledDataset:
    files = sorted(p for p in folder.iterdir() if p.suffix in LABELLED_SUFFIXES and p.is_file())
    if not files:
        raise DatasetError(str(folder), [f"the folder has no {'/'.join(LABELLED_SUFFIXES)} files"])
    folder_name = f"{folder.parent.name}-{folder.name}"
    return combine([load_labelled(file) for file in files], name=name or folder_name, path=folder)


def combine(
    datasets: Sequence[LabelledDataset], *, name: str | None = None, path: Path | None = None
) -> LabelledDataset:
    """Several labelled files as one dataset; ids must stay unique across them.

    The digest covers each file's name and SHA-256, so changing, adding or removing a file
    changes it.
    """
    if len(datasets) == 1 and name is None and path is None:
        return datasets[0]
    first_file: dict[str, str] = {}
    problems: list[str] = []
    rows: list[LabelledItem] = []
    for dataset in datasets:
        for row in dataset.rows:
            if row.id in first_file:
                problems.append(f"id {row.id!r} of {dataset.path} is also in {first_file[row.id]}")
                continue
            first_file[row.id] = str(dataset.path)
            rows.append(row)
    if problems:
        raise DatasetError(str(path or datasets[0].path), problems)
    digest = hashlib.sha256(
        "\n".join(f"{d.path.name}:{d.sha256}" for d in datasets).encode("utf-8")
    ).hexdigest()
    return LabelledDataset(
        name or "+".join(d.name for d in datasets), path or datasets[0].path, digest, rows
    )


def load_many(paths: Sequence[Path]) -> LabelledDataset:
    """Several labelled files or folders as one training set."""
    if not paths:
        raise DatasetError("training data", ["no labelled files given"])
    return combine([load_labelled(path) for path in paths])
