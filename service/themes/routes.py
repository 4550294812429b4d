"""Themes: GET /v1/themes, GET /v1/themes/{id}; admins rename, merge, split and re-fit."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from service.clock import utcnow
from service.contract import CONFLICT, KEYED, NOT_FOUND, WITH_BODY, JsonRoute, Limit, Offset
from service.db import transaction
from service.deps import Admin, Reader, RuntimeDep
from service.enums import ThemeStatus
from service.inputs import MAX_ID
from service.themes import flows
from service.themes.schemas import (
    MergeIn,
    RefitOut,
    RenameIn,
    SplitIn,
    ThemeDetail,
    ThemePage,
)
from service.themes.service import list_themes, theme_detail

router = APIRouter(prefix="/v1", tags=["themes"], route_class=JsonRoute, responses=KEYED)

ThemeId = Annotated[int, Path(ge=1, le=MAX_ID, description="The theme's id.")]
Period = Annotated[Literal["day", "week"], Query(description="Trend periods: 30 days or 12 weeks.")]
EDIT = WITH_BODY | NOT_FOUND | CONFLICT


@router.get("/themes", response_model=ThemePage)
def themes(
    runtime: RuntimeDep,
    _: Reader,
    status: Annotated[ThemeStatus, Query(description="Themes of this status.")] = (
        ThemeStatus.ACTIVE
    ),
    period: Period = "day",
    limit: Limit = 50,
    offset: Offset = 0,
) -> ThemePage:
    """Themes, most items in the trend's periods first (`total` counts the status's themes)."""
    limit = min(limit, runtime.settings.page_limit)
    with transaction(runtime.factory) as session:
        rows, total = list_themes(
            session, status=status.value, period=period, limit=limit, offset=offset, now=utcnow()
        )
    return ThemePage(items=rows, total=total, limit=limit, offset=offset)


@router.get("/themes/{theme_id}", response_model=ThemeDetail, responses=NOT_FOUND)
def theme(theme_id: ThemeId, runtime: RuntimeDep, _: Reader, period: Period = "day") -> ThemeDetail:
    """One theme with its figures and history (created, relabelled, renamed, merged, split)."""
    with transaction(runtime.factory) as session:
        return theme_detail(session, theme_id, period=period, now=utcnow())


@router.post("/themes/refit", response_model=RefitOut, responses=CONFLICT)
def refit(runtime: RuntimeDep, principal: Admin) -> RefitOut:
    """Re-fit the themes now on the last TRIAGE_THEMES_WINDOW_DAYS of items (minutes for
    thousands of items); 409 while another re-fit runs, 503 without the encoder's weights."""
    return flows.refit(runtime, principal.actor)


@router.post("/themes/{theme_id}/rename", response_model=ThemeDetail, responses=EDIT)
def rename(theme_id: ThemeId, body: RenameIn, runtime: RuntimeDep, principal: Admin) -> ThemeDetail:
    """Name a theme; the name survives re-fits. A stale `version` gets 409."""
    return flows.rename(runtime, theme_id, body, principal.actor)


@router.post("/themes/{theme_id}/merge", response_model=ThemeDetail, responses=EDIT)
def merge(theme_id: ThemeId, body: MergeIn, runtime: RuntimeDep, principal: Admin) -> ThemeDetail:
    """Merge `sources` into this theme: their items move here (422 to merge a theme into
    itself). A stale `version` (of this theme) gets 409."""
    return flows.merge(runtime, theme_id, body, principal.actor)


@router.post("/themes/{theme_id}/split", response_model=ThemeDetail, responses=EDIT)
def split(theme_id: ThemeId, body: SplitIn, runtime: RuntimeDep, principal: Admin) -> ThemeDetail:
    """`item_ids` of this theme leave it for a new theme named `label`; answers the new theme
    (422 when an item is not in this theme)."""
    return flows.split(runtime, theme_id, body, principal.actor)
