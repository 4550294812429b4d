"""Service commands: db upgrade, serve, keys, escalate-overdue, export-corrections, patterns,
thresholds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from core.errors import InvalidInputError
from core.settings import get_settings
from triage.cli.common import echo_err, safe_url

if TYPE_CHECKING:  # the service loads only when a command needs it
    from service.runtime import Runtime


def db_upgrade() -> None:
    """Create or migrate the service database (TRIAGE_DATABASE_URL) to the latest schema."""
    from service.db import migrate

    url = get_settings().database_url
    migrate(url)
    typer.echo(f"database at {safe_url(url)} is at the latest schema")


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
    from service.access.keys import list_keys, seed_bootstrap_key
    from service.db import open_database

    settings = get_settings()
    bind_host, bind_port = host or settings.host, port or settings.port
    listener = server.listening_socket(bind_host, bind_port)  # first: a taken port fails fast
    with open_database(settings.database_url) as session:
        if settings.bootstrap_admin_key is not None:  # once, before any worker starts
            seed_bootstrap_key(session=session, key=settings.bootstrap_admin_key.get_secret_value())
        has_keys = any(k.revoked_at is None for k in list_keys(session=session))
    processes = workers or settings.workers
    echo_err(
        f"review-triage service on http://{bind_host}:{bind_port} (API docs: "
        f"http://{bind_host}:{bind_port}/docs); database {safe_url(settings.database_url)}"
        + (f"; {processes} worker processes" if processes > 1 else "")
    )
    if not has_keys:
        echo_err(
            "No API keys yet. In another terminal: .venv/bin/triage keys create --role admin "
            "(or helpdesk / reviewer); send it as 'Authorization: Bearer KEY'."
        )
    server.run(settings, listener, processes)


SkillArgs = Annotated[
    list[str] | None,
    typer.Option(
        "--skill",
        help="A skill, repeatable: flag:FAMILY (legal, security, fraud, safety), lang:ISO-CODE "
        "(en, de...) or category:CATEGORY (complaint...). The key's queue shows matching "
        "items first.",
    ),
]


def _skills_text(stored: dict[str, list[str]]) -> str:
    """Skills in the `--skill` form: `flag:legal lang:de`, or `no skills`."""
    from service.access.skills import KINDS

    words = [f"{kind}:{value}" for kind, field in KINDS.items() for value in stored.get(field, [])]
    return " ".join(words) or "no skills"


def keys_create(
    role: Annotated[str, typer.Option(help="helpdesk, reviewer or admin.")],
    name: Annotated[str | None, typer.Option(help="Who or what uses the key.")] = None,
    skill: SkillArgs = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from service.access.keys import create_key
    from service.access.skills import parse_skill_args
    from service.db import open_database
    from service.enums import Role

    try:
        chosen = Role(role)
    except ValueError:
        raise InvalidInputError(
            f"role must be one of {[r.value for r in Role]}, got {role!r}"
        ) from None
    skills = parse_skill_args(skill or [])
    with open_database(get_settings().database_url) as session:
        created = create_key(
            session=session, role=chosen, name=name or f"{chosen.value}-key", skills=skills
        )
    echo_err(
        f"API key {created.id} ({created.role.value}, {created.name}, "
        f"{_skills_text(skills.stored())}); shown only now:"
    )
    typer.echo(created.key)


def keys_list() -> None:
    """List API keys (never the keys themselves) with their skills."""
    from service.access.keys import list_keys
    from service.db import open_database

    with open_database(get_settings().database_url) as session:
        for key in list_keys(session=session):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            typer.echo(
                f"{key.id:>4}  {key.role:<9} {key.prefix}...  {key.name}  {state}  "
                f"{_skills_text(key.skills)}"
            )


def keys_skills(
    key_id: Annotated[int, typer.Argument(help="Key id from `keys list`.")],
    skill: SkillArgs = None,
) -> None:
    """Replace a key's skills (none given: the key has no skills)."""
    from service.access.keys import set_skills
    from service.access.skills import parse_skill_args
    from service.db import open_database

    skills = parse_skill_args(skill or [])
    with open_database(get_settings().database_url) as session:
        set_skills(session=session, key_id=key_id, skills=skills)
    typer.echo(f"API key {key_id}: {_skills_text(skills.stored())}")


