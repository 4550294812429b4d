"""The FastAPI application: start-up (database, model, policy, reply templates, notifier,
escalation loop), error handling with one body shape, and the routers."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import InvalidInputError, TriageError
from core.settings import Settings, get_settings
from service import health
from service.access import routes as access_routes
from service.access.keys import seed_bootstrap_key
from service.console import calibration as ui_calibration
from service.console import dashboard as ui_dashboard
from service.console import incidents as ui_incidents
from service.console import routes as ui_routes
from service.console import themes as ui_themes
from service.db import is_unavailable, make_engine, session_factory, transaction
from service.deps import key_from_headers, principal_for
from service.errors import ServiceError
from service.incidents import routes as incident_routes
from service.items import classify_routes, flows
from service.items import routes as item_routes
from service.items.batching import ClassifyBatcher
from service.metrics import routes as metrics_routes
from service.metrics.thresholds import check_thresholds
from service.notifications import routes as notification_routes
from service.notifications.webhooks import Notifier
from service.observability import routes as observability_routes
from service.observability.middleware import RequestTelemetry
from service.patterns import flows as pattern_flows
from service.replies import routes as reply_routes
from service.replies.templates import load_templates
from service.routing import routes as routing_routes
from service.routing.policy import load_policy_file
from service.routing.reload import reload_policy
from service.runtime import Runtime
from service.serving import flows as serving_flows
from service.serving import routes as serving_routes
from service.serving.holder import ModelHolder, freeze_loaded_objects
from service.sessions import routes as session_routes
from service.themes import routes as theme_routes
from service.themes.refit import run_refit

log = logging.getLogger(__name__)

API_VERSION = "1"
# FastAPI's OpenTelemetry instrumentation, when TRIAGE_OPENTELEMETRY is off.
TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def build_runtime(settings: Settings, *, holder: ModelHolder | None = None) -> Runtime:
    """Open the database, load the policy, the reply templates and the model; nothing here needs
    a request."""
    # An invalid policy refuses to start; its digest tells the poll whether the file changed.
    policy, policy_digest = load_policy_file(settings.routing_policy)
    templates = load_templates(settings.reply_templates)  # so do invalid reply templates
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
    runtime = Runtime(settings, engine, factory, holder, policy, notifier, templates)
    runtime.policy_digest = policy_digest
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


async def _patterns_loop(runtime: Runtime) -> None:
    """Themes and incidents for new items, off the request path; a full round is followed at
    once by the next, so a backlog drains at the encoder's pace."""
    interval = runtime.settings.patterns_interval_seconds
    while True:
        try:
            done = await run_in_threadpool(pattern_flows.analyse, runtime)
            if done.incidents:
                log.info("incidents opened or changed: %s", list(done.incidents))
            if done.items == runtime.settings.patterns_batch:
                continue
        except Exception:  # a database that is down now may answer next round
            log.exception("pattern round failed")
        await asyncio.sleep(interval)


async def _thresholds_loop(runtime: Runtime) -> None:
    """Evaluate the routing policy's metric thresholds: raise and clear alerts."""
    interval = runtime.settings.thresholds_interval_seconds
    while True:
        await asyncio.sleep(interval)
        try:
            check = await run_in_threadpool(check_thresholds, runtime)
            if check.raised or check.cleared:
                log.info("threshold alerts raised %s, cleared %s", check.raised, check.cleared)
        except Exception:  # a database that is down now may answer next round
            log.exception("threshold evaluation failed")


async def _model_poll_loop(runtime: Runtime) -> None:
    """Reload the model when `triage promote` or `triage rollback` moved the alias."""
    interval = runtime.settings.model_poll_seconds
    while True:
        await asyncio.sleep(interval)
        try:
            state = await run_in_threadpool(serving_flows.poll_model, runtime)
            if state is not None:
                log.info("model reloaded: %s", state.trigger)
        except Exception:  # a store that is down now may answer next round
            log.exception("checking the model alias failed")


async def _policy_poll_loop(runtime: Runtime) -> None:
    """Serve the routing policy file's new content when it changed (service/routing/reload.py)."""
    interval = runtime.settings.policy_poll_seconds
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(reload_policy, runtime)
        except Exception:  # keep the loop alive; the next round reads the file again
            log.exception("checking the routing policy file failed")


