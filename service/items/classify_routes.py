"""POST /v1/classify and /v1/classify/batch."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import ValidationError

from service.contract import KEYED, WITH_BODY, JsonRoute
from service.deps import Classifier, RuntimeDep
from service.errors import PayloadTooLargeError, UnprocessableError
from service.items import flows
from service.items.intake import Rejected
from service.items.schemas import BatchError, BatchIn, BatchResult, ClassifyResult, ItemIn

router = APIRouter(
    prefix="/v1", tags=["classify"], route_class=JsonRoute, responses=KEYED | WITH_BODY
)


@router.post("/classify", response_model=ClassifyResult)
async def classify_one(body: ItemIn, runtime: RuntimeDep, principal: Classifier) -> Response:
    """Classify, route and store one item; re-posting a (source, external_id) returns it."""
    (outcome,) = await runtime.batcher.submit([body], principal.actor)
    if isinstance(outcome, Rejected):
        raise UnprocessableError(outcome.detail)
    # Already a validated ClassifyResult: serialise it once, here, not again in FastAPI.
    return Response(outcome.model_dump_json(), media_type="application/json")


def _validate_each(raw_items: list[dict[str, Any]]) -> tuple[list[ItemIn], list[BatchError]]:
    items: list[ItemIn] = []
    errors: list[BatchError] = []
    for index, raw in enumerate(raw_items):
        try:
            items.append(ItemIn.model_validate(raw))
        except ValidationError as exc:
            problem = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}" for e in exc.errors()
            )
            errors.append(BatchError(index=index, error="ValidationError", detail=problem))
            items.append(ItemIn.model_construct(text=""))  # keeps indices; never stored
    return items, errors


@router.post("/classify/batch")
def classify_batch(body: BatchIn, runtime: RuntimeDep, principal: Classifier) -> BatchResult:
    """Classify up to TRIAGE_BATCH_LIMIT items; good ones are stored, bad ones reported by index."""
    limit = runtime.settings.batch_limit
    if len(body.items) > limit:
        raise PayloadTooLargeError(
            f"a batch holds at most {limit} items; this one has {len(body.items)}"
        )
    items, errors = _validate_each(body.items)
    bad = {e.index for e in errors}
    good = [(i, item) for i, item in enumerate(items) if i not in bad]
    outcomes = flows.classify(runtime, [item for _, item in good], principal.actor)
    results: list[ClassifyResult | None] = [None] * len(items)
    for (index, _), outcome in zip(good, outcomes, strict=True):
        if isinstance(outcome, Rejected):
            errors.append(BatchError(index=index, error=outcome.error, detail=outcome.detail))
        else:
            results[index] = outcome
    errors.sort(key=lambda e: e.index)
    return BatchResult(
        items=results,
        errors=errors,
        accepted=sum(r is not None for r in results),
        rejected=len(errors),
    )
