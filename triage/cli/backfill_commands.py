"""Backfill commands: re-score history on Spark, load it into the service database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.settings import get_settings
from triage.cli.common import client, echo_err


def backfill(
    input_path: Annotated[
        str,
        typer.Argument(
            metavar="INPUT", help="CSV, JSON Lines or Parquet: a file, a folder or any Spark URL."
        ),
    ],
    output: Annotated[
        str, typer.Argument(metavar="OUTPUT", help="Output folder (replaced if it exists).")
    ],
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="MLflow model URI: models:/review-triage@champion (default), "
            "models:/review-triage/3, runs:/RUN_ID/model, or a local model folder.",
        ),
    ] = None,
    master: Annotated[
        str, typer.Option(help="Spark master: local[*], local[2], spark://host:7077, ...")
    ] = "local[*]",
    output_format: Annotated[
        str, typer.Option("--format", help="Output format: parquet or jsonl.")
    ] = "parquet",
    input_format: Annotated[
        str | None,
        typer.Option(help="csv, jsonl or parquet (default: from INPUT's extension)."),
    ] = None,
    with_input: Annotated[
        bool,
        typer.Option(
            help="Also write the input's text, rating, source, account_tier, external_id, "
            "account_id, author, created_at and language (what `triage import-history` loads)."
        ),
    ] = False,
) -> None:
    """Score every row of INPUT on Spark with the registered model and write the
    `classify-file` columns to OUTPUT. A bad row gets its `error`; the job goes on."""
    from training.backfill import CHAMPION_URI, backfill, input_format_of, start_spark

    input_format_of(input_path, input_format)  # a bad name fails before Spark starts
    client()  # points MLflow at the configured store, where models:/ URIs are found
    uri = model or CHAMPION_URI
    echo_err(f"using model {uri}")
    spark = start_spark(master)
    try:
        summary = backfill(
            spark,
            input_path,
            output,
            model_uri=uri,
            input_format=input_format,
            output_format=output_format,
            max_chars=get_settings().max_text_chars,
            with_input=with_input,
            say=echo_err,
        )
    finally:
        spark.stop()
    echo_err(
        f"{summary.rows} rows read: {summary.rows - summary.bad} classified, {summary.bad} bad; "
        f"written to {summary.output} ({output_format}) in {summary.seconds:.1f} s"
    )


def import_history(
    output: Annotated[
        Path,
        typer.Argument(
            metavar="OUTPUT", help="What `triage backfill --with-input` wrote (folder or file)."
        ),
    ],
) -> None:
    """Load backfilled rows into the service database as historical items: resolved, counted
    in metrics and themes, never queued, escalated or notified about. A second import of the
    same rows adds nothing (keyed by source and external_id, else by a hash of source and
    text)."""
    from service.db import open_database
    from service.items.history import history_rows, import_history
    from service.routing.policy import load_policy

    settings = get_settings()
    policy = load_policy(settings.routing_policy)
    with open_database(settings.database_url) as session:
        counts = import_history(session, history_rows(output), policy=policy, origin=str(output))
    typer.echo(
        f"{counts.rows} row(s) read: {counts.added} historical item(s) added, "
        f"{counts.present} already stored, {counts.skipped} with an error skipped"
    )
