"""Model lifecycle commands: calibration sets, promote, rollback, models, compare."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.settings import get_settings
from triage.cli.common import client, pickup_note


def calibration_add(
    name: Annotated[str, typer.Argument(help="Name of the set (lower case, digits, - and _).")],
    path: Annotated[
        Path, typer.Argument(help="Labelled CSV or JSON Lines file, or a folder of them.")
    ],
) -> None:
    """Register and freeze a labelled file (or folder) as a calibration set."""
    from training.calibration_sets import ensure_project_sets, register_set

    mlflow = client()
    ensure_project_sets(mlflow, get_settings().calibration_sets)  # the project's sets first
    record = register_set(mlflow, name, path)
    typer.echo(f"calibration set {record.name!r}: {record.rows} rows, sha256 {record.sha256[:12]}")


def calibration_add_session(
    session_id: Annotated[int, typer.Argument(help="The calibration session's id.", min=1)],
    name: Annotated[str, typer.Argument(help="Name of the set (lower case, digits, - and _).")],
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write the file (default: TRIAGE_CALIBRATION_SESSIONS_DIR)."),
    ] = None,
) -> None:
    """Export an adjudicated calibration session as a labelled file and register it as a
    calibration set, in one step (refused until every item has a settled label)."""
    from core.errors import CalibrationSetError
    from service.db import open_database
    from service.sessions.export import export_csv
    from training.calibration_sets import check_name, ensure_project_sets, register_set

    check_name(name)  # before anything is written
    settings = get_settings()
    with open_database(settings.database_url) as session:
        text = export_csv(session, session_id)
    path = out or settings.calibration_sessions_dir / f"{name}.csv"
    # A registered set is frozen by its file's digest: never overwrite another file.
    if path.exists() and path.read_text(encoding="utf-8") != text:
        raise CalibrationSetError(f"{path} exists with other rows; choose another NAME or --out")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    mlflow = client()
    ensure_project_sets(mlflow, settings.calibration_sets)  # the project's sets first
    record = register_set(mlflow, name, path)
    typer.echo(
        f"calibration set {record.name!r} from session {session_id}: {record.rows} rows, "
        f"sha256 {record.sha256[:12]}, file {path}"
    )


def calibration_list() -> None:
    """List the registered calibration sets."""
    from training.calibration_sets import ensure_project_sets, list_sets

    mlflow = client()
    ensure_project_sets(mlflow, get_settings().calibration_sets)
    for record in list_sets(mlflow):
        typer.echo(
            f"{record.name:<16}{record.rows:>6} rows  sha256 {record.sha256[:12]}  "
            f"{record.registered_at}  {record.path}"
        )


def promote(
    version: Annotated[
        str | None, typer.Argument(help="Version to promote (default: the newest).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Promote even if a gate fails (needs --reason).")
    ] = False,
    reason: Annotated[str | None, typer.Option(help="Why; recorded in the history.")] = None,
) -> None:
    """Measure a version against @champion on every calibration set; move @champion if it wins."""
    from training.jobs import gate_lines, gated_promotion
    from training.registry import require_promoted

    settings = get_settings()
    outcome = gated_promotion(client(), settings, version, force=force, reason=reason)
    typer.echo(
        f"version {outcome.version} against "
        + (f"champion version {outcome.previous}:" if outcome.previous else "no champion yet:")
    )
    for line in gate_lines(outcome):
        typer.echo(line)
    require_promoted(outcome)
    forced = " (forced: gates failed)" if outcome.gates.failures else ""
    typer.echo(f"@champion -> version {outcome.version}{forced}")
    typer.echo(pickup_note(settings))


def rollback(
    reason: Annotated[str | None, typer.Option(help="Why; recorded in the history.")] = None,
) -> None:
    """Move @champion back to the previous champion."""
    from training.registry import actor_name
    from training.registry import rollback as rollback_champion

    settings = get_settings()
    entry = rollback_champion(client(), actor=actor_name(settings.actor), reason=reason)
    typer.echo(f"@champion -> version {entry.version} (was version {entry.previous})")
    typer.echo(pickup_note(settings))


def models_list() -> None:
    """Registered versions with their aliases and key figures on the default calibration set."""
    from datetime import UTC, datetime

    from training.lifecycle import format_table, version_rows

    rows = version_rows(client())
    if not rows:
        typer.echo("no registered versions yet; run `triage train`")
        return
    table = [["version", "aliases", "created", "family", "cat F1", "sev F1", "red rec", "ECE max"]]
    for row in rows:
        m = row["metrics"]

        def figure(key: str, metrics: dict[str, float] = m) -> str:
            value = metrics.get(f"default/{key}")
            return "-" if value is None else f"{value:.3f}"

        eces = [m.get(f"default/model/{h}/ece") for h in ("category", "severity")]
        worst = max((e for e in eces if e is not None), default=None)
        created = datetime.fromtimestamp(row["created"] / 1000, UTC)
        table.append(
            [
                row["version"],
                ",".join("@" + a for a in row["aliases"]) or "-",
                f"{created:%Y-%m-%d %H:%M}",
                row["family"],
                figure("model/category/macro_f1"),
                figure("model/severity/macro_f1"),
                figure("combined/red_recall"),
                "-" if worst is None else f"{worst:.3f}",
            ]
        )
    typer.echo(format_table(table))


def models_history() -> None:
    """Every alias move: promotions (forced or not), rollbacks, challengers."""
    from training.registry import history

    entries = history(client())
    if not entries:
        typer.echo("no alias moves yet")
        return
    for e in entries:
        previous = f" (was {e.previous})" if e.previous else ""
        why = f": {e.reason}" if e.reason else ""
        typer.echo(f"{e.at}  {e.action:<15}@{e.alias} -> {e.version}{previous}  by {e.actor}{why}")
        for failure in e.failed:
            typer.echo(f"    failed gate: {failure}")


def compare(
    refs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[RUN_OR_VERSION]...",
            help="Versions (3, v3), aliases (@champion) or run ids (default: the champion and "
            "the latest runs).",
        ),
    ] = None,
    latest: Annotated[int, typer.Option(min=1, help="Latest runs shown by default.")] = 3,
) -> None:
    """Print runs side by side on each calibration set."""
    from training.lifecycle import comparison_table, format_table, resolve_runs, set_names

    columns = resolve_runs(client(), refs or [], latest=latest)
    for set_name in set_names(columns):
        typer.echo(f"\nCalibration set {set_name!r}")
        typer.echo(format_table(comparison_table(columns, set_name)))
