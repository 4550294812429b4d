"""Named, frozen calibration sets: the labelled files every model version is measured on.

The register lives in the tracking store itself (one experiment tag per set, holding the
file's path, SHA-256 and row count), so every user of a store measures models on the same
files. A set is frozen when it is registered: if its file later changes, loading it fails
with an error instead of silently measuring on different data. The set `default` is the
project's `data/calibration.csv`, registered on first use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import CalibrationSetError, DatasetError
from training.datasets import LabelledDataset, load_labelled
from training.tracking import EXPERIMENT

if TYPE_CHECKING:
    from mlflow.entities import Experiment
    from mlflow.tracking import MlflowClient

# The project's own sets, listed first, in this order.
PROJECT_SETS = ("real", "authored")
_TAG_PREFIX = "calibration_set."
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True, slots=True)
class CalibrationSetRecord:
    name: str
    path: str
    sha256: str
    rows: int
    registered_at: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(frozen=True, slots=True)
class CalibrationSet:
    """A registered set with its rows, checked against the frozen digest."""

    record: CalibrationSetRecord
    dataset: LabelledDataset

    def frame(self) -> list[dict[str, str]]:
        """The rows as plain records, for logging the set as an MLflow dataset."""
        return [
            {
                "id": row.id,
                "text": row.item.text,
                "category": row.category.value,
                "severity": row.severity.value,
                "flags": ";".join(sorted(f.value for f in row.flags)),
                "origin": row.origin,
            }
            for row in self.dataset.rows
        ]


def _experiment(client: MlflowClient) -> Experiment:
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        raise CalibrationSetError(f"the tracking store has no experiment {EXPERIMENT!r}")
    return experiment


def list_sets(client: MlflowClient) -> list[CalibrationSetRecord]:
    tags = _experiment(client).tags
    records = [
        CalibrationSetRecord(**json.loads(value))
        for key, value in tags.items()
        if key.startswith(_TAG_PREFIX)
    ]
    order = {name: i for i, name in enumerate(PROJECT_SETS)}
    return sorted(records, key=lambda r: (order.get(r.name, len(order)), r.name))


def _find(client: MlflowClient, name: str) -> CalibrationSetRecord | None:
    return next((r for r in list_sets(client) if r.name == name), None)


def check_name(name: str) -> None:
    """Refuse a set name that is not 1-40 lower-case letters, digits, - or _."""
    if not _NAME.match(name):
        raise CalibrationSetError(
            f"calibration set name {name!r} must be 1-40 lower-case letters, digits, - or _"
        )


def register_set(client: MlflowClient, name: str, path: Path) -> CalibrationSetRecord:
    """Freeze `path` under `name`; the same file again is a no-op, a different one an error."""
    check_name(name)
    dataset = load_labelled(path, name=name)  # validates every row before anything is stored
    existing = _find(client, name)
    if existing is not None:
        if existing.sha256 != dataset.sha256:
            raise CalibrationSetError(
                f"calibration set {name!r} is frozen as {existing.path} (sha256 "
                f"{existing.sha256[:12]}, {existing.rows} rows, registered "
                f"{existing.registered_at}); {path} has sha256 {dataset.sha256[:12]}. "
                "A changed set needs a new name."
            )
        return existing
    record = CalibrationSetRecord(
        name=name,
        path=str(path.resolve()),
        sha256=dataset.sha256,
        rows=len(dataset),
        registered_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    client.set_experiment_tag(
        _experiment(client).experiment_id, _TAG_PREFIX + name, record.to_json()
    )
    return record


def load_set(record: CalibrationSetRecord) -> CalibrationSet:
    """Read a registered set, refusing a file that is gone or no longer the frozen one."""
    path = Path(record.path)
    if not path.exists():
        raise CalibrationSetError(f"calibration set {record.name!r}: {path} no longer exists")
    try:
        dataset = load_labelled(path, name=record.name)
    except DatasetError as exc:
        raise CalibrationSetError(f"calibration set {record.name!r}: {exc}") from exc
    sha256 = dataset.sha256
    if sha256 != record.sha256:
        raise CalibrationSetError(
            f"calibration set {record.name!r} was frozen with sha256 {record.sha256[:12]} "
            f"({record.rows} rows) on {record.registered_at}, but {path} now has sha256 "
            f"{sha256[:12]}. Frozen sets are never re-used changed: restore the file, or "
            "register the new one under a new name with `triage calibration add NAME PATH`."
        )
    return CalibrationSet(record, dataset)


def ensure_project_sets(client: MlflowClient, project_sets: Mapping[str, Path]) -> None:
    """Register the project's calibration sets (name -> file or folder) a store lacks."""
    for name, path in project_sets.items():
        if _find(client, name) is None:
            register_set(client, name, path)


def load_sets(client: MlflowClient, project_sets: Mapping[str, Path]) -> list[CalibrationSet]:
    """Every registered set, registering the project's sets on first use."""
    ensure_project_sets(client, project_sets)
    return [load_set(record) for record in list_sets(client)]
