"""The training jobs the command line runs whole: train and track (serving the very first
model), retrain on reviewers' corrections, and a promotion through the configured gates.

A job reports its progress through `say` (the command line passes `typer.echo`): lines for
people, on stdout or, with `err=True`, stderr, in the order things happen. What is served
now is the service's business, so a job that needs to know asks the `nothing_served` check
its caller passes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from core.settings import Settings
from training.bootstrap import BootstrapConfig
from training.calibration_sets import load_sets
from training.corrections import find_suspect_corrections, merge_corrections, write_suspects
from training.datasets import LabelledDataset
from training.evaluate import format_evaluation
from training.lifecycle import TrainingOutcome, train_and_track
from training.registry import PromotionOutcome, actor_name, promote, set_challenger
from training.tracking import LoggedModel, tracking_store

if TYPE_CHECKING:
    from mlflow import MlflowClient


class Say(Protocol):
    """Where a job's progress goes: `typer.echo` fits."""

    def __call__(self, message: str, *, err: bool = False) -> None: ...


def gated_promotion(
    client: MlflowClient,
    settings: Settings,
    version: str | None,
    *,
    force: bool,
    reason: str | None,
) -> PromotionOutcome:
    """Gate `version` (default: the newest) against @champion on the registered calibration
    sets with the configured gates; move the alias if it passes (or `force`)."""
    return promote(
        client,
        version=version,
        sets=load_sets(client, settings.calibration_sets),
        cache_dir=settings.mlflow_dir / "cache",
        f1_margin=settings.promotion_f1_margin,
        max_ece=settings.promotion_max_ece,
        ece_min_rows=settings.promotion_ece_min_rows,
        actor=actor_name(settings.actor),
        force=force,
        reason=reason,
        bootstrap=BootstrapConfig(
            settings.promotion_bootstrap_replicates, settings.promotion_confidence
        ),
    )


def gate_lines(outcome: PromotionOutcome) -> list[str]:
    """The gates' method and one line per gate, passed or failed."""
    lines = [f"  gates: {outcome.gates.method}"]
    for check in outcome.gates.checks:
        mark = "pass" if check.passed else "FAIL"
        lines.append(f"  [{mark}] {check.describe()}")
    return lines


def train_tracked(
    client: MlflowClient,
    settings: Settings,
    train_set: LabelledDataset,
    *,
    nothing_served: Callable[[], bool],
    say: Say,
    calibration: Path | None = None,
    out_path: Path | None = None,
    family: str | None = None,
    target_precision: float | None = None,
    report: Path | None = None,
    tags: Mapping[str, str] | None = None,
) -> LoggedModel:
    """Train and track one model (`triage train`, and `retrain` after its checks); returns
    the logged model. The new version is served only when nothing is served yet: it becomes
    @champion if it passes the gates, or with `model_source=file` it is copied to
    `model_path`."""
    precision = target_precision if target_precision is not None else settings.target_precision
    chosen_family = family or settings.model_family
    first_model = nothing_served()
    say(
        f"training {chosen_family} on {train_set.name} ({len(train_set)} rows); "
        f"tracking in {tracking_store(settings).tracking_uri}",
        err=True,
    )
    with tempfile.TemporaryDirectory(prefix="triage-train-") as scratch:
        artifact = out_path or Path(scratch) / "model.joblib"
        outcome = train_and_track(
            client=client,
            settings=settings,
            train_set=train_set,
            out=artifact,
            family=chosen_family,
            target_precision=precision,
            calibration_path=calibration,
            tags=tags,
        )
        _say_training(outcome, precision, say)
        if report:
            report.write_text(json.dumps(outcome.evaluations, indent=2))
        logged = outcome.logged
        if out_path is not None:
            say(f"\nSaved model {logged.model_version} to {out_path}")
        say(f"Logged run {logged.run_id}; registered version {logged.version}.")
        if not first_model:
            say(
                "The served model is unchanged: compare with `triage compare`, then "
                f"`triage promote {logged.version}`."
            )
        elif settings.model_source == "file":
            settings.model_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(artifact, settings.model_path)
            say(f"Nothing was served yet: saved it to {settings.model_path}, served now.")
        elif settings.model_source != "none":
            _serve_first_version(client, settings, logged.version, say)
    return logged