def keys_revoke(key_id: Annotated[int, typer.Argument(help="Key id from `keys list`.")]) -> None:
    """Revoke an API key."""
    from service.access.keys import revoke_key
    from service.db import open_database

    with open_database(get_settings().database_url) as session:
        revoke_key(session=session, key_id=key_id)
    typer.echo(f"API key {key_id} revoked")


@contextmanager
def _one_off_runtime() -> Iterator[Runtime]:
    """The service's runtime for one command, on the migrated database and without a model,
    its webhooks sent before it ends (waiting up to 10 s; what is still pending stays in the
    outbox, and any service process on this database sends it)."""
    from service.app import build_runtime
    from service.db import migrate

    settings = get_settings()
    migrate(settings.database_url)
    runtime = build_runtime(settings.model_copy(update={"model_source": "none"}))
    runtime.notifier.start()
    try:
        yield runtime
        runtime.notifier.wait_idle(10.0)
    finally:
        runtime.notifier.stop()
        runtime.engine.dispose()


def escalate_overdue() -> None:
    """Escalate every overdue item one level (for cron; the service also does it itself)."""
    from service.items.flows import escalate

    with _one_off_runtime() as runtime:
        moved = escalate(runtime)
    typer.echo(f"escalated {len(moved)} overdue item(s)" + (f": {moved}" if moved else ""))


def export_corrections(
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV file to write.")],
) -> None:
    """Write every human-confirmed or corrected label (latest per item) as a labelled CSV."""
    from service.items.exports import export_corrections_csv

    count = export_corrections_csv(get_settings().database_url, output)
    typer.echo(f"{count} reviewed item(s) written to {output}")


def patterns_run() -> None:
    """Give every item not analysed yet its theme and run the burst detector over them (the
    service does it itself every TRIAGE_PATTERNS_INTERVAL_SECONDS; this drains a backlog)."""
    from service.patterns.flows import analyse_all

    with _one_off_runtime() as runtime:
        rounds = analyse_all(runtime)
    incidents = sorted({i for r in rounds for i in r.incidents})
    typer.echo(
        f"analysed {sum(r.items for r in rounds)} item(s): {sum(r.themed for r in rounds)} "
        f"joined a theme, {sum(r.linked for r in rounds)} linked to an incident"
        + (f"; incidents opened or changed: {incidents}" if incidents else "")
    )


def thresholds_check() -> None:
    """Evaluate the routing policy's metric thresholds once: raise an alert (and its
    `metric_threshold` webhook) for each new crossing, clear those that recovered (the service
    does it itself every TRIAGE_THRESHOLDS_INTERVAL_SECONDS)."""
    from service.metrics.thresholds import check_thresholds

    with _one_off_runtime() as runtime:
        check = check_thresholds(runtime)
        thresholds = runtime.policy.thresholds
    for threshold in thresholds:
        reading = check.readings[threshold.name]
        if threshold.name in check.raised:
            state = "RAISED"
        elif threshold.name in check.open:
            state = "open"
        elif threshold.name in check.cleared:
            state = "cleared"
        else:
            state = "ok"
        value = "no reading" if reading.value is None else f"{reading.value:.4g}"
        typer.echo(
            f"{threshold.name}: {threshold.metric.value} {value} "
            f"({threshold.comparison} {threshold.value:g} raises) {state}"
        )
    typer.echo(
        f"{len(thresholds)} threshold(s): {len(check.raised)} alert(s) raised, "
        f"{len(check.cleared)} cleared, {len(check.open)} open"
    )
