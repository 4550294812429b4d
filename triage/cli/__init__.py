"""The `triage` command line: one Typer app assembled from the commands of each area.

Commands parse their options, call training and service functions, and print. Each area
is a module: `model_commands` (train, retrain, classify, evaluate, ...), `lifecycle_commands`
(calibration sets, promotion, rollback, registered models), `service_commands` (serve, the
database, API keys, escalation, exports), `themes_commands` (theme re-fit and list),
`replies_commands` (reply templates check);
`common` holds what they share.
"""

from __future__ import annotations

import sys

import typer

from core.errors import ModelNotFoundError, TriageError
from triage.cli import backfill_commands as backfills
from triage.cli import lifecycle_commands as lifecycle
from triage.cli import model_commands as model
from triage.cli import replies_commands as replies
from triage.cli import service_commands as service
from triage.cli import themes_commands as themes
from triage.cli.common import echo_err

app = typer.Typer(
    help="review-triage: classify B2B customer feedback and flag what a human must see.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# `--help` lists the commands in this order, then the groups below.
app.command("train")(model.train)
app.command("classify")(model.classify)
app.command("classify-file")(model.classify_file)
app.command("evaluate")(model.evaluate)
app.command("fetch-embeddings")(model.fetch_embeddings)
app.command("info")(model.info)
app.command("retrain")(model.retrain)
app.command("promote")(lifecycle.promote)
app.command("rollback")(lifecycle.rollback)
app.command("compare")(lifecycle.compare)
app.command("serve")(service.serve)
app.command("escalate-overdue")(service.escalate_overdue)
app.command("export-corrections")(service.export_corrections)
app.command("backfill")(backfills.backfill)
app.command("import-history")(backfills.import_history)

calibration_app = typer.Typer(help="Named, frozen calibration sets every model is measured on.")
calibration_app.command("add")(lifecycle.calibration_add)
calibration_app.command("add-session")(lifecycle.calibration_add_session)
calibration_app.command("list")(lifecycle.calibration_list)
app.add_typer(calibration_app, name="calibration")

models_app = typer.Typer(help="Registered model versions and the history of their aliases.")
models_app.command("list")(lifecycle.models_list)
models_app.command("history")(lifecycle.models_history)
app.add_typer(models_app, name="models")

db_app = typer.Typer(help="The service database (SQLite by default, PostgreSQL via URL).")
db_app.command("upgrade")(service.db_upgrade)
app.add_typer(db_app, name="db")

patterns_app = typer.Typer(help="Themes and incidents of stored items (issue 18).")
patterns_app.command("run")(service.patterns_run)
app.add_typer(patterns_app, name="patterns")

thresholds_app = typer.Typer(
    help="Alerts on the managers' metrics (the routing policy's thresholds)."
)
thresholds_app.command("check")(service.thresholds_check)
app.add_typer(thresholds_app, name="thresholds")

keys_app = typer.Typer(help="API keys of the service.")
keys_app.command("create")(service.keys_create)
keys_app.command("list")(service.keys_list)
keys_app.command("skills")(service.keys_skills)
keys_app.command("revoke")(service.keys_revoke)
app.add_typer(keys_app, name="keys")

themes_app = typer.Typer(help="Recurring themes of the stored items.")
themes_app.command("refit")(themes.themes_refit)
themes_app.command("list")(themes.themes_list)
app.add_typer(themes_app, name="themes")

templates_app = typer.Typer(help="Reply and update templates of the service.")
templates_app.command("check")(replies.templates_check)
app.add_typer(templates_app, name="templates")


def main() -> None:
    """Entry point: run the app, turning the project's own errors into clear messages."""
    try:
        app()
    except ModelNotFoundError as exc:
        echo_err(f"error: {exc}")
        sys.exit(1)
    except TriageError as exc:
        echo_err(f"error: {exc}")
        sys.exit(2)
