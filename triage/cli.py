"""The `triage` command line: train, classify, classify-file, evaluate, info."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from tqdm import tqdm

from model.errors import InvalidInputError, ModelNotFoundError, TriageError
from model.records import FeedbackItem, RawRow, RowReader, item_from_row
from triage.settings import get_settings

app = typer.Typer(
    help="review-triage: classify B2B customer feedback and flag what a human must see.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model", help="Model artifact (default: TRIAGE_MODEL_PATH, else var/model.joblib)."
    ),
]


def _model_path(model: Path | None) -> Path:
    return model or get_settings().model_path


def _echo_err(message: str) -> None:
    typer.echo(message, err=True)


@app.command()
def train(
    data: Annotated[
        Path | None, typer.Option(help="Labelled training file (default data/train.csv).")
    ] = None,
    calibration: Annotated[
        Path | None, typer.Option(help="Labelled calibration file (default data/calibration.csv).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Where to save the model.")] = None,
    target_precision: Annotated[
        float | None, typer.Option(help="Precision auto-applied labels must reach (default 0.95).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Also write the evaluation as JSON here.")
    ] = None,
    if_missing: Annotated[
        bool, typer.Option("--if-missing", help="Do nothing when a usable model is already there.")
    ] = False,
) -> None:
    """Train the classifier, derive confidence thresholds, print the evaluation, save the model."""
    from model.artifact import read_artifact
    from training.datasets import load_labelled
    from training.evaluate import format_evaluation
    from training.train import save_trained, train_model

    settings = get_settings()
    out_path = out or settings.model_path
    if if_missing and out_path.exists():
        try:
            _, manifest = read_artifact(out_path)
        except TriageError as exc:
            _echo_err(f"existing model is not usable ({exc}); training a new one")
        else:
            _echo_err(f"model {manifest.model_version} already at {out_path}; not retraining")
            return
    precision = target_precision if target_precision is not None else settings.target_precision
    train_set = load_labelled(data or settings.train_path)
    calibration_set = load_labelled(calibration or settings.calibration_path)
    _echo_err(
        f"training on {train_set.name} ({len(train_set)} rows), calibrating on "
        f"{calibration_set.name} ({len(calibration_set)} rows)..."
    )
    trained = train_model(train=train_set, calibration=calibration_set, target_precision=precision)
    save_trained(trained, out_path)
    typer.echo(format_evaluation(trained.evaluation, target_precision=precision))
    thresholds = trained.manifest.thresholds
    typer.echo("")
    typer.echo(
        f"Thresholds (target precision {precision:.2f}, coverage "
        f"{thresholds['coverage']:.3f} on the calibration set):"
    )
    for head in ("category", "severity"):
        values = ", ".join(
            f"{label} {'never' if t is None else f'{t:.3f}'}"
            for label, t in thresholds[head].items()
        )
        typer.echo(f"  {head}: {values}")
    if report:
        report.write_text(json.dumps(trained.evaluation, indent=2))
    typer.echo(f"\nSaved model {trained.manifest.model_version} to {out_path}")


@app.command()
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
    from model.artifact import load_triager

    item = item_from_row(
        {"text": text, "rating": rating, "source": source, "account_tier": account_tier},
        max_chars=get_settings().max_text_chars,
    )
    triager = load_triager(_model_path(model))
    result = triager.classify(item)
    typer.echo(json.dumps(result.to_dict(), indent=2))


@app.command("classify-file")
def classify_file(
    input_path: Annotated[
        Path, typer.Argument(metavar="IN", help="CSV or JSON Lines with a text column.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output JSON Lines file.")],
    model: ModelOption = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=100_000, help="Rows scored together.")
    ] = 512,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr.")] = True,
    fail_on_bad_rows: Annotated[
        bool,
        typer.Option(help="Exit with status 3 when any row was bad (all rows are still written)."),
    ] = False,
) -> None:
    """Classify every row of a file, streaming, one JSON object per input row.

    Input columns: text (required), id, rating, source, account_tier (optional). A bad row
    is written as {"id", "row", "error"} and reported on stderr; the rest go on.
    """
    from model.artifact import load_triager

    if not input_path.is_file():
        raise InvalidInputError(f"{input_path}: file not found")
    triager = load_triager(_model_path(model))
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
            disable=not progress,
            desc=input_path.name,
            file=sys.stderr,
        ) as bar,
    ):
        batch: list[tuple[RawRow, FeedbackItem | str]] = []
        for raw in reader:
            batch.append((raw, _parse_input_row(raw, max_chars)))
            if len(batch) >= batch_size:
                _flush(batch, triager, sink, counts)
                bar.update(reader.bytes_read - bar.n)
        _flush(batch, triager, sink, counts)
        bar.update(reader.bytes_read - bar.n)
    _echo_err(f"{counts['rows']} rows classified into {output}; {counts['bad']} bad row(s)")
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
    triager: Any,
    sink: TextIO,
    counts: dict[str, int],
) -> None:
    items = [parsed for _, parsed in batch if isinstance(parsed, FeedbackItem)]
    results = iter(triager.classify_many(items))
    for raw, parsed in batch:
        counts["rows"] += 1
        if isinstance(parsed, FeedbackItem):
            record = {"id": _row_id(raw), "row": raw.number} | next(results).to_dict()
        else:
            counts["bad"] += 1
            _echo_err(f"row {raw.number}: {parsed}")
            record = {"id": _row_id(raw), "row": raw.number, "error": parsed}
        sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    batch.clear()


@app.command()
def evaluate(
    data: Annotated[Path, typer.Option(help="Labelled file to evaluate on.")],
    model: ModelOption = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the full report as JSON.")
    ] = False,
) -> None:
    """Evaluate a model on a labelled file: the model alone, the rules alone, and both."""
    from model.artifact import load_triager
    from training.datasets import load_labelled
    from training.evaluate import evaluate as run_evaluation
    from training.evaluate import format_evaluation

    triager = load_triager(_model_path(model))
    dataset = load_labelled(data)
    report = run_evaluation(triager, dataset)
    if json_output:
        typer.echo(json.dumps(report, indent=2))
    else:
        target = triager.thresholds.target_precision if triager.thresholds else None
        typer.echo(format_evaluation(report, target_precision=target))


@app.command()
def info(model: ModelOption = None) -> None:
    """Print the manifest of a model artifact."""
    from model.artifact import read_artifact

    _, manifest = read_artifact(_model_path(model))
    typer.echo(json.dumps(manifest.to_dict(), indent=2))


def main() -> None:
    """Entry point: run the app, turning the project's own errors into clear messages."""
    try:
        app()
    except ModelNotFoundError as exc:
        _echo_err(f"error: {exc}")
        sys.exit(1)
    except TriageError as exc:
        _echo_err(f"error: {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
