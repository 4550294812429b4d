"""The FastAPI application: start-up (database, model, policy, notifier, escalation loop),
error handling with one body shape, and the routers."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from model.errors import InvalidInputError, TriageError
from service import flows
from service.api import admin, classify, health, items, metrics, webhooks
from service.auth import seed_bootstrap_key
from service.batching import ClassifyBatcher
from service.db import make_engine, session_factory, transaction
from service.errors import ServiceError
from service.model_holder import ModelHolder, freeze_loaded_objects
from service.routing import load_policy
from service.runtime import Runtime
from service.ui import routes as ui_routes
from service.webhooks import Notifier
from triage.settings import Settings, get_settings

log = logging.getLogger(__name__)

API_VERSION = "1"
# FastAPI's OpenTelemetry instrumentation, when TRIAGE_OPENTELEMETRY is off.
TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def build_runtime(settings: Settings, *, holder: ModelHolder | None = None) -> Runtime:
    """Open the database, load the policy and the model; nothing here needs a request."""
    policy = load_policy(settings.routing_policy)  # an invalid policy refuses to start
    engine = make_engine(settings.database_url)
    factory = session_factory(engine)
    if settings.bootstrap_admin_key is not None:
        with transaction(factory) as session:
            seed_bootstrap_key(session=session, key=settings.bootstrap_admin_key.get_secret_value())
    holder = holder or ModelHolder(settings)
    holder.load()
    notifier = Notifier(
        url=settings.webhook_url,
        secret=settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
        factory=factory,
        max_attempts=settings.webhook_max_attempts,
        backoff_seconds=settings.webhook_backoff_seconds,
        timeout_seconds=settings.webhook_timeout_seconds,
        concurrency=settings.webhook_concurrency,
        poll_seconds=settings.webhook_poll_seconds,
    )
    runtime = Runtime(settings, engine, factory, holder, policy, notifier)
    runtime.batcher = ClassifyBatcher(functools.partial(flows.classify_submitted, runtime))
    return runtime


async def _escalation_loop(runtime: Runtime) -> None:
    interval = runtime.settings.escalation_interval_seconds
    while True:
        await asyncio.sleep(interval)
        try:
            moved = await run_in_threadpool(flows.escalate, runtime)
            if moved:
                log.info("escalated %d overdue item(s)", len(moved))
        except Exception:  # keep the loop alive; the next round retries
            log.exception("escalation round failed")


def _error_body(name: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"error": name, "detail": detail, **extra}


def add_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse(
            _error_body(type(exc).__name__, exc.detail, **exc.extra), status_code=exc.status_code
        )

    @app.exception_handler(InvalidInputError)
    async def invalid_input(_: Request, exc: InvalidInputError) -> JSONResponse:
        return JSONResponse(_error_body("InvalidInputError", str(exc)), status_code=422)

    @app.exception_handler(TriageError)
    async def triage_error(_: Request, exc: TriageError) -> JSONResponse:
        return JSONResponse(_error_body(type(exc).__name__, str(exc)), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        names = {400: "MalformedBody", 404: "NotFound", 405: "MethodNotAllowed"}
        detail = str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in detail:
            detail = "the request body could not be read: send UTF-8 encoded JSON"
        return JSONResponse(
            _error_body(names.get(exc.status_code, "HTTPError"), detail),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(
                _error_body("MalformedJSON", "the request body is not valid JSON"), status_code=400
            )
        problems = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in errors
        ]
        detail = "; ".join(
            f"{'.'.join(map(str, p['loc'][1:] or p['loc']))}: {p['msg']}" for p in problems
        )
        return JSONResponse(
            _error_body("ValidationError", detail, errors=problems), status_code=422
        )


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        current: Runtime = (
            runtime if runtime is not None else await run_in_threadpool(build_runtime, settings)
        )
        app.state.runtime = current
        if runtime is None:  # a runtime handed in (tests) is its owner's to manage
            freeze_loaded_objects()
        current.notifier.start()
        loop = (
            asyncio.create_task(_escalation_loop(current))
            if current.settings.escalation_interval_seconds > 0
            else None
        )
        try:
            yield
        finally:
            if loop is not None:
                loop.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await loop
            await run_in_threadpool(current.batcher.close)
            await run_in_threadpool(current.notifier.stop)
            if runtime is None:
                current.engine.dispose()

    app = FastAPI(
        title="review-triage",
        version=API_VERSION,
        description="Classify B2B customer feedback, route it to an owner with a response "
        "rule and a due time, and hold red and uncertain items for a human.",
        lifespan=lifespan,
        telemetry=None if settings.opentelemetry else TELEMETRY_OFF,
    )
    add_exception_handlers(app)
    for module in (classify, items, metrics, admin, webhooks, health):
        app.include_router(module.router)
    app.state.ui_secret = (
        settings.ui_secret.get_secret_value().encode()
        if settings.ui_secret is not None
        else secrets.token_bytes(32)
    )
    app.include_router(ui_routes.router)
    app.mount("/ui/static", StaticFiles(directory=str(UI_STATIC)), name="ui-static")
    app.add_middleware(SecurityHeaders)
    return app


UI_STATIC = Path(__file__).resolve().parent / "ui" / "static"

# The console serves only its own files; review text is untrusted, so no inline script runs.
UI_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


_COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
_UI_HEADERS = (
    (b"content-security-policy", UI_CSP.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    """Adds the security headers to every HTTP response, keeping any a route set itself.

    A plain ASGI middleware: Starlette's `BaseHTTPMiddleware` (`app.middleware("http")`) runs
    each request through an extra task and memory streams, about 0.5 ms of CPU a request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        wanted = list(_COMMON_HEADERS)
        if path.startswith("/ui"):
            wanted.extend(_UI_HEADERS)
            if not path.startswith("/ui/static"):
                wanted.append((b"cache-control", b"no-store"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend((n, v) for n, v in wanted if n not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
