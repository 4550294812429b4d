"""Calibration sessions under /v1/sessions: open (admin), list, read, the caller's items to
label blind, labels, the agreement report, adjudications (admin) and the CSV export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from service.clock import utcnow
from service.contract import CONFLICT, KEYED, NOT_FOUND, WITH_BODY, JsonRoute
from service.db import transaction
from service.deps import Admin, Reviewer, RuntimeDep
from service.inputs import MAX_ID
from service.sessions import service
from service.sessions.export import export_csv
from service.sessions.report import build_report
from service.sessions.schemas import (
    AdjudicationIn,
    LabelIn,
    LabelPublic,
    Report,
    SessionIn,
    SessionItems,
    SessionPage,
    SessionPublic,
)

router = APIRouter(
    prefix="/v1", tags=["calibration sessions"], route_class=JsonRoute, responses=KEYED
)

SessionId = Annotated[int, Path(ge=1, le=MAX_ID, description="The calibration session's id.")]
STEP = WITH_BODY | NOT_FOUND


@router.post("/sessions", response_model=SessionPublic, status_code=201, responses=WITH_BODY)
def open_session(body: SessionIn, runtime: RuntimeDep, principal: Admin) -> SessionPublic:
    """Open a session on `size` stored items (random, or stratified by predicted category and
    confidence band), labelled blind by two or more reviewer or admin keys."""
    with transaction(runtime.factory) as session:
        session_id = service.create_session(
            session=session, body=body, actor=principal.actor, now=utcnow()
        )
    with transaction(runtime.factory) as session:
        return service.public_session(session, service.get_session(session, session_id))


@router.get("/sessions", response_model=SessionPage)
def sessions(runtime: RuntimeDep, _: Reviewer) -> SessionPage:
    """Every session, newest first, with each reviewer's progress."""
    with transaction(runtime.factory) as session:
        return SessionPage(
            sessions=[service.public_session(session, r) for r in service.list_sessions(session)]
        )


@router.get("/sessions/{session_id}", response_model=SessionPublic, responses=NOT_FOUND)
def one_session(session_id: SessionId, runtime: RuntimeDep, _: Reviewer) -> SessionPublic:
    with transaction(runtime.factory) as session:
        return service.public_session(session, service.get_session(session, session_id))


@router.get("/sessions/{session_id}/items", response_model=SessionItems, responses=NOT_FOUND)
def items_to_label(session_id: SessionId, runtime: RuntimeDep, principal: Reviewer) -> SessionItems:
    """The items the caller has still to label, without the model's proposal or anyone's
    labels; 403 for a key the session does not name."""
    with transaction(runtime.factory) as session:
        record = service.get_session(session, session_id)
        return service.remaining_items(session, record, principal)


@router.post(
    "/sessions/{session_id}/labels",
    response_model=LabelPublic,
    status_code=201,
    responses=STEP | CONFLICT,
)
def label(
    session_id: SessionId, body: LabelIn, runtime: RuntimeDep, principal: Reviewer
) -> LabelPublic:
    """The caller's label of one item. Labels are final: a second label of the same item is
    409; an item not in the session is 404."""
    with transaction(runtime.factory) as session:
        given = service.add_label(
            session=session, session_id=session_id, body=body, principal=principal, now=utcnow()
        )
        return LabelPublic(
            item_id=given.item_id,
            reviewer=principal.name,
            category=body.category,
            severity=body.severity,
            flags=sorted(body.flags),
            created_at=given.created_at,
        )


@router.get("/sessions/{session_id}/report", response_model=Report, responses=NOT_FOUND)
def report(session_id: SessionId, runtime: RuntimeDep, principal: Reviewer) -> Report:
    """Agreement (Cohen's kappa for two reviewers, Fleiss' for more; 95 % bootstrap interval;
    per class one against the rest; per flag family) over the items every reviewer labelled,
    and the disagreements (the model's proposal beside them for admins, or once complete)."""
    with transaction(runtime.factory) as session:
        return build_report(session, service.get_session(session, session_id), principal)


@router.post(
    "/sessions/{session_id}/adjudications",
    response_model=Report,
    status_code=201,
    responses=STEP | CONFLICT,
)
def adjudication(
    session_id: SessionId, body: AdjudicationIn, runtime: RuntimeDep, principal: Admin
) -> Report:
    """Record the settled label of an item every reviewer has labelled (409 before); answers
    with the report."""
    with transaction(runtime.factory) as session:
        service.adjudicate(
            session=session, session_id=session_id, body=body, actor=principal.actor, now=utcnow()
        )
    with transaction(runtime.factory) as session:
        return build_report(session, service.get_session(session, session_id), principal)


@router.get(
    "/sessions/{session_id}/export",
    response_class=Response,
    responses=NOT_FOUND | CONFLICT | {200: {"content": {"text/csv": {}}}},
)
def export(session_id: SessionId, runtime: RuntimeDep, _: Admin) -> Response:
    """The adjudicated labels as CSV in the columns of data/calibration.csv; 409 until the
    session is complete and every item adjudicated."""
    with transaction(runtime.factory) as session:
        text = export_csv(session, session_id)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="session-{session_id}.csv"'},
    )