def _serve_first_version(client: MlflowClient, settings: Settings, version: str, say: Say) -> None:
    """Nothing is served yet: the first version becomes @champion if it passes the gates."""
    say("Nothing was served yet; promoting it if it passes the gates:")
    outcome = gated_promotion(client, settings, version, force=False, reason="first model")
    for line in gate_lines(outcome):
        say(line)
    if outcome.promoted:
        say(f"@champion -> version {outcome.version}")
    else:
        say(
            f"Not promoted: nothing is served. Fix what failed, or `triage promote {version} "
            "--force --reason TEXT`."
        )


def _say_training(outcome: TrainingOutcome, precision: float, say: Say) -> None:
    """The evaluation on the fit set, the thresholds, and key figures on the other sets."""
    say(format_evaluation(outcome.evaluations[outcome.fit_set], target_precision=precision))
    thresholds = outcome.trained.manifest.thresholds
    say("")
    say(
        f"Thresholds (target precision {precision:.2f}, coverage "
        f"{thresholds['coverage']:.3f} on calibration set {outcome.fit_set!r}):"
    )
    for head in ("category", "severity"):
        values = ", ".join(
            f"{label} {'never' if t is None else f'{t:.3f}'}"
            for label, t in thresholds[head].items()
        )
        say(f"  {head}: {values}")
    for name, figures in outcome.evaluations.items():
        if name == outcome.fit_set:
            continue
        say(
            f"On calibration set {name!r}: category macro-F1 "
            f"{figures['model']['category']['macro_f1']:.3f}, severity macro-F1 "
            f"{figures['model']['severity']['macro_f1']:.3f}, red recall "
            f"{figures['combined']['red_recall'] or 0:.3f}"
        )


def retrain(
    client: MlflowClient,
    settings: Settings,
    base: LabelledDataset,
    fixes: LabelledDataset,
    *,
    nothing_served: Callable[[], bool],
    say: Say,
    out_path: Path | None = None,
    family: str | None = None,
    suspects_path: Path | None = None,
    min_confidence: float = 0.9,
    folds: int = 5,
) -> LoggedModel:
    """Retrain on `base` plus reviewers' corrections `fixes`; register the result as
    @challenger and return it.

    Corrections override the original label of the same text, duplicates are removed, and no
    text of a calibration set ever becomes a training row. Before training, corrections that
    a cross-validated model confidently disagrees with are written to `suspects_path`
    (default `var/suspects.csv`) for a reviewer to check. Promotion stays a separate step.
    """
    sets = load_sets(client, settings.calibration_sets)
    merged, report = merge_corrections(base, fixes, [cal.dataset for cal in sets])
    say(report.summary())
    if report.dropped_for_calibration:
        dropped = ", ".join(report.dropped_for_calibration)
        say(f"  not used (text is in a calibration set): {dropped}")
    fit_set = next(cal for cal in sets if cal.record.name == settings.fit_set)
    say(f"checking {len(report.correction_ids)} corrections for likely label errors...", err=True)
    suspects = find_suspect_corrections(
        merged,
        report.correction_ids,
        fit_set.dataset,
        folds=folds,
        min_confidence=min_confidence,
    )
    suspects_path = suspects_path or settings.mlflow_dir.parent / "suspects.csv"
    write_suspects(suspects, suspects_path)
    say(
        f"{len(suspects)} correction(s) look like label errors "
        f"(a model trained without them says otherwise with >= {min_confidence:.2f} confidence); "
        f"listed in {suspects_path}"
    )
    for suspect in suspects[:20]:
        say(
            f"  {suspect.id}: {suspect.head} {suspect.given!r} but model says "
            f"{suspect.predicted!r} ({suspect.confidence:.2f}): {suspect.text[:80]!r}"
        )
    logged = train_tracked(
        client,
        settings,
        merged,
        nothing_served=nothing_served,
        say=say,
        out_path=out_path,
        family=family,
        tags={
            "retrain": "true",
            "corrections_sha256": fixes.sha256,
            "corrections_rows": str(len(fixes)),
            "suspect_corrections": str(len(suspects)),
        },
    )
    set_challenger(
        client,
        logged.version,
        actor=actor_name(settings.actor),
        reason=f"retrained with {len(fixes)} corrections ({fixes.sha256[:12]})",
    )
    say(
        f"@challenger -> version {logged.version}; promote it with `triage promote "
        f"{logged.version}` once reviewed"
    )
    return logged
