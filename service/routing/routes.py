"""GET /v1/policy: the routing policy in force (admin only)."""

from __future__ import annotations

from fastapi import APIRouter

from service.contract import KEYED, JsonRoute
from service.deps import Admin, RuntimeDep
from service.routing.policy import RoutingPolicy

router = APIRouter(prefix="/v1", tags=["admin"], route_class=JsonRoute, responses=KEYED)


@router.get("/policy")
def policy(runtime: RuntimeDep, _: Admin) -> RoutingPolicy:
    """The routing policy in force."""
    return runtime.policy
