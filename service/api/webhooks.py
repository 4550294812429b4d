"""Webhook deliveries (the outbox): what was sent, what waits, what failed; send one again."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict

from service import outbox
from service.api.contract import KEYED, NOT_FOUND, ErrorBody, JsonRoute, Limit, Offset
from service.db import transaction
from service.deps import Admin, RuntimeDep
from service.enums import NotificationKind
from service.outbox import DeliveryStatus
from service.schemas import MAX_ID

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], route_class=JsonRoute, responses=KEYED)


class DeliveryPublic(BaseModel):
    """One notification in the outbox (its attempts are rows of `webhook_deliveries`)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    delivery_id: str
    kind: NotificationKind
    item_id: int
    event_id: int | None
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    items: list[DeliveryPublic]
    total: int
    limit: int
    offset: int


@router.get("/deliveries", response_model=DeliveryPage)
def deliveries(
    runtime: RuntimeDep,
    _: Admin,
    status: DeliveryStatus | None = None,
    item_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
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
    response_model=DeliveryPublic,
    responses=NOT_FOUND | {409: {"model": ErrorBody, "description": "It is still pending."}},
)
def redeliver(
    outbox_id: Annotated[int, Path(ge=1, le=MAX_ID)], runtime: RuntimeDep, _: Admin
) -> Any:
    """Send a delivered or failed notification again, now, with the same `delivery_id` and
    its attempts counted from zero (409 while it is pending)."""
    with transaction(runtime.factory) as session:
        result = DeliveryPublic.model_validate(
            outbox.redeliver(session=session, outbox_id=outbox_id)
        )
    runtime.notifier.wake()
    return result
