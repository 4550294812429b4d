"""The console's pages. Each handler checks the session, calls the same service functions as the
API (with the same roles), and renders a template; every change is a POST with a CSRF token."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from core.errors import InvalidInputError
from model.labels import CATEGORIES, FLAG_FAMILIES, SEVERITIES
from service.access.keys import Principal, authenticate, authorize, skills_of
from service.clock import as_utc
from service.console import charts, replies
from service.console.claims import CLAIM_STEPS, claim_step
from service.console.flash import drop_flash, take_flash
from service.console.navigation import back_to_item, done_redirect, queue_filters
from service.console.reasons import in_words
from service.console.session import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    UiSession,
    cookie_value,
    end_session,
    find_session,
    start_session,
    token_from_cookie,
    tokens_match,
)
from service.contract import ItemId
from service.db import transaction
from service.enums import Owner
from service.errors import ConflictError, ServiceError
from service.inputs import MAX_INT
from service.items import flows
from service.items.claims import ClaimHeldError
from service.items.schemas import (
    DismissIn,
    DismissReason,
    PostEscalationReview,
    ResolveIn,
    ReviewIn,
)
from service.items.views import get_item, item_public, queue, to_detail
from service.runtime import Runtime

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
PAGE_SIZE = 25
# The resolve form's post-escalation review fields, named as in the API.
REVIEW_FIELDS = tuple(PostEscalationReview.model_fields)
TEMPLATES.env.filters["duration"] = lambda v: "—" if v is None else charts.human_duration(v)
TEMPLATES.env.filters["percent"] = lambda v: "—" if v is None else f"{100 * v:.0f}%"
TEMPLATES.env.filters["reason"] = in_words


def when(value: Any) -> str:
    """A timestamp (datetime or ISO text) as `2026-11-22 19:33:04 UTC`; other text unchanged."""
    if isinstance(value, str):
        text: str = value
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    if isinstance(value, datetime):
        return as_utc(value).strftime("%Y-%m-%d %H:%M:%S UTC")
    return "—" if value is None else str(value)


TEMPLATES.env.filters["when"] = when

router = APIRouter(prefix="/ui", include_in_schema=False)

# Bounded so that the offset they make stays within a database integer.
Page = Annotated[int, Query(ge=1, le=MAX_INT // PAGE_SIZE)]
Position = Annotated[int, PathParam(ge=0, le=MAX_INT)]


# ---- session --------------------------------------------------------------------------------


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _secret(request: Request) -> bytes:
    secret: bytes = request.app.state.ui_secret
    return secret


def _session_token(request: Request) -> str | None:
    return token_from_cookie(secret=_secret(request), value=request.cookies.get(SESSION_COOKIE))


def signed_in(request: Request) -> tuple[Principal, UiSession] | None:
    """The signed-in reviewer or admin, or None: no cookie, a forged one, or a session that is
    unknown, ended (signed out), expired, or whose API key is revoked."""
    token = _session_token(request)
    if token is None:
        return None
    with transaction(runtime_of(request).factory) as db:
        found = find_session(session=db, token=token)
    if found is None:
        return None
    try:
        authorize(found[0], "review")
    except ServiceError:
        return None
    return found


def _delete_cookie(request: Request, response: Response, name: str) -> None:
    """Expire a console cookie with the same attributes it was set with."""
    response.delete_cookie(
        name,
        path="/ui",
        secure=runtime_of(request).settings.ui_cookie_secure,
        httponly=True,
        samesite="strict",
    )


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/ui/login?{urlencode({'next': target})}", status_code=303)


def _safe_next(target: str | None) -> str:
    """Only local console paths: never an open redirect."""
    if target and target.startswith("/ui/") and not target.startswith("//"):
        return target
    return "/ui/queue"


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """The page, with the notice a redirect left for it (shown once, then dropped)."""
    flash = context["flash"] if "flash" in context else take_flash(request)
    response = TEMPLATES.TemplateResponse(
        request, template, {"flash": flash} | context, status_code=status_code
    )
    drop_flash(response, request)
    return response


def _check_csrf(session: UiSession, form: Any) -> bool:
    return tokens_match(session.csrf, form.get("csrf_token"))


def _forbidden() -> HTMLResponse:
    return HTMLResponse("Invalid or missing form token; reload the page.", status_code=403)


# ---- sign-in --------------------------------------------------------------------------------


@router.get("")
@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse("/ui/queue" if signed_in(request) else "/ui/login", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None, error: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"csrf_token": token, "next": _safe_next(next), "error": error, "user": None},
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        secure=runtime_of(request).settings.ui_cookie_secure,
        samesite="strict",
        path="/ui",
        max_age=3600,
    )
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    target = _safe_next(str(form.get("next") or ""))
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), str(form.get("csrf_token", ""))):
        return _forbidden()
    runtime = runtime_of(request)
    key = str(form.get("api_key") or "").strip()
    try:
        with transaction(runtime.factory) as db:
            principal = authenticate(session=db, key=key)
        authorize(principal, "review")
    except ServiceError as exc:
        message = (
            "This key may not use the console (reviewer or admin keys only)."
            if exc.status_code == 403
            else "That API key is not valid."
        )
        return RedirectResponse(
            f"/ui/login?{urlencode({'next': target, 'error': message})}", status_code=303
        )
    settings = runtime.settings
    previous = _session_token(request)
    with transaction(runtime.factory) as db:
        if previous is not None:  # signing in again replaces the browser's session
            end_session(session=db, token=previous)
        started = start_session(
            session=db, key_id=principal.key_id, minutes=settings.ui_session_minutes
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie_value(secret=_secret(request), token=started.token),
        httponly=True,
        secure=settings.ui_cookie_secure,
        samesite="strict",
        path="/ui",
        max_age=60 * settings.ui_session_minutes,
    )
    _delete_cookie(request, response, LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session on the server (a replayed cookie is then refused) and drop the cookie."""
    user = signed_in(request)
    form = await request.form()
    if user is not None:
        if not _check_csrf(user[1], form):
            return _forbidden()
        token = _session_token(request)
        if token is not None:
            with transaction(runtime_of(request).factory) as db:
                end_session(session=db, token=token)
    response = RedirectResponse("/ui/login", status_code=303)
    _delete_cookie(request, response, SESSION_COOKIE)
    return response


