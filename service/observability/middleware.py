"""One plain ASGI middleware per request: its id, its Prometheus figures and its log line.

Outermost in the stack, so the time measured and the line logged cover every answer,
the request guard's early 401 and 413 included. Plain ASGI, not `BaseHTTPMiddleware`: that
one costs an extra task and memory streams per request (see `service.app.SecurityHeaders`).
"""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.datastructures import Headers
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.observability.context import RequestInfo, current, request_id_from
from service.observability.logs import log_request
from service.observability.prometheus import observe_request

UNMATCHED = "unmatched"  # the route label of a request no route answers (a 404): raw paths
# would give Prometheus a series per path anyone cares to send.


def route_template(scope: Scope) -> str:
    """The path template of the route that answered (`/v1/items/{item_id}`), never the raw
    path. A request answered before routing (the request guard's 401 or 413) is matched
    against the API's documented paths."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str) and path:
        return path
    app = scope.get("app")
    if app is None:
        return UNMATCHED
    raw: str = scope["path"]
    for pattern, template in _api_templates(app):
        if pattern.fullmatch(raw):
            return template
    return UNMATCHED


def _api_templates(app: Any) -> list[tuple[re.Pattern[str], str]]:
    """The OpenAPI document's paths, compiled once per app."""
    templates: list[tuple[re.Pattern[str], str]] | None = getattr(
        app.state, "route_templates", None
    )
    if templates is None:
        paths = app.openapi().get("paths", {})
        templates = [(compile_path(template)[0], template) for template in paths]
        app.state.route_templates = templates
    return templates


class RequestTelemetry:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        info = RequestInfo(request_id_from(Headers(scope=scope).get("x-request-id")))
        header = (b"x-request-id", info.request_id.encode())
        status = 500  # what the client gets when the app fails before answering
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        token = current.set(info)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            method: str = scope["method"]
            observe_request(method, route, status, seconds)
            log_request(
                method=method,
                route=route,
                status=status,
                duration_ms=seconds * 1000,
                request_id=info.request_id,
                key=info.key_name,
            )
            current.reset(token)
