"""FastAPI dependencies: the runtime, the caller's API key and role."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from service.access.keys import Principal, authenticate, authorize, hash_key
from service.db import transaction
from service.observability.context import note_key
from service.runtime import KEY_CACHE_SECONDS, Runtime


# The dependencies are async so that a request whose key is cached never waits for a thread
# (FastAPI runs a sync dependency in its thread pool, one hop per dependency).
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def _lookup(runtime: Runtime, key: str | None) -> Principal:
    with transaction(runtime.factory) as session:
        return authenticate(session=session, key=key)


def key_from_headers(authorization: str | None, x_api_key: str | None) -> str | None:
    """The API key of a request: `X-API-Key: KEY`, else `Authorization: Bearer KEY`."""
    if x_api_key is None and authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return x_api_key


async def principal_for(runtime: Runtime, key: str | None) -> Principal:
    """Who holds `key`; NotAuthenticatedError for a missing, unknown or revoked one. Answers
    from a short-lived cache, so most requests make no query."""
    digest = hash_key(key) if key else ""
    cached = runtime.key_cache.get(digest)
    now = time.monotonic()
    if cached is not None and cached[1] > now:
        return cached[0]
    principal = await run_in_threadpool(_lookup, runtime, key)
    if len(runtime.key_cache) > 10_000:
        runtime.key_cache.clear()
    runtime.key_cache[digest] = (principal, now + KEY_CACHE_SECONDS)
    return principal


# The two ways to send a key, declared as security schemes so that /openapi.json names them
# and /docs offers Authorize. Neither refuses a request itself (auto_error=False): the key is
# read from the raw headers by `key_from_headers`, as `RequestGuard` reads it before the body,
# so both always agree (APIKeyHeader takes an empty X-API-Key for none and would fall back to
# the bearer key, which the guard refuses), and one 401 body answers every bad key.
API_KEY_SCHEME = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    description="The API key in the `X-API-Key` header (used when both are sent).",
    auto_error=False,
)
BEARER_SCHEME = HTTPBearer(
    scheme_name="Bearer",
    description="The API key as `Authorization: Bearer KEY`.",
    auto_error=False,
)


async def _principal(
    runtime: RuntimeDep,
    request: Request,
    _api_key: Annotated[str | None, Security(API_KEY_SCHEME)],
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER_SCHEME)],
) -> Principal:
    headers = request.headers
    key = key_from_headers(headers.get("authorization"), headers.get("x-api-key"))
    principal = await principal_for(runtime, key)
    note_key(principal.name)  # for the request's log line
    return principal


def require(permission: str) -> object:
    """A dependency that authenticates the caller and checks the role allows `permission`."""

    async def check(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
        authorize(principal, permission)
        return principal

    return Depends(check)


Reader = Annotated[Principal, require("read")]
Classifier = Annotated[Principal, require("classify")]
Reviewer = Annotated[Principal, require("review")]
Admin = Annotated[Principal, require("admin")]