# ---- queue ----------------------------------------------------------------------------------


def time_left(due: datetime, now: datetime) -> tuple[str, bool]:
    """('in 2h 05m', False) or ('overdue by 15m', True)."""
    seconds = (due - now).total_seconds()
    if seconds < 0:
        return f"overdue by {charts.human_duration(-seconds)}", True
    return f"in {charts.human_duration(seconds)}", False


def _row(item: Any, now: datetime, position: int) -> dict[str, Any]:
    public = item_public(item, now=now)
    left, overdue = time_left(public["due_at"], now)
    families = sorted({flag["family"] for flag in public["red_flags"]})
    return public | {
        "time_left": left,
        "is_overdue": overdue,
        "families": families,
        "position": position,
    }


@router.get("/queue")
def queue_page(request: Request, page: Page = 1) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    runtime = runtime_of(request)
    filters, chosen = queue_filters(request.query_params)
    now = datetime.now(UTC)
    with transaction(runtime.factory) as db:
        rows, total = queue(
            session=db,
            filters=filters,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            now=now,
            skills=skills_of(session=db, key_id=user[0].key_id),
        )
        items = [_row(r, now, (page - 1) * PAGE_SIZE + i) for i, r in enumerate(rows)]
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    return render(
        request,
        "queue.html",
        {
            "user": user[0],
            "csrf_token": user[1].csrf,
            "items": items,
            "total": total,
            "page": page,
            "pages": pages,
            "chosen": chosen,
            "query": urlencode(chosen),
            "categories": [c.value for c in CATEGORIES],
            "severities": [s.value for s in SEVERITIES],
            "owners": [o.value for o in Owner],
        },
    )


