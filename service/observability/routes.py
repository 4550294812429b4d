"""GET /metrics: Prometheus' scrape."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST

from service.contract import KEYED
from service.deps import API_KEY_SCHEME, BEARER_SCHEME, RuntimeDep, key_from_headers
from service.observability.prometheus import check_scraper, exposition

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        **KEYED,
        200: {
            "content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
            "description": "The metrics in Prometheus' text exposition format.",
        },
    },
)
async def metrics(
    request: Request,
    runtime: RuntimeDep,
    _api_key: Annotated[str | None, Security(API_KEY_SCHEME)],
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER_SCHEME)],
) -> Response:
    """Prometheus metrics (see README, Operating). Send TRIAGE_METRICS_TOKEN or an admin key
    as `Authorization: Bearer ...`."""
    headers = request.headers
    await check_scraper(
        runtime, key_from_headers(headers.get("authorization"), headers.get("x-api-key"))
    )
    body = await run_in_threadpool(exposition, runtime)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
