"""GET /v1/metrics: the managers' figures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from service.api.contract import KEYED, JsonRoute, ReceivedFrom, ReceivedTo
from service.db import transaction
from service.deps import Reader, RuntimeDep
from service.metrics import compute_metrics

router = APIRouter(prefix="/v1", tags=["metrics"], route_class=JsonRoute, responses=KEYED)


@router.get("/metrics")
def metrics(
    runtime: RuntimeDep,
    _: Reader,
    received_from: ReceivedFrom = None,
    received_to: ReceivedTo = None,
    bucket: Annotated[str, Query(pattern="^(day|week)$")] = "day",
) -> dict[str, Any]:
    """Response time, completion rate, repeat issues, risk trend, agreement, rule precision."""
    with transaction(runtime.factory) as session:
        return compute_metrics(
            session=session, received_from=received_from, received_to=received_to, bucket=bucket
        )
