"""The model, API keys and the routing policy."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from service import flows
from service.api.contract import KEYED, NOT_FOUND, WITH_BODY, ErrorBody, JsonRoute, KeyId
from service.auth import create_key, list_keys, revoke_key
from service.db import transaction
from service.deps import Admin, Reader, RuntimeDep
from service.enums import Role
from service.errors import BadGatewayError
from service.schemas import AutoApplyIn, AutoApplyState, InputModel

router = APIRouter(prefix="/v1", tags=["admin"], route_class=JsonRoute, responses=KEYED)


@router.get("/model")
def model_info(runtime: RuntimeDep, _: Reader) -> dict[str, Any]:
    """The loaded model: source, registry version, model and rules versions, thresholds, and
    `auto_apply`: the classes switched off, the live audit precision and the switch history."""
    return flows.model_state(runtime)


@router.post(
    "/model/auto-apply",
    response_model=AutoApplyState,
    responses=WITH_BODY
    | {409: {"model": ErrorBody, "description": "No model is loaded: nothing to switch."}},
)
def auto_apply(body: AutoApplyIn, runtime: RuntimeDep, principal: Admin) -> AutoApplyState:
    """Switch auto-apply of one class of the served model version on (e.g. after it was
    switched off by its audits) or off; recorded with who and why."""
    return flows.set_auto_apply(runtime, body, principal.actor)


@router.post(
    "/model/reload",
    responses={
        502: {"model": ErrorBody, "description": "The model did not load; the old one serves."}
    },
)
async def model_reload(runtime: RuntimeDep, _: Admin) -> dict[str, Any]:
    """Load the model again (e.g. after a promotion) and swap it in atomically; with several
    worker processes, the others are then replaced one by one (`restarting_workers`)."""
    state, restarting = await run_in_threadpool(flows.reload_model, runtime)
    if state.error and not state.degraded:
        # The new model did not load; the old one keeps serving. Say so with an error status.
        raise BadGatewayError(f"reload failed: {state.error}", model=state.describe())
    return state.describe() | {"restarting_workers": restarting}


class KeyIn(InputModel):
    role: Role
    name: str = Field(min_length=1, max_length=128)


@router.post("/keys", status_code=201, responses=WITH_BODY)
def new_key(body: KeyIn, response: Response, runtime: RuntimeDep, _: Admin) -> dict[str, Any]:
    """Create an API key; the key is in this response only, sent with `Cache-Control: no-store`."""
    response.headers["Cache-Control"] = "no-store"
    with transaction(runtime.factory) as session:
        created = create_key(session=session, role=body.role, name=body.name)
    return {"id": created.id, "name": created.name, "role": created.role, "key": created.key}


@router.get("/keys")
def keys(runtime: RuntimeDep, _: Admin) -> list[dict[str, Any]]:
    with transaction(runtime.factory) as session:
        return [
            {
                "id": k.id,
                "name": k.name,
                "role": k.role,
                "prefix": k.prefix,
                "created_at": k.created_at,
                "revoked_at": k.revoked_at,
            }
            for k in list_keys(session=session)
        ]


@router.delete("/keys/{key_id}", responses=NOT_FOUND)
def revoke(key_id: KeyId, runtime: RuntimeDep, _: Admin) -> dict[str, Any]:
    with transaction(runtime.factory) as session:
        record = revoke_key(session=session, key_id=key_id)
        result = {"id": record.id, "revoked_at": record.revoked_at}
    runtime.key_cache.clear()  # the revoked key stops working now, not in a few seconds
    return result


@router.get("/policy")
def policy(runtime: RuntimeDep, _: Admin) -> dict[str, Any]:
    """The routing policy in force."""
    return runtime.policy.model_dump(mode="json")
