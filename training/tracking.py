"""MLflow tracking: the store, the experiment, and logging one training run with its model.

Runs are named `<family>-<training data digest, 8 hex>-<YYYYMMDD-HHMM UTC>`, and the
experiment is tagged as model development so the MLflow UI opens on its runs.

Default store: a SQLite database and an artifact folder under `TRIAGE_MLFLOW_DIR`
(var/mlflow), created on first use. `MLFLOW_TRACKING_URI` points at any other store or
server instead. Runs go to the experiment `review-triage`; models are registered as
versions of the registered model `review-triage`.

Metric names are `<calibration set>/<part>/<path>`, for example
`default/model/category/macro_f1`, `default/model/severity/per_class/red/recall`,
`default/rules/families/legal/recall` or `default/combined/red_recall`.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import RegistryError
from core.settings import PROJECT_ROOT, Settings, get_settings
from model.labels import HEAD_LABELS
from model.manifest import ModelManifest
from model.rules import RULES_VERSION
from training.model_store import REGISTERED_MODEL
from training.reports import HEAD_NAMES, EvaluationReport

if TYPE_CHECKING:
    from mlflow.models import ModelSignature
    from mlflow.tracking import MlflowClient

    from training.calibration_sets import CalibrationSet  # which imports this module

EXPERIMENT = "review-triage"
MODEL_NAME_IN_RUN = "model"
# MLflow 3's UI reads this experiment tag (older 3.x versions; 3.5+ also has a sidebar switch
# and the `workflowType` URL parameter) to open an experiment on its training runs instead of
# the GenAI overview; `custom_model_development` is the value its "Machine learning" type sets.
EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
EXPERIMENT_KIND = "custom_model_development"

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TrackingStore:
    """Where runs and models go: the tracking URI, and the artifact folder of the default store."""

    tracking_uri: str
    artifact_root: Path | None

    @property
    def is_default(self) -> bool:
        return self.artifact_root is not None


def tracking_store(settings: Settings | None = None) -> TrackingStore:
    settings = settings or get_settings()
    if settings.mlflow_tracking_uri:
        return TrackingStore(settings.mlflow_tracking_uri, None)
    folder = settings.mlflow_dir.resolve()
    return TrackingStore(f"sqlite:///{folder / 'mlflow.db'}", folder / "artifacts")


def connect(settings: Settings | None = None) -> MlflowClient:
    """Point MLflow at the store (creating the default one) and return an `MlflowClient`."""
    import mlflow
    from mlflow.tracking import MlflowClient

    # Per-file download bars would drown the CLI's own output.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

    store = tracking_store(settings)
    if store.artifact_root is not None:
        store.artifact_root.mkdir(parents=True, exist_ok=True)
    # The SQLite store logs every schema migration on first use; users need none of it.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # MLflow also writes these URIs into os.environ, where later settings in this process
    # would read them as the user's choice; its own module-level URI is what runs use.
    saved = {name: os.environ.get(name) for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
    mlflow.set_tracking_uri(store.tracking_uri)
    mlflow.set_registry_uri(store.tracking_uri)
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    client = MlflowClient(tracking_uri=store.tracking_uri, registry_uri=store.tracking_uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        location = store.artifact_root.as_uri() if store.artifact_root is not None else None
        client.create_experiment(
            EXPERIMENT, artifact_location=location, tags={EXPERIMENT_KIND_TAG: EXPERIMENT_KIND}
        )
    elif experiment.tags.get(EXPERIMENT_KIND_TAG) != EXPERIMENT_KIND:
        # Stores made before the tag existed: the experiment holds training runs only.
        client.set_experiment_tag(experiment.experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND)
    return client


def training_run_name(family: str, sha256: str, at: datetime | None = None) -> str:
    """`<family>-<first 8 hex digits of the training data>-<YYYYMMDD-HHMM UTC>`."""
    at = at or datetime.now(UTC)
    return f"{family}-{sha256[:8]}-{at.astimezone(UTC):%Y%m%d-%H%M}"


def experiment_id(client: MlflowClient) -> str:
    """The experiment's id; `connect` creates the experiment, so a store without it is a
    store `connect` never set up."""
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        raise RegistryError(
            f"the tracking store has no experiment {EXPERIMENT!r}: run `triage train`"
        )
    return str(experiment.experiment_id)


def flatten_metrics(report: Mapping[str, object], prefix: str) -> dict[str, float]:
    """Every numeric leaf of an evaluation report as `prefix/a/b/c`; lists and text are skipped."""
    metrics: dict[str, float] = {}

    def walk(node: Mapping[str, object], path: str) -> None:
        for key, value in node.items():
            name = f"{path}/{key}"
            if isinstance(value, Mapping):
                walk(value, name)
            elif isinstance(value, bool):
                continue
            elif isinstance(value, int | float):
                metrics[name] = float(value)

    walk({k: v for k, v in report.items() if k != "dataset"}, prefix)
    return metrics


def classification_report_text(report: EvaluationReport) -> str:
    """The per-class table of both heads, as plain text."""
    lines: list[str] = []
    for head in HEAD_NAMES:
        data = report["model"][head]
        lines.append(
            f"{head}: macro-F1 {data['macro_f1']:.3f}  accuracy {data['accuracy']:.3f}  "
            f"ECE {data['ece']:.3f}  Brier {data['brier']:.3f}"
        )
        lines.append(f"  {'label':<18}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
        for label, values in data["per_class"].items():
            lines.append(
                f"  {label:<18}{values['precision']:>10.3f}{values['recall']:>10.3f}"
                f"{values['f1']:>10.3f}{values['support']:>9}"
            )
        lines.append("")
    return "\n".join(lines)


def _figures(report: EvaluationReport, folder: Path, set_name: str) -> Iterator[Path]:
    from training.plots import confusion_png, reliability_png

    for head in HEAD_NAMES:
        data = report["model"][head]
        yield confusion_png(
            folder / f"confusion_{head}.png",
            data["confusion"],
            HEAD_LABELS[head],
            f"{head} on {set_name}",
        )
        yield reliability_png(
            folder / f"reliability_{head}.png",
            data["reliability"],
            f"{head} on {set_name}",
            data["ece"],
        )


def _pip_requirements() -> list[str]:
    """Pinned requirements of the served model (inferring them would load the model twice)."""
    from importlib.metadata import version

    packages = ("mlflow", "scikit-learn", "scipy", "numpy", "pandas", "joblib", "spacy")
    return [*(f"{name}=={version(name)}" for name in packages), "spacy-lookups-data"]


def _signature() -> ModelSignature:
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    return ModelSignature(
        inputs=Schema(
            [
                ColSpec("string", "text"),
                ColSpec("string", "id", required=False),
                ColSpec("double", "rating", required=False),
                ColSpec("string", "source", required=False),
                ColSpec("string", "account_tier", required=False),
            ]
        )
    )


def _log_dataset(
    rows: Sequence[Mapping[str, object]], *, source: str, name: str, digest: str, context: str
) -> None:
    """Log rows as an MLflow dataset whose digest is the file's SHA-256 (first 16 hex digits),
    so runs measured on the identical file show the identical digest."""
    import mlflow
    import pandas as pd
    from mlflow.data.pandas_dataset import from_pandas

    with warnings.catch_warnings():
        # A local path matches two equivalent MLflow source kinds; it warns and picks one.
        warnings.simplefilter("ignore", UserWarning)
        dataset = from_pandas(pd.DataFrame(rows), source=source, name=name, digest=digest[:16])
    mlflow.log_input(dataset, context=context)


@dataclass(frozen=True, slots=True)
class LoggedModel:
    run_id: str
    version: str
    model_version: str  # the artifact's own id, as in `triage info`


def log_training_run(
    *,
    client: MlflowClient,
    model_path: Path,
    manifest: ModelManifest,
    params: Mapping[str, object],
    training_data: Sequence[Mapping[str, object]],
    training_digest: Mapping[str, str],
    evaluations: Mapping[str, EvaluationReport],
    calibration_sets: Sequence[CalibrationSet],
    run_name: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> LoggedModel:
    """Log one training run (params, datasets, metrics, figures) and register its model.

    `evaluations` maps calibration-set name to the `evaluate` report on that set;
    `calibration_sets` are the matching registered sets (name, digest, data).
    """
    import mlflow

    from training.pyfunc import ARTIFACT_KEY

    mlflow.set_experiment(EXPERIMENT)
    family = str(manifest.config["family"])
    run_name = run_name or training_run_name(family, str(training_digest["sha256"]))
    with mlflow.start_run(run_name=run_name, tags=dict(tags or {})) as run:
        mlflow.log_params({k: str(v) for k, v in params.items()})
        mlflow.set_tags(
            {
                "model_version": manifest.model_version,
                "rules_version": RULES_VERSION,
                "family": family,
            }
        )
        _log_dataset(
            training_data,
            source=str(training_digest.get("path", training_digest["name"])),
            name=str(training_digest["name"]),
            digest=str(training_digest["sha256"]),
            context="training",
        )
        for cal_set in calibration_sets:
            _log_dataset(
                cal_set.frame(),
                source=cal_set.record.path,
                name=cal_set.record.name,
                digest=cal_set.record.sha256,
                context=f"calibration:{cal_set.record.name}",
            )
        for set_name, report in evaluations.items():
            mlflow.log_metrics(flatten_metrics(report, set_name))
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            (folder / "thresholds.json").write_text(json.dumps(manifest.thresholds, indent=2))
            (folder / "rules_version.txt").write_text(RULES_VERSION + "\n")
            (folder / "manifest.json").write_text(
                json.dumps(manifest.to_dict(), indent=2, default=str)
            )
            mlflow.log_artifacts(str(folder))
            for set_name, report in evaluations.items():
                set_folder = folder / "evaluation" / set_name
                set_folder.mkdir(parents=True)
                (set_folder / "classification_report.txt").write_text(
                    classification_report_text(report)
                )
                (set_folder / "evaluation.json").write_text(json.dumps(report, indent=2))
                list(_figures(report, set_folder, set_name))
                mlflow.log_artifacts(str(set_folder), artifact_path=f"evaluation/{set_name}")
        with warnings.catch_warnings():
            # The signature is given; an input example would only make MLflow load the model.
            warnings.filterwarnings("ignore", message=".*input example was not provided")
            info = mlflow.pyfunc.log_model(
                name=MODEL_NAME_IN_RUN,
                python_model=str(PROJECT_ROOT / "training" / "pyfunc_model.py"),
                artifacts={ARTIFACT_KEY: str(model_path)},
                code_paths=[str(PROJECT_ROOT / "model"), str(PROJECT_ROOT / "training")],
                signature=_signature(),
                pip_requirements=_pip_requirements(),
                registered_model_name=REGISTERED_MODEL,
            )
        version = str(info.registered_model_version)
        client.set_model_version_tag(
            REGISTERED_MODEL, version, "model_version", manifest.model_version
        )
        client.set_model_version_tag(REGISTERED_MODEL, version, "family", family)
        return LoggedModel(run.info.run_id, version, manifest.model_version)
