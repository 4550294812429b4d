"""The console's calibration sessions: the list (admins open a session there), a reviewer's
blind labelling page (the items they still have to label, one form each, no model proposal
and no other labels) and the report (kappa with its interval, per-class table, disagreements,
an adjudication form for admins). Forms call the same service functions as the API with the
same rules, and answer with a redirect carrying a notice or the reason for a refusal."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from model.labels import CATEGORIES, FLAG_FAMILIES, SEVERITIES
from service.access.keys import Principal
from service.clock import utcnow
from service.console.routes import render, runtime_of, signed_in, to_login
from service.console.session import tokens_match
from service.db import transaction
from service.enums import Role
from service.errors import ServiceError
from service.inputs import MAX_ID
from service.sessions import service
from service.sessions.report import build_report
from service.sessions.schemas import AdjudicationIn, LabelIn, SessionIn
from service.tables import ApiKey

router = APIRouter(prefix="/ui", include_in_schema=False)
SessionId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
LABELS = {
    "categories": [c.value for c in CATEGORIES],
    "severities": [s.value for s in SEVERITIES],
    "families": [f.value for f in FLAG_FAMILIES],
}


def _is_admin(principal: Principal) -> bool:
    return principal.role is Role.ADMIN


def _back(path: str, **message: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?{urlencode(message)}", status_code=303)


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'form'}: {e['msg']}" for e in exc.errors())


def _eligible_keys(request: Request) -> list[ApiKey]:
    with transaction(runtime_of(request).factory) as db:
        return list(
            db.scalars(
                select(ApiKey)
                .where(ApiKey.revoked_at.is_(None), ApiKey.role.in_(service.LABELLING_ROLES))
                .order_by(ApiKey.name, ApiKey.id)
            )
        )


def _list_page(
    request: Request, user: Any, *, error: str | None = None, typed: dict[str, Any] | None = None
) -> Response:
    with transaction(runtime_of(request).factory) as db:
        sessions = [service.public_session(db, r) for r in service.list_sessions(db)]
    return render(
        request,
        "calibration_sessions.html",
        {
            "user": user[0],
            "csrf_token": user[1].csrf,
            "sessions": sessions,
            "is_admin": _is_admin(user[0]),
            "keys": _eligible_keys(request) if _is_admin(user[0]) else [],
            "notice": request.query_params.get("notice"),
            "error": error,
            "typed": typed or {"sampling": "random", "key_ids": []},
        },
        status_code=422 if error else 200,
    )


@router.get("/sessions")
def sessions_page(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    return _list_page(request, user)


@router.post("/sessions")
async def open_session(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    form = await request.form()
    if not tokens_match(user[1].csrf, str(form.get("csrf_token") or "")):
        return HTMLResponse("Invalid or missing form token; reload the page.", status_code=403)
    if not _is_admin(user[0]):
        return HTMLResponse("Only an admin opens calibration sessions.", status_code=403)
    key_ids = [int(str(k)) for k in form.getlist("reviewer_key_ids") if str(k).isdigit()]
    name, size = str(form.get("name") or ""), str(form.get("size") or "")
    sampling = str(form.get("sampling") or "random")
    typed = {"name": name, "size": size, "sampling": sampling, "key_ids": key_ids}
    try:
        body = SessionIn(
            name=name,
            size=int(size) if size.isdigit() else 0,
            sampling=sampling,  # type: ignore[arg-type]
            reviewer_key_ids=key_ids,
        )
        with transaction(runtime_of(request).factory) as db:
            session_id = service.create_session(
                session=db, body=body, actor=user[0].actor, now=utcnow()
            )
    except ValidationError as exc:
        return _list_page(request, user, error=_problems(exc), typed=typed)
    except ServiceError as exc:
        return _list_page(request, user, error=exc.detail, typed=typed)
    return _back(f"/ui/sessions/{session_id}", notice="Session opened.")


@router.get("/sessions/{session_id}")
def session_page(request: Request, session_id: SessionId) -> Response:
    """The caller's items to label, blind; a key the session does not name sees its progress."""
    user = signed_in(request)
    if user is None:
        return to_login(request)
    with transaction(runtime_of(request).factory) as db:
        try:
            record = service.get_session(db, session_id)
        except ServiceError:
            return HTMLResponse(f"No calibration session {session_id}.", status_code=404)
        summary = service.public_session(db, record)
        named = service.is_reviewer(record, user[0])
        todo = service.remaining_items(db, record, user[0]) if named else None
    return render(
        request,
        "calibration_session.html",
        {
            "user": user[0],
            "csrf_token": user[1].csrf,
            "summary": summary,
            "named": named,
            "todo": todo,
            "notice": request.query_params.get("notice"),
            "error": request.query_params.get("error"),
            **LABELS,
        },
    )


def _label_fields(form: Any) -> dict[str, Any]:
    item = str(form.get("item_id") or "")
    return {
        "item_id": int(item) if item.isdigit() else 0,
        "category": str(form.get("category") or ""),
        "severity": str(form.get("severity") or ""),
        "flags": [str(f) for f in form.getlist("flags")],
    }


@router.post("/sessions/{session_id}/labels")
async def label(request: Request, session_id: SessionId) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    form = await request.form()
    if not tokens_match(user[1].csrf, str(form.get("csrf_token") or "")):
        return HTMLResponse("Invalid or missing form token; reload the page.", status_code=403)
    page = f"/ui/sessions/{session_id}"
    try:
        body = LabelIn(**_label_fields(form))
        with transaction(runtime_of(request).factory) as db:
            service.add_label(
                session=db, session_id=session_id, body=body, principal=user[0], now=utcnow()
            )
    except ValidationError as exc:
        return _back(page, error=f"Not saved: {_problems(exc)}")
    except ServiceError as exc:
        return _back(page, error=f"Not saved: {exc.detail}")
    return _back(page, notice=f"Label of item {body.item_id} saved.")


@router.get("/sessions/{session_id}/report")
def report_page(request: Request, session_id: SessionId) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    with transaction(runtime_of(request).factory) as db:
        try:
            record = service.get_session(db, session_id)
            summary = service.public_session(db, record)
            report = build_report(db, record, user[0])
        except ServiceError as exc:
            return HTMLResponse(exc.detail, status_code=exc.status_code)
    return render(
        request,
        "calibration_report.html",
        {
            "user": user[0],
            "csrf_token": user[1].csrf,
            "summary": summary,
            "report": report,
            "is_admin": _is_admin(user[0]),
            "notice": request.query_params.get("notice"),
            "error": request.query_params.get("error"),
            **LABELS,
        },
    )


@router.post("/sessions/{session_id}/adjudications")
async def adjudicate(request: Request, session_id: SessionId) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    form = await request.form()
    if not tokens_match(user[1].csrf, str(form.get("csrf_token") or "")):
        return HTMLResponse("Invalid or missing form token; reload the page.", status_code=403)
    if not _is_admin(user[0]):
        return HTMLResponse("Only an admin adjudicates.", status_code=403)
    page = f"/ui/sessions/{session_id}/report"
    try:
        body = AdjudicationIn(**_label_fields(form), note=str(form.get("note") or "") or None)
        with transaction(runtime_of(request).factory) as db:
            service.adjudicate(
                session=db, session_id=session_id, body=body, actor=user[0].actor, now=utcnow()
            )
    except ValidationError as exc:
        return _back(page, error=f"Not saved: {_problems(exc)}")
    except ServiceError as exc:
        return _back(page, error=f"Not saved: {exc.detail}")
    return _back(page, notice=f"Item {body.item_id} adjudicated.")
