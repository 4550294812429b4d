"""Items, the review queue, the human steps on an item, and claims on items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from model.labels import Category, Severity
from service.access.keys import skills_of
from service.contract import (
    CONFLICT,
    KEYED,
    NOT_FOUND,
    WITH_BODY,
    ItemId,
    JsonRoute,
    Limit,
    Offset,
    ReceivedFrom,
    ReceivedTo,
)
from service.db import transaction
from service.deps import Reader, Reviewer, RuntimeDep
from service.enums import ItemStatus, Owner
from service.inputs import MAX_ID
from service.items import flows
from service.items.claims import claim_item, release_claim
from service.items.queue_order import QUEUE_ORDER, SKILLS_ORDER
from service.items.schemas import (
    ClaimPublic,
    ClaimReleased,
    DismissIn,
    ItemDetail,
    ItemPage,
    ItemPublic,
    ResolveIn,
    ReviewIn,
    Source,
    VersionedIn,
)
from service.items.views import ItemFilters, get_item, list_items, queue, to_detail, to_public

router = APIRouter(prefix="/v1", tags=["items"], route_class=JsonRoute, responses=KEYED)

Sources = Annotated[list[Source] | None, Query()]
Severities = Annotated[list[Severity] | None, Query()]
Categories = Annotated[list[Category] | None, Query()]
# Items of these themes or incidents (any of them).
RowIds = Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None, Query()]
# A state change: its body, the item it names, and the item's status or version.
STEP = WITH_BODY | NOT_FOUND | CONFLICT


def _filters(
    status: list[ItemStatus] | None,
    severity: list[Severity] | None,
    category: list[Category] | None,
    owner: list[Owner] | None,
    source: list[str] | None,
    received_from: ReceivedFrom,
    received_to: ReceivedTo,
    theme_id: list[int] | None = None,
    incident_id: list[int] | None = None,
) -> ItemFilters:
    return ItemFilters(
        status=[s.value for s in status or []],
        severity=[s.value for s in severity or []],
        category=[c.value for c in category or []],
        owner=[o.value for o in owner or []],
        source=list(source or []),
        received_from=received_from,
        received_to=received_to,
        theme_id=list(theme_id or []),
        incident_id=list(incident_id or []),
    )


@router.get("/items", response_model=ItemPage)
def items(
    runtime: RuntimeDep,
    _: Reader,
    status: Annotated[list[ItemStatus] | None, Query()] = None,
    severity: Severities = None,
    category: Categories = None,
    owner: Annotated[list[Owner] | None, Query()] = None,
    source: Sources = None,
    received_from: ReceivedFrom = None,
    received_to: ReceivedTo = None,
    theme_id: RowIds = None,
    incident_id: RowIds = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ItemPage:
    """Stored items, newest first, filtered and paginated (`total` counts every match)."""
    limit = min(limit, runtime.settings.page_limit)
    filters = _filters(
        status,
        severity,
        category,
        owner,
        source,
        received_from,
        received_to,
        theme_id=theme_id,
        incident_id=incident_id,
    )
    with transaction(runtime.factory) as session:
        rows, total = list_items(session=session, filters=filters, limit=limit, offset=offset)
        return ItemPage(items=[to_public(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/items/{item_id}", response_model=ItemDetail, responses=NOT_FOUND)
def item(item_id: ItemId, runtime: RuntimeDep, _: Reader) -> ItemDetail:
    """One item with its full history: predictions, reviews and workflow events."""
    with transaction(runtime.factory) as session:
        return to_detail(get_item(session=session, item_id=item_id, history=True))


@router.get(
    "/queue",
    response_model=ItemPage,
    description=f"Items waiting for a human. {SKILLS_ORDER} {QUEUE_ORDER}",
)
def review_queue(
    runtime: RuntimeDep,
    principal: Reviewer,
    severity: Severities = None,
    category: Categories = None,
    owner: Annotated[list[Owner] | None, Query()] = None,
    source: Sources = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ItemPage:
    """Items waiting for a human: those matching the caller's skills first, each group in
    QUEUE_ORDER (service/items/queue_order.py)."""
    limit = min(limit, runtime.settings.page_limit)
    filters = _filters(None, severity, category, owner, source, None, None)
    with transaction(runtime.factory) as session:
        skills = skills_of(session=session, key_id=principal.key_id)
        rows, total = queue(
            session=session, filters=filters, limit=limit, offset=offset, skills=skills
        )
        return ItemPage(items=[to_public(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post("/items/{item_id}/review", response_model=ItemPublic, responses=STEP)
def review(item_id: ItemId, body: ReviewIn, runtime: RuntimeDep, principal: Reviewer) -> ItemPublic:
    """Confirm or correct the labels and set the reviewer's red flags (`flags`: left out keeps
    them, [] removes them; they need severity red and routing uses them beside the rules'
    hits); a stale `version` gets 409 with the current item."""
    return flows.review(runtime, item_id, body, principal.actor)


@router.post("/items/{item_id}/acknowledge", response_model=ItemPublic, responses=STEP)
def acknowledge(
    item_id: ItemId, body: VersionedIn, runtime: RuntimeDep, principal: Reviewer
) -> ItemPublic:
    """The owner has it; a stale `version` gets 409 with the current item."""
    return flows.acknowledge(
        runtime, item_id, version=body.version, note=body.note, actor=principal.actor
    )


@router.post("/items/{item_id}/resolve", response_model=ItemPublic, responses=STEP)
def resolve(
    item_id: ItemId, body: ResolveIn, runtime: RuntimeDep, principal: Reviewer
) -> ItemPublic:
    """Close with what was done and what changed internally."""
    return flows.resolve(runtime, item_id, body, principal.actor)


@router.post("/items/{item_id}/dismiss", response_model=ItemPublic, responses=STEP)
def dismiss(
    item_id: ItemId, body: DismissIn, runtime: RuntimeDep, principal: Reviewer
) -> ItemPublic:
    """Close without action, with a reason (false positive, spam...)."""
    return flows.dismiss(runtime, item_id, body, principal.actor)


@router.post("/items/{item_id}/claim", response_model=ClaimPublic, responses=NOT_FOUND | CONFLICT)
def claim(item_id: ItemId, runtime: RuntimeDep, principal: Reviewer) -> ClaimPublic:
    """Claim an open item for TRIAGE_CLAIM_MINUTES, or renew your claim; 409 with `claim`
    (who holds it, until when) while another reviewer's claim is live."""
    with transaction(runtime.factory) as session:
        return claim_item(
            session=session,
            item_id=item_id,
            actor=principal.actor,
            minutes=runtime.settings.claim_minutes,
        )


@router.delete(
    "/items/{item_id}/claim", response_model=ClaimReleased, responses=NOT_FOUND | CONFLICT
)
def release(item_id: ItemId, runtime: RuntimeDep, principal: Reviewer) -> ClaimReleased:
    """Release the live claim on an item: its holder or an admin (409 for anyone else)."""
    with transaction(runtime.factory) as session:
        held = release_claim(session=session, item_id=item_id, actor=principal.actor)
    return ClaimReleased(item_id=item_id, released=held is not None, claim=held)
