"""Items, the review queue, and the human steps on an item."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from service import flows
from service.db import transaction
from service.deps import Reader, Reviewer, RuntimeDep
from service.enums import ItemStatus, Owner
from service.schemas import (
    DismissIn,
    ItemDetail,
    ItemPage,
    ItemPublic,
    ResolveIn,
    ReviewIn,
    VersionedIn,
)
from service.workflow import ItemFilters, get_item, list_items, queue, to_detail, to_public

router = APIRouter(prefix="/v1", tags=["items"])

Many = Annotated[list[str] | None, Query()]


def _filters(
    status: list[ItemStatus] | None,
    severity: list[str] | None,
    category: list[str] | None,
    owner: list[Owner] | None,
    source: list[str] | None,
    received_from: datetime | None,
    received_to: datetime | None,
) -> ItemFilters:
    return ItemFilters(
        status=[s.value for s in status or []],
        severity=severity or [],
        category=category or [],
        owner=[o.value for o in owner or []],
        source=[s.lower() for s in source or []],
        received_from=received_from,
        received_to=received_to,
    )


@router.get("/items", response_model=ItemPage)
def items(
    runtime: RuntimeDep,
    _: Reader,
    status: Annotated[list[ItemStatus] | None, Query()] = None,
    severity: Many = None,
    category: Many = None,
    owner: Annotated[list[Owner] | None, Query()] = None,
    source: Many = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    limit: Annotated[int, Query(ge=1)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Any:
    """Stored items, newest first, filtered and paginated (`total` counts every match)."""
    limit = min(limit, runtime.settings.page_limit)
    filters = _filters(status, severity, category, owner, source, received_from, received_to)
    with transaction(runtime.factory) as session:
        rows, total = list_items(session=session, filters=filters, limit=limit, offset=offset)
        return ItemPage(items=[to_public(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/items/{item_id}", response_model=ItemDetail)
def item(item_id: int, runtime: RuntimeDep, _: Reader) -> Any:
    """One item with its full history: predictions, reviews and workflow events."""
    with transaction(runtime.factory) as session:
        return to_detail(get_item(session=session, item_id=item_id, history=True))


@router.get("/queue", response_model=ItemPage)
def review_queue(
    runtime: RuntimeDep,
    _: Reviewer,
    severity: Many = None,
    category: Many = None,
    owner: Annotated[list[Owner] | None, Query()] = None,
    source: Many = None,
    limit: Annotated[int, Query(ge=1)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Any:
    """Items waiting for a human: red and rule hits first, then overdue, then least confident."""
    limit = min(limit, runtime.settings.page_limit)
    filters = _filters(None, severity, category, owner, source, None, None)
    with transaction(runtime.factory) as session:
        rows, total = queue(session=session, filters=filters, limit=limit, offset=offset)
        return ItemPage(items=[to_public(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post("/items/{item_id}/review", response_model=ItemPublic)
def review(item_id: int, body: ReviewIn, runtime: RuntimeDep, principal: Reviewer) -> Any:
    """Confirm or correct the labels; a stale `version` gets 409 with the current item."""
    return flows.review(runtime, item_id, body, principal.actor)


@router.post("/items/{item_id}/acknowledge", response_model=ItemPublic)
def acknowledge(item_id: int, body: VersionedIn, runtime: RuntimeDep, principal: Reviewer) -> Any:
    """The owner has it; a stale `version` gets 409 with the current item."""
    return flows.acknowledge(
        runtime, item_id, version=body.version, note=body.note, actor=principal.actor
    )


@router.post("/items/{item_id}/resolve", response_model=ItemPublic)
def resolve(item_id: int, body: ResolveIn, runtime: RuntimeDep, principal: Reviewer) -> Any:
    """Close with what was done and what changed internally."""
    return flows.resolve(runtime, item_id, body, principal.actor)


@router.post("/items/{item_id}/dismiss", response_model=ItemPublic)
def dismiss(item_id: int, body: DismissIn, runtime: RuntimeDep, principal: Reviewer) -> Any:
    """Close without action, with a reason (false positive, spam...)."""
    return flows.dismiss(runtime, item_id, body, principal.actor)