async def _themes_refit_loop(runtime: Runtime) -> None:
    """Re-fit the themes every TRIAGE_THEMES_REFIT_HOURS, in a thread (minutes of encoding and
    clustering must not hold the event loop)."""
    interval = runtime.settings.themes_refit_hours * 3600
    while True:
        await asyncio.sleep(interval)
        try:
            summary = await asyncio.to_thread(
                run_refit, runtime.factory, runtime.settings, actor="scheduled-refit"
            )
            log.info("themes re-fitted: %s", summary.as_dict())
        except Exception:  # a missing encoder or a busy lock now may be fine next round
            log.exception("theme re-fit failed")


def error_response(
    name: str,
    detail: str,
    status_code: int,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """The one error body, `{"error": "<Name>", "detail": "...", ...}`; a 422 always lists its
    field problems under `errors` (empty when the problem is no one field's)."""
    body: dict[str, Any] = {"error": name, "detail": detail, **extra}
    if status_code == 422:
        body.setdefault("errors", [])
    return JSONResponse(body, status_code=status_code, headers=headers)


def database_error_response(exc: SQLAlchemyError, retry_after: int) -> JSONResponse:
    """503 with Retry-After while the database is unreachable; any other database error is a
    bug (a 500, logged), still in the one body shape."""
    if is_unavailable(exc):
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return error_response(
            "ServiceUnavailable",
            "the database is unavailable; nothing was changed, retry later",
            503,
            headers={"Retry-After": str(retry_after)},
        )
    log.error("database error", exc_info=exc)
    return error_response("InternalError", "an unexpected database error; it was logged", 500)


_HTTP_ERROR_NAMES = {
    400: "MalformedBody",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "PayloadTooLargeError",
}


def add_exception_handlers(app: FastAPI, *, retry_after: int) -> None:
    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return error_response(type(exc).__name__, exc.detail, exc.status_code, **exc.extra)

    @app.exception_handler(InvalidInputError)
    async def invalid_input(_: Request, exc: InvalidInputError) -> JSONResponse:
        return error_response("InvalidInputError", str(exc), 422)

    @app.exception_handler(TriageError)
    async def triage_error(_: Request, exc: TriageError) -> JSONResponse:
        return error_response(type(exc).__name__, str(exc), 400)

    @app.exception_handler(StaleDataError)
    async def stale(_: Request, exc: StaleDataError) -> JSONResponse:
        return error_response(
            "ConflictError", "the item changed while this request ran; reload it", 409
        )

    @app.exception_handler(SQLAlchemyError)
    async def database_error(_: Request, exc: SQLAlchemyError) -> JSONResponse:
        return database_error_response(exc, retry_after)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in detail:
            detail = "the request body could not be read as JSON"
        return error_response(
            _HTTP_ERROR_NAMES.get(exc.status_code, "HTTPError"),
            detail,
            exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response("MalformedJSON", "the request body is not valid JSON", 400)
        problems = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in errors
        ]
        detail = "; ".join(
            f"{'.'.join(map(str, p['loc'][1:] or p['loc']))}: {p['msg']}" for p in problems
        )
        return error_response("ValidationError", detail, 422, errors=problems)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Starlette logs the exception after this response is sent; the client gets JSON.
        return error_response("InternalError", "an unexpected error; it was logged", 500)


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
        loops = []
        if current.settings.escalation_interval_seconds > 0:
            loops.append(asyncio.create_task(_escalation_loop(current)))
        if current.settings.patterns_interval_seconds > 0:
            loops.append(asyncio.create_task(_patterns_loop(current)))
        if current.settings.thresholds_interval_seconds > 0:
            loops.append(asyncio.create_task(_thresholds_loop(current)))
        if current.settings.model_poll_seconds > 0 and current.settings.model_source in (
            "champion",
            "auto",
        ):
            loops.append(asyncio.create_task(_model_poll_loop(current)))
        if current.settings.policy_poll_seconds > 0:
            loops.append(asyncio.create_task(_policy_poll_loop(current)))
        if current.settings.themes_refit_hours > 0:
            loops.append(asyncio.create_task(_themes_refit_loop(current)))
        try:
            yield
        finally:
            for loop in loops:
                loop.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await loop
            await run_in_threadpool(current.batcher.close)
            await run_in_threadpool(current.notifier.stop)
            if runtime is None:
                current.engine.dispose()

    # /docs and /redoc with Swagger UI and ReDoc served by the app itself (the package ships
    # them), not from a CDN: the docs work where the service runs, internet or not.
    app = FastAPIOffline(
        title="review-triage",
        version=API_VERSION,
        description="Classify B2B customer feedback, route it to an owner with a response "
        "rule and a due time, and hold red and uncertain items for a human.",
        lifespan=lifespan,
        telemetry=None if settings.opentelemetry else TELEMETRY_OFF,
    )
    add_exception_handlers(app, retry_after=settings.retry_after_seconds)
    for router in (
        classify_routes.router,
        item_routes.router,
        reply_routes.router,
        incident_routes.router,
        metrics_routes.router,
        serving_routes.router,
        access_routes.router,
        routing_routes.router,
        notification_routes.router,
        theme_routes.router,
        session_routes.router,
        observability_routes.router,
        health.router,
    ):
        app.include_router(router)
    app.state.ui_secret = (
        settings.ui_secret.get_secret_value().encode()
        if settings.ui_secret is not None
        else secrets.token_bytes(32)
    )
    app.include_router(ui_routes.router)
    app.include_router(ui_dashboard.router)
    app.include_router(ui_themes.router)
    app.include_router(ui_incidents.router)
    app.include_router(ui_calibration.router)
    app.mount("/ui/static", StaticFiles(directory=str(UI_STATIC)), name="ui-static")
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestTelemetry)  # outermost: it times and logs every answer
    return app


