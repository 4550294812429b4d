"""Reply template commands: `templates check` validates a templates file as the service would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from core.settings import get_settings


def templates_check(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="Templates JSON to check (default: TRIAGE_REPLY_TEMPLATES, else the shipped "
            "service/replies/reply_templates.json).",
        ),
    ] = None,
) -> None:
    """Validate a reply templates file the way the service does at start-up; lists its
    templates, or says which template is wrong (exit status 2)."""
    from service.replies.templates import DEFAULT_TEMPLATES, load_templates

    path = path or get_settings().reply_templates or DEFAULT_TEMPLATES
    templates = load_templates(path)
    for template in templates.templates:
        when = template.when.model_dump(exclude_none=True, mode="json")
        shown = json.dumps(when) if when else "always"
        typer.echo(f"{template.name:<32} {template.kind.value:<16} {shown}")
    typer.echo(
        f"{path}: {len(templates.templates)} template(s), version {templates.version}, valid"
    )
