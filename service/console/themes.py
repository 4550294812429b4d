"""The console's themes: the list (size, a trend sparkline, categories, severities) and one
theme's page (keywords, trend chart, representative items, history; admins rename it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from service.access.keys import Principal
from service.clock import utcnow
from service.console import charts
from service.console.routes import render, runtime_of, signed_in, to_login
from service.console.session import tokens_match
from service.db import transaction
from service.enums import Role
from service.errors import ServiceError
from service.inputs import MAX_ID
from service.themes import flows
from service.themes.schemas import RenameIn
from service.themes.service import list_themes, theme_detail

router = APIRouter(prefix="/ui", include_in_schema=False)
ThemeId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
PAGE = 100
# What the rename form's redirect says, by code (never text from the address).
NOTICES = {
    "renamed": ("ok", "Theme renamed; re-fits keep this name."),
    "stale": ("error", "Someone changed this theme first; nothing was saved. Check and retry."),
    "invalid": ("error", "The name must be 1 to 200 characters; nothing was saved."),
    "refused": ("error", "This theme cannot be renamed (it was merged or retired)."),
}


def _period(request: Request) -> str:
    return "week" if request.query_params.get("period") == "week" else "day"


def _breakdown(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items())


@router.get("/themes")
def themes_page(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    period = _period(request)
    with transaction(runtime_of(request).factory) as db:
        rows, total = list_themes(
            db, status="active", period=period, limit=PAGE, offset=0, now=utcnow()
        )
    themes = [
        {
            "theme": t,
            "spark": charts.sparkline(
                f"{t.label}: items per {period}",
                [p.period for p in t.trend],
                [p.count for p in t.trend],
            ),
            "categories": _breakdown(t.categories),
            "severities": _breakdown(t.severities),
        }
        for t in rows
    ]
    return render(
        request,
        "themes.html",
        {
            "user": user[0],
            "csrf_token": user[1].csrf,
            "themes": themes,
            "total": total,
            "period": period,
        },
    )


@router.get("/themes/{theme_id}")
def theme_page(request: Request, theme_id: ThemeId) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    period = _period(request)
    try:
        with transaction(runtime_of(request).factory) as db:
            theme = theme_detail(db, theme_id, period=period, now=utcnow())
    except ServiceError:
        return render(
            request,
            "not_found.html",
            {"user": user[0], "csrf_token": user[1].csrf, "item_id": theme_id, "what": "theme"},
            status_code=404,
        )
    notice = NOTICES.get(request.query_params.get("notice") or "")
    context: dict[str, Any] = {
        "user": user[0],
        "csrf_token": user[1].csrf,
        "theme": theme,
        "period": period,
        "chart": charts.count_chart(
            f"{theme.label}: items per {period}",
            [p.period for p in theme.trend],
            [p.count for p in theme.trend],
        ),
        "is_admin": _is_admin(user[0]),
        "notice": notice,
    }
    return render(request, "theme.html", context)


def _is_admin(principal: Principal) -> bool:
    return principal.role is Role.ADMIN


@router.post("/themes/{theme_id}/rename")
async def rename_theme(request: Request, theme_id: ThemeId) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    form = await request.form()
    if not tokens_match(user[1].csrf, str(form.get("csrf_token") or "")):
        return Response("Invalid or missing form token; reload the page.", status_code=403)
    if not _is_admin(user[0]):
        return Response("Only an admin renames themes.", status_code=403)
    version = str(form.get("version") or "")
    notice = "renamed"
    try:
        body = RenameIn(
            label=str(form.get("label") or ""),
            version=int(version) if version.isdigit() else None,
        )
        flows.rename(runtime_of(request), theme_id, body, user[0].actor)
    except ValidationError:
        notice = "invalid"
    except ServiceError as exc:
        notice = "stale" if exc.status_code == 409 and "changed" in exc.detail else "refused"
        if exc.status_code == 404:
            return Response("No such theme.", status_code=404)
    return RedirectResponse(f"/ui/themes/{theme_id}?notice={notice}", status_code=303)
