"""The themes API's steps, each in one transaction: the admins' edits and a re-fit now."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from service.actors import Actor
from service.clock import utcnow
from service.db import transaction
from service.errors import ConflictError
from service.runtime import Runtime
from service.themes import edits
from service.themes.refit import run_refit
from service.themes.schemas import MergeIn, RefitOut, RenameIn, SplitIn, ThemeDetail
from service.themes.service import theme_detail


def _edit(runtime: Runtime, theme_id: int, change: Callable[[Session], object]) -> ThemeDetail:
    """Run an edit and answer the theme as it is after it. Two admins editing one theme at
    once on SQLite: the loser's compare-and-set of the version fails (StaleDataError): 409."""
    try:
        with transaction(runtime.factory) as session:
            change(session)
    except StaleDataError:
        raise ConflictError(
            f"theme {theme_id} changed while this edit ran; reload it and decide again"
        ) from None
    with transaction(runtime.factory) as session:
        return theme_detail(session, theme_id, period="day", now=utcnow())


def rename(runtime: Runtime, theme_id: int, body: RenameIn, actor: Actor) -> ThemeDetail:
    return _edit(
        runtime,
        theme_id,
        lambda s: edits.rename(s, theme_id, body.label, actor, version=body.version, now=utcnow()),
    )


def merge(runtime: Runtime, into_id: int, body: MergeIn, actor: Actor) -> ThemeDetail:
    return _edit(
        runtime,
        into_id,
        lambda s: edits.merge(s, body.sources, into_id, actor, version=body.version, now=utcnow()),
    )


def split(runtime: Runtime, theme_id: int, body: SplitIn, actor: Actor) -> ThemeDetail:
    """Answers the new theme."""
    created: list[int] = []

    def change(session: Session) -> object:
        new = edits.split(
            session, theme_id, body.item_ids, body.label, actor, version=body.version, now=utcnow()
        )
        created.append(new.id)
        return new

    _edit(runtime, theme_id, change)
    with transaction(runtime.factory) as session:
        return theme_detail(session, created[0], period="day", now=utcnow())


def refit(runtime: Runtime, actor: Actor) -> RefitOut:
    summary = run_refit(runtime.factory, runtime.settings, actor=actor.name)
    return RefitOut.model_validate(summary.as_dict())
