"""Reply drafts and sent replies of an item; the templates in force (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.contract import CONFLICT, KEYED, NOT_FOUND, WITH_BODY, ItemId, JsonRoute
from service.deps import Admin, Reader, Reviewer, RuntimeDep
from service.enums import ReplyKind
from service.replies import flows
from service.replies.schemas import DraftOut, ReplyIn, ReplyOut
from service.replies.templates import ReplyTemplates

router = APIRouter(prefix="/v1", tags=["replies"], route_class=JsonRoute, responses=KEYED)


@router.get("/items/{item_id}/draft", response_model=DraftOut, responses=NOT_FOUND | CONFLICT)
def draft(
    item_id: ItemId,
    runtime: RuntimeDep,
    _: Reader,
    kind: Annotated[
        ReplyKind | None,
        Query(description="Default: what the item's response rule calls for."),
    ] = None,
) -> DraftOut:
    """The item's suggested text from the most specific matching template. 409 while an item
    held with `no_public_reply_until_reviewed` is not reviewed (only its escalation_note is
    drafted); 404 when no template of that kind applies."""
    made = flows.draft(runtime, item_id, kind)
    return DraftOut(
        template=made.template,
        template_version=made.template_version,
        kind=made.kind,
        subject=made.subject,
        body=made.body,
    )


@router.post(
    "/items/{item_id}/replies",
    status_code=201,
    response_model=ReplyOut,
    responses=WITH_BODY | NOT_FOUND | CONFLICT,
)
def record_reply(
    item_id: ItemId, body: ReplyIn, runtime: RuntimeDep, principal: Reviewer
) -> ReplyOut:
    """Record what was sent as a `reply_sent` event on the item (with whether it was edited
    from its template's draft). 409 for a public reply on an item held until reviewed that
    is not reviewed yet; 422 for an empty body or an unknown template."""
    return flows.record_reply(runtime, item_id, body, principal.actor)


@router.get("/templates")
def templates(runtime: RuntimeDep, _: Admin) -> ReplyTemplates:
    """The reply and update templates in force."""
    return runtime.templates