UI_STATIC = Path(__file__).resolve().parent / "console" / "static"

# The console serves only its own files; review text is untrusted, so no inline script runs.
UI_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


# The API documentation pages load their files from the service (fastapi-offline) and must not
# reach anywhere else: ReDoc's script fetches its logo from a CDN (it hides it when that fails).
# Their scripts and styles are inline, so only images, fonts and requests are held to 'self'.
DOCS_PATHS = frozenset({"/docs", "/redoc"})
DOCS_CSP = (
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
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


_DOCS_HEADERS = ((b"content-security-policy", DOCS_CSP.encode()),)


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RequestGuard:
    """What a request must pass before anything reads its body.

    - A body above `max_body_bytes` gets 413: at once by its Content-Length, else as soon as the
      bytes streamed in pass the limit.
    - An API request that may carry a body needs a valid key first: without one it gets 401
      having been read no further than its headers (FastAPI would read and parse the body
      before checking the key). The route's own dependency checks the key again, from the
      cache, and the role.

    FastAPI's own `max_body_size` answers 413 in plain text whenever Content-Length is over the
    limit, replacing any response, so the one error body could not be kept with it.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        response = self._too_large(headers.get("content-length"))
        if (
            response is None
            and scope["method"] in _BODY_METHODS
            and scope["path"].startswith("/v1/")
        ):
            response = await self._unauthenticated(scope["app"].state.runtime, headers)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, self._counting(receive), send)

    def _too_large(self, content_length: str | None) -> JSONResponse | None:
        if content_length is None or not content_length.isdigit():
            return None
        if int(content_length) <= self.max_body_bytes:
            return None
        return error_response("PayloadTooLargeError", self._limit_detail(), 413)

    def _limit_detail(self) -> str:
        return f"the request body is larger than {self.max_body_bytes} bytes"

    async def _unauthenticated(self, runtime: Runtime, headers: Headers) -> JSONResponse | None:
        key = key_from_headers(headers.get("authorization"), headers.get("x-api-key"))
        try:
            await principal_for(runtime, key)
        except ServiceError as exc:
            return error_response(type(exc).__name__, exc.detail, exc.status_code)
        except SQLAlchemyError as exc:
            return database_error_response(exc, runtime.settings.retry_after_seconds)
        return None

    def _counting(self, receive: Receive) -> Receive:
        received = 0

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # Raised inside the body read: FastAPI passes HTTPException on to the
                    # handlers, which answer in the one error body.
                    raise StarletteHTTPException(413, self._limit_detail())
            return message

        return receive_counted


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
        elif path in DOCS_PATHS:
            wanted.extend(_DOCS_HEADERS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend((n, v) for n, v in wanted if n not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
