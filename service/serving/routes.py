"""The served model: what is loaded, reload it, switch auto-apply of a class."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from service.contract import KEYED, WITH_BODY, ErrorBody, JsonRoute
from service.deps import Admin, Reader, RuntimeDep
from service.errors import BadGatewayError
from service.serving import flows
from service.serving.schemas import AutoApplyIn, AutoApplyState, ModelInfo, ModelReloaded

router = APIRouter(prefix="/v1", tags=["admin"], route_class=JsonRoute, responses=KEYED)


@router.get("/model")
def model_info(runtime: RuntimeDep, _: Reader) -> ModelInfo:
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
async def model_reload(runtime: RuntimeDep, _: Admin) -> ModelReloaded:
    """Load the model again (e.g. after a promotion) and swap it in atomically; with several
    worker processes, the others are then replaced one by one (`restarting_workers`)."""
    state, restarting = await run_in_threadpool(flows.reload_model, runtime)
    if state.error and not state.degraded:
        # The new model did not load; the old one keeps serving. Say so with an error status.
        raise BadGatewayError(
            f"reload failed: {state.error}", model=state.describe().model_dump(mode="json")
        )
    return ModelReloaded(**dict(state.describe()), restarting_workers=restarting)
