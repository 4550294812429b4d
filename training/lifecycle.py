"""The model lifecycle jobs behind the CLI: train and track, list, compare.

Each job takes the settings and an MLflow client and returns plain data; the CLI prints it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from core.errors import RegistryError
from core.settings import Settings
from model.classifier import ClassifierConfig
from model.files import file_sha256
from training.calibration_sets import PROJECT_SETS, CalibrationSet, load_sets, register_set
from training.datasets import LabelledDataset
from training.evaluate import evaluate
from training.model_store import CHAMPION
from training.registry import (
    alias_version,
    aliases_by_version,
    all_versions,
    get_version,
    run_id_of,
)
from training.reports import EvaluationReport
from training.tracking import EXPERIMENT, LoggedModel, experiment_id, log_training_run
from training.train import TrainedModel, check_disjoint, save_trained, train_model

if TYPE_CHECKING:
    from mlflow.entities.model_registry import ModelVersion
    from mlflow.tracking import MlflowClient


@dataclass(frozen=True, slots=True)
class TrainingOutcome:
    trained: TrainedModel
    evaluations: dict[str, EvaluationReport]
    logged: LoggedModel
    fit_set: str


class TrainingRow(TypedDict):
    """A training row as logged with the run (an MLflow dataset)."""

    id: str
    text: str
    category: str
    severity: str
    flags: str
    source: str | None
    rating: int | None
    origin: str


def _training_rows(dataset: LabelledDataset) -> list[TrainingRow]:
    return [
        {
            "id": row.id,
            "text": row.item.text,
            "category": row.category.value,
            "severity": row.severity.value,
            "flags": ";".join(sorted(f.value for f in row.flags)),
            "source": row.item.source,
            "rating": row.item.rating,
            "origin": row.origin,
        }
        for row in dataset.rows
    ]


def fit_set_name_for(client: MlflowClient, path: Path, sets: Sequence[CalibrationSet]) -> str:
    """The registered set a calibration file is, registering it under its file name if new."""
    digest = file_sha256(path) if path.is_file() else None
    for cal in sets:
        if cal.record.sha256 == digest or Path(cal.record.path) == path.resolve():
            return cal.record.name
    name = re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()).strip("-")[:40] or "calibration"
    return register_set(client, name, path).name


def pick_fit_set(sets: Sequence[CalibrationSet], name: str) -> CalibrationSet:
    for cal in sets:
        if cal.record.name == name:
            return cal
    known = ", ".join(cal.record.name for cal in sets)
    raise RegistryError(f"no calibration set named {name!r}; registered sets: {known}")


def train_and_track(
    *,
    client: MlflowClient,
    settings: Settings,
    train_set: LabelledDataset,
    out: Path,
    family: str,
    target_precision: float,
    calibration_path: Path | None = None,
    run_name: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> TrainingOutcome:
    """Train on `train_set`, calibrate on one registered set, measure on all, log, register.

    The calibration map and thresholds are fitted on `calibration_path` (default: the set
    `settings.fit_set`, the real one); a file not registered yet is registered under its file
    name first.
    """
    sets = load_sets(client, settings.calibration_sets)
    fit_set_name = settings.fit_set
    if calibration_path is not None:
        fit_set_name = fit_set_name_for(client, calibration_path, sets)
        sets = load_sets(client, settings.calibration_sets)
    for cal in sets:  # calibration sets never receive training rows
        check_disjoint(train_set, cal.dataset)
    fit_set = pick_fit_set(sets, fit_set_name)
    config = ClassifierConfig.for_family(family, calibration=settings.calibration_method)
    trained = train_model(
        train=train_set,
        calibration=fit_set.dataset,
        config=config,
        target_precision=target_precision,
        red_target_recall=settings.red_target_recall,
    )
    save_trained(trained, out)
    evaluations: dict[str, EvaluationReport] = {}
    for cal in sets:
        if cal is fit_set:
            evaluations[cal.record.name] = trained.evaluation
        else:
            evaluations[cal.record.name] = evaluate(trained.triager, cal.dataset)
    params = {
        **{f"config.{k}": v for k, v in config.to_dict().items()},
        "target_precision": target_precision,
        "red_target_recall": settings.red_target_recall,
        "fit_calibration_set": fit_set.record.name,
        "training_rows": len(train_set),
        "training_sha256": train_set.sha256,
    }
    logged = log_training_run(
        client=client,
        model_path=out,
        manifest=trained.manifest,
        params=params,
        training_data=_training_rows(train_set),
        training_digest={
            "name": train_set.name,
            "path": str(train_set.path),
            "sha256": train_set.sha256,
        },
        evaluations=evaluations,
        calibration_sets=sets,
        run_name=run_name,
        tags=tags,
    )
    return TrainingOutcome(trained, evaluations, logged, fit_set.record.name)


# ---- listing and comparing ------------------------------------------------------------------

KEY_FIGURES: tuple[tuple[str, str], ...] = (
    ("category macro-F1", "model/category/macro_f1"),
    ("severity macro-F1", "model/severity/macro_f1"),
    ("category ECE", "model/category/ece"),
    ("severity ECE", "model/severity/ece"),
    ("category Brier", "model/category/brier"),
    ("severity Brier", "model/severity/brier"),
    ("red recall (model+rules)", "combined/red_recall"),
    ("red recall (model alone)", "model/red_recall"),
    ("red recall (rules alone)", "rules/red_recall"),
    ("rules fire on green", "rules/green_fire_rate"),
    ("green made red (model+rules)", "combined/green_flagged_red"),
    ("coverage", "combined/coverage"),
    ("auto-applied category precision", "combined/auto_applied_precision/category"),
)


@dataclass(frozen=True, slots=True)
class RunColumn:
    """One run to show side by side: its label and its logged metrics."""

    label: str
    run_id: str
    metrics: dict[str, float]
    family: str


class VersionRow(TypedDict):
    version: str
    aliases: list[str]
    created: int  # milliseconds since the epoch
    family: str
    model_version: str
    run_id: str | None
    metrics: dict[str, float]  # the run's, by name


def version_rows(client: MlflowClient) -> list[VersionRow]:
    """Every registered version with its aliases and key figures on the default set."""
    aliases = aliases_by_version(client)
    rows: list[VersionRow] = []
    for version in all_versions(client):
        metrics = client.get_run(version.run_id).data.metrics if version.run_id else {}
        rows.append(
            {
                "version": str(version.version),
                "aliases": sorted(aliases.get(str(version.version), [])),
                "created": int(version.creation_timestamp),
                "family": version.tags.get("family", "?"),
                "model_version": version.tags.get("model_version", "?"),
                "run_id": version.run_id,
                "metrics": metrics,
            }
        )
    return rows


def _run_column(client: MlflowClient, run_id: str, label: str) -> RunColumn:
    run = client.get_run(run_id)
    return RunColumn(label, run_id, dict(run.data.metrics), run.data.tags.get("family", "?"))


def _version_label(client: MlflowClient, version: ModelVersion) -> str:
    aliases = aliases_by_version(client).get(str(version.version), [])
    return f"v{version.version}" + (f" @{','.join(sorted(aliases))}" if aliases else "")


def resolve_runs(client: MlflowClient, refs: Sequence[str], latest: int = 3) -> list[RunColumn]:
    """Runs named by version (`3`, `v3`), alias (`@champion`) or run id.

    With no refs: the champion and the latest runs of the experiment.
    """
    columns: list[RunColumn] = []
    if not refs:
        champion = alias_version(client, CHAMPION)
        if champion is not None:
            label = _version_label(client, champion)
            columns.append(_run_column(client, run_id_of(champion), label))
        runs = client.search_runs(
            [experiment_id(client)], order_by=["attributes.start_time DESC"], max_results=latest
        )
        by_run = {v.run_id: v for v in all_versions(client)}
        for run in runs:
            if any(c.run_id == run.info.run_id for c in columns):
                continue
            version = by_run.get(run.info.run_id)
            label = _version_label(client, version) if version else run.info.run_id[:8]
            columns.append(_run_column(client, run.info.run_id, label))
        if not columns:
            raise RegistryError(f"the experiment {EXPERIMENT!r} has no runs yet")
        return columns
    for ref in refs:
        if ref.startswith("@"):
            version = alias_version(client, ref[1:])
            if version is None:
                raise RegistryError(f"no version has the alias {ref}")
        elif ref.removeprefix("v").isdigit():
            version = get_version(client, ref)
        else:
            columns.append(_run_column(client, ref, ref[:8]))
            continue
        columns.append(_run_column(client, run_id_of(version), _version_label(client, version)))
    return columns


def set_names(columns: Sequence[RunColumn]) -> list[str]:
    names = {key.split("/", 1)[0] for column in columns for key in column.metrics}
    order = {name: i for i, name in enumerate(PROJECT_SETS)}
    return sorted(names, key=lambda n: (order.get(n, len(order)), n))


def comparison_table(columns: Sequence[RunColumn], set_name: str) -> list[list[str]]:
    """Rows of key figures (first row: header) for one calibration set."""
    header = ["figure", *(c.label for c in columns)]
    rows = [header, ["family", *(c.family for c in columns)]]
    for title, key in KEY_FIGURES:
        values = [c.metrics.get(f"{set_name}/{key}") for c in columns]
        rows.append([title, *("-" if v is None else f"{v:.3f}" for v in values)])
    return rows


def format_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            row[0].ljust(widths[0]),
            *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
        ]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
