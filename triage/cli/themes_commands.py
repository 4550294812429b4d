"""Theme commands: `themes refit` (what the service also does on a schedule) and `themes list`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from core.errors import InvalidInputError
from core.settings import get_settings


def themes_refit() -> None:
    """Re-fit the themes now on the last TRIAGE_THEMES_WINDOW_DAYS of items (old themes keep
    their ids and admins' names); prints what changed as JSON."""
    from service.db import make_engine, migrate, session_factory
    from service.themes.refit import run_refit
    from training.registry import actor_name

    settings = get_settings()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        summary = run_refit(session_factory(engine), settings, actor=actor_name(settings.actor))
    finally:
        engine.dispose()
    typer.echo(json.dumps(summary.as_dict()))


def themes_list(
    status: Annotated[str, typer.Option(help="active, merged or retired.")] = "active",
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Most themes to show.")] = 50,
) -> None:
    """Themes, most items in the last 30 days first: id, items, last 30 days, label."""
    from service.clock import utcnow
    from service.db import open_database
    from service.enums import ThemeStatus
    from service.themes.service import list_themes

    if status not in {s.value for s in ThemeStatus}:
        raise InvalidInputError(f"status must be one of {', '.join(ThemeStatus)}, not {status!r}")
    with open_database(get_settings().database_url) as session:
        rows, total = list_themes(
            session, status=status, period="day", limit=limit, offset=0, now=utcnow()
        )
        for theme in rows:
            typer.echo(f"{theme.id:>5}  {theme.size:>6}  {theme.recent:>6}  {theme.label}")
    typer.echo(f"{len(rows)} of {total} {status} theme(s)", err=True)
