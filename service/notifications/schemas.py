"""Bodies of the /v1/webhooks routes: the outbox's notifications as clients see them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from service.enums import NotificationKind
from service.notifications.outbox import DeliveryStatus


class DeliveryPublic(BaseModel):
    """One notification in the outbox (its attempts are rows of `webhook_deliveries`)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    delivery_id: str
    kind: NotificationKind
    item_id: int | None
    incident_id: int | None = None
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
