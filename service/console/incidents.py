"""The console's incident pages: the list, and one incident with its timeline, items, status
form and customer status text (edit, publish). Forms call the same service functions as the
API with the same roles; each answers with a redirect (Post/Redirect/Get) carrying a short
notice or the reason it was refused in the address."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from service.access.keys import Principal, authorize
from service.console.routes import PAGE_SIZE, Page, render, runtime_of, signed_in, to_login
from service.console.session import tokens_match
from service.db import transaction
from service.enums import IncidentStatus
from service.errors import ConflictError, ServiceError
from service.incidents import service
from service.incidents.schemas import NoteIn, StatusIn, StatusTextIn
from service.incidents.views import (
    IncidentFilters,
    get_incident,
    list_incidents,
    public_many,
    to_detail,
)
from service.inputs import MAX_ID

router = APIRouter(prefix="/ui", include_in_schema=False)
IncidentId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
STATUSES = [s.value for s in IncidentStatus]
STEPS = ("status", "notes", "status-text", "publish")


@router.get("/incidents")
def incidents_page(
    request: Request, page: Page = 1, status: Annotated[str, Query(max_length=32)] = "active"
) -> Response:
    """Incidents, newest first: the open and monitoring ones unless another status is chosen."""
    user = signed_in(request)
    if user is None:
        return to_login(request)
    chosen = status if status in (*STATUSES, "all") else "active"
    statuses = {"active": ["open", "monitoring"], "all": []}.get(chosen, [chosen])
    with transaction(runtime_of(request).factory) as db:
        rows, total = list_incidents(
            session=db,
            filters=IncidentFilters(status=statuses),
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        incidents = [i.model_dump() for i in public_many(db, rows)]
    return render(
        request,
        "incidents.html",
        {
            "user": user[0],
            "csrf_token": user[1].csrf,
            "incidents": incidents,
            "total": total,
            "page": page,
            "pages": max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
            "chosen": chosen,
            "statuses": ["active", *STATUSES, "all"],
        },
    )


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, incident_id: IncidentId) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    with transaction(runtime_of(request).factory) as db:
        try:
            found = get_incident(session=db, incident_id=incident_id, history=True)
        except ServiceError:
            return HTMLResponse(f"No incident {incident_id}.", status_code=404)
        detail = to_detail(db, found).model_dump()
    return render(
        request,
        "incident.html",
        {
            "user": user[0],
            "csrf_token": user[1].csrf,
            "incident": detail,
            "statuses": STATUSES,
            "can_publish": user[0].role.value == "admin",
            "notice": request.query_params.get("notice"),
            "error": request.query_params.get("error"),
            "now": datetime.now(UTC),
        },
    )


def _back(incident_id: int, **message: str) -> RedirectResponse:
    return RedirectResponse(
        f"/ui/incidents/{incident_id}?{urlencode(message)}#result", status_code=303
    )


def _step(step: str, form: Any, principal: Principal) -> Callable[..., Any]:
    """The service call a form makes, with its validated fields."""
    version = str(form.get("version") or "")
    seen = int(version) if version.isdigit() else 0
    if step == "status":
        body = StatusIn(
            version=seen,
            status=str(form.get("status") or ""),  # type: ignore[arg-type]
            note=str(form.get("note") or "") or None,
        )
        return lambda **kw: service.set_status(
            status=body.status, version=body.version, note=body.note, **kw
        )
    if step == "notes":
        note = NoteIn(text=str(form.get("text") or ""))
        return lambda **kw: service.add_note(text=note.text, **kw)
    if step == "status-text":
        edit = StatusTextIn(version=seen, text=str(form.get("text") or ""))
        return lambda **kw: service.set_status_text(text=edit.text, version=edit.version, **kw)
    authorize(principal, "admin")  # publishing speaks to customers: admins only, as the API
    return lambda **kw: service.publish(version=seen, **kw)


@router.post("/incidents/{incident_id}/{step}")
async def incident_step(request: Request, incident_id: IncidentId, step: str) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    form = await request.form()
    if not tokens_match(user[1].csrf, str(form.get("csrf_token") or "")):
        return HTMLResponse("Invalid or missing form token; reload the page.", status_code=403)
    if step not in STEPS:
        return HTMLResponse("Unknown action.", status_code=404)
    runtime = runtime_of(request)
    try:
        call = _step(step, form, user[0])
        with transaction(runtime.factory) as db:
            call(
                session=db,
                incident_id=incident_id,
                actor=user[0].actor,
                now=datetime.now(UTC),
                notifier=runtime.notifier,
            )
        runtime.notifier.wake()
    except ConflictError:
        return _back(
            incident_id,
            error="Someone else changed this incident first; nothing was saved. "
            "Here it is as it is now.",
        )
    except ValidationError as exc:
        return _back(incident_id, error="; ".join(e["msg"] for e in exc.errors()))
    except ServiceError as exc:
        return _back(incident_id, error=exc.detail)
    done = {
        "status": "Status changed.",
        "notes": "Note added.",
        "status-text": "Status text saved.",
        "publish": "Status text published.",
    }
    return _back(incident_id, notice=done[step])