@router.get("/queue/at/{position}")
def queue_at(request: Request, position: Position) -> Response:
    """The item at a queue position (j/k navigation); past the end, back to the queue."""
    user = signed_in(request)
    if user is None:
        return to_login(request)
    runtime = runtime_of(request)
    filters, chosen = queue_filters(request.query_params)
    with transaction(runtime.factory) as db:
        skills = skills_of(session=db, key_id=user[0].key_id)
        rows, _ = queue(session=db, filters=filters, limit=1, offset=position, skills=skills)
        item_id = rows[0].id if rows else None
    if item_id is None:
        return RedirectResponse(f"/ui/queue?{urlencode(chosen | {'end': 1})}", status_code=303)
    extra = urlencode({"pos": position, **chosen})
    return RedirectResponse(f"/ui/items/{item_id}?{extra}", status_code=303)


# ---- item -----------------------------------------------------------------------------------


def highlighted(text: str, flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The text cut into plain and flagged segments (overlapping hits merged); the template
    escapes every segment."""
    spans = sorted((int(f["start"]), int(f["end"]), f) for f in flags if f["end"] > f["start"])
    merged: list[tuple[int, int, list[dict[str, Any]]]] = []
    for start, end, flag in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), [*last[2], flag])
        else:
            merged.append((start, end, [flag]))
    segments: list[dict[str, Any]] = []
    cursor = 0
    for start, end, hits in merged:
        if start > cursor:
            segments.append({"text": text[cursor:start], "flags": []})
        segments.append({"text": text[start:end], "flags": hits})
        cursor = end
    if cursor < len(text):
        segments.append({"text": text[cursor:], "flags": []})
    return segments


def _item_context(
    request: Request, user: tuple[Principal, UiSession], item_id: int, **extra: Any
) -> dict[str, Any] | None:
    runtime = runtime_of(request)
    now = datetime.now(UTC)
    with transaction(runtime.factory) as db:
        try:
            detail = to_detail(get_item(session=db, item_id=item_id, history=True))
        except ServiceError:
            return None
    item = detail.model_dump()
    left, overdue = time_left(detail.due_at, now)
    position = request.query_params.get("pos")
    _, chosen = queue_filters(request.query_params)
    return {
        "user": user[0],
        "csrf_token": user[1].csrf,
        "item": item,
        "segments": highlighted(detail.text, item["red_flags"]),
        "time_left": left,
        "is_overdue": overdue,
        "position": int(position) if position and position.isdigit() else None,
        "flag_families": [f.value for f in FLAG_FAMILIES],
        "queue_query": urlencode(chosen),
        "categories": [c.value for c in CATEGORIES],
        "severities": [s.value for s in SEVERITIES],
        "reasons": [r.value for r in DismissReason],
        "root_causes": runtime.policy.resolution.root_causes,
        "needs_root_cause": runtime.policy.resolution.needs_root_cause(detail.severity),
        "needs_resolution_review": runtime.policy.resolution.needs_review(detail.severity),
        "conflict": None,
        "error": None,
        "attempt": {},
        "shortened": False,
        "reply": replies.reply_panel(
            runtime, item_id, detail.response_rule.value, request.query_params.get("reply_kind")
        ),
    } | extra


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: ItemId) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    context = _item_context(request, user, item_id)
    if context is None:
        return render(
            request,
            "not_found.html",
            {"user": user[0], "csrf_token": user[1].csrf, "item_id": item_id},
            404,
        )
    flash = take_flash(request)
    if flash is not None and flash.kind != "done" and flash.item_id == item_id:
        # The change this page's form sent was not saved: say why, and show what it was.
        context["attempt"] = flash.attempt
        context["shortened"] = flash.shortened
        if "reply_kind" in flash.attempt:  # the reply form's kind, not the default one
            context["reply"] = replies.reply_panel(
                runtime_of(request),
                item_id,
                context["item"]["response_rule"],
                flash.attempt["reply_kind"],
            )
        if flash.kind == "error":
            context["error"] = flash.detail
        else:
            reviews = context["item"]["reviews"]
            context["conflict"] = {
                "detail": flash.detail,
                "latest_review": reviews[-1] if reviews else None,
            }
    return render(request, "item.html", context | {"flash": flash})


@router.post("/items/{item_id}/{step}")
async def item_step(request: Request, item_id: ItemId, step: str) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    form = await request.form()
    if not _check_csrf(user[1], form):
        return _forbidden()
    runtime = runtime_of(request)
    principal = user[0]
    version = str(form.get("version") or "")
    version_value = int(version) if version.isdigit() else None
    try:
        if step == "review":
            with transaction(runtime.factory) as db:
                before = get_item(session=db, item_id=item_id).status
            review = ReviewIn(
                version=version_value if version_value is not None else -1,
                action=str(form.get("action") or ""),  # type: ignore[arg-type]
                category=str(form.get("category") or "") or None,  # type: ignore[arg-type]
                severity=str(form.get("severity") or "") or None,  # type: ignore[arg-type]
                note=str(form.get("note") or "") or None,
                # The correct form sends its flag boxes (none ticked removes the reviewer's
                # flags); the confirm form sends none, which keeps them.
                flags=[
                    {"family": str(f), "note": str(form.get("flag_note") or "") or None}  # type: ignore[misc]
                    for f in form.getlist("flags")
                ]
                if form.get("flags_sent")
                else None,
            )
            flows.review(runtime, item_id, review, principal.actor)
            return done_redirect(
                request,
                item_id,
                form,
                "reviewed",
                key_id=principal.key_id,
                leaves_queue=before == "needs_review",
                after_review=True,
            )
        if step == "reply":
            replies.record_from_form(runtime, item_id, form, principal)
            return replies.recorded(request, item_id, form)
        if step in ("acknowledge", "resolve", "dismiss"):
            done = _close_step(runtime, step, item_id, form, version_value, principal)
            return done_redirect(
                request,
                item_id,
                form,
                done,
                key_id=principal.key_id,
                leaves_queue=done == "dismissed",
                after_review=False,
            )
        if step in CLAIM_STEPS:
            return claim_step(request, runtime, step, item_id, form, principal.actor)
        return HTMLResponse("Unknown action.", status_code=404)
    except ClaimHeldError as exc:  # not someone's decision to show: who holds it, until when
        return back_to_item(request, item_id, form, "error", exc.detail)
    except ConflictError as exc:
        return back_to_item(request, item_id, form, "conflict", exc.detail)
    except (ValidationError, InvalidInputError, ServiceError) as exc:
        message = (
            "; ".join(_field_message(e) for e in exc.errors())
            if isinstance(exc, ValidationError)
            else str(exc)
        )
        return back_to_item(request, item_id, form, "error", message)


def _field_message(error: Any) -> str:
    """The message after the field it is about: `review.what_failed: Field required`."""
    where = ".".join(str(part) for part in error.get("loc", ()))
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def _review_fields(form: Any) -> dict[str, str | None] | None:
    """The post-escalation review from the resolve form; None when none of it was filled."""
    given = {name: str(form.get(name) or "").strip() for name in REVIEW_FIELDS}
    if not any(given.values()):
        return None
    # A required field left empty stays "" so that the 422 names it.
    return given | {"prevent_recurrence": given["prevent_recurrence"] or None}


def _close_step(
    runtime: Runtime,
    step: str,
    item_id: int,
    form: Any,
    version: int | None,
    principal: Principal,
) -> str:
    """Acknowledge, resolve or dismiss; returns what was done."""
    note = str(form.get("note") or "") or None
    if step == "acknowledge":
        flows.acknowledge(runtime, item_id, version=version, note=note, actor=principal.actor)
        return "acknowledged"
    if step == "resolve":
        body = ResolveIn(
            version=version,
            action_taken=str(form.get("action_taken") or ""),
            internal_change=str(form.get("internal_change") or ""),
            root_cause=str(form.get("root_cause") or "") or None,
            review=_review_fields(form),  # type: ignore[arg-type]
        )
        flows.resolve(runtime, item_id, body, principal.actor)
        return "resolved"
    dismissal = DismissIn(
        version=version,
        reason=str(form.get("reason") or ""),  # type: ignore[arg-type]
        note=note,
    )
    flows.dismiss(runtime, item_id, dismissal, principal.actor)
    return "dismissed"
