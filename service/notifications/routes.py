"""Webhook deliveries (the outbox): what was sent, what waits, what failed; send one again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from service.contract import KEYED, NOT_FOUND, ErrorBody, JsonRoute, Limit, Offset
from service.db import transaction
from service.deps import Admin, RuntimeDep
from service.inputs import MAX_ID
from service.notifications import outbox
from service.notifications.outbox import DeliveryStatus
from service.notifications.schemas import DeliveryPage, DeliveryPublic

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], route_class=JsonRoute, responses=KEYED)


@router.get("/deliveries")
def deliveries(
    runtime: RuntimeDep,
    _: Admin,
    status: DeliveryStatus | None = None,
    item_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> DeliveryPage:
    """Webhook notifications, newest first, by `status` and `item_id` (`total` counts every
    match)."""
    limit = min(limit, runtime.settings.page_limit)
    with transaction(runtime.factory) as session:
        rows, total = outbox.list_deliveries(
            session=session, status=status, item_id=item_id, limit=limit, offset=offset
        )
        return DeliveryPage(
            items=[DeliveryPublic.model_validate(r) for r in rows],
            total=total,
            limit=limit,
            offset=offset,
        )


@router.post(
    "/deliveries/{outbox_id}/redeliver",
    responses=NOT_FOUND | {409: {"model": ErrorBody, "description": "It is still pending."}},
)
def redeliver(
    outbox_id: Annotated[int, Path(ge=1, le=MAX_ID)], runtime: RuntimeDep, _: Admin
) -> DeliveryPublic:
    """Send a delivered or failed notification again, now, with the same `delivery_id` and
    its attempts counted from zero (409 while it is pending)."""
    with transaction(runtime.factory) as session:
        result = DeliveryPublic.model_validate(
            outbox.redeliver(session=session, outbox_id=outbox_id)
        )
    runtime.notifier.wake()
    return result
