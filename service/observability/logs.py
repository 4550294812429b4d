"""Logs: one line per request, and how `triage serve` formats every log line.

`TRIAGE_LOG_FORMAT=json` (the default of `triage serve`) writes one JSON object a line to
stderr, with python-json-logger's formatter: `time`, `level`, `logger`, `message`, and the
record's extra fields (a request line's `method`, `route`, `status`, `duration_ms`,
`request_id`, `key`). `text` writes the same records for people. Every line logged while a
request is served carries its `request_id`.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from service.observability.context import current

REQUEST_LOGGER = "triage.requests"
request_log = logging.getLogger(REQUEST_LOGGER)

LogFormat = Literal["json", "text"]


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to every record logged while a request is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        info = current.get()
        if info is not None and not hasattr(record, "request_id"):
            record.request_id = info.request_id
        return True


def log_request(
    *,
    method: str,
    route: str,
    status: int,
    duration_ms: float,
    request_id: str,
    key: str | None,
) -> None:
    """The one line a request leaves, once its response is sent."""
    fields = {
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(duration_ms, 2),
        "request_id": request_id,
        "key": key,
    }
    request_log.info(
        "%s %s %d %.1f ms request_id=%s key=%s",
        method,
        route,
        status,
        duration_ms,
        request_id,
        key or "-",
        extra=fields,
    )


def json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_config(log_format: LogFormat) -> dict[str, Any]:
    """A `logging.config.dictConfig` dictionary (uvicorn applies it in every worker): all
    loggers, uvicorn's included, to stderr in `log_format`. uvicorn's access log is left
    off by the caller: `log_request` writes the request lines."""
    formatter: dict[str, Any] = (
        {"()": json_formatter} if log_format == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"chosen": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "chosen",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["stderr"], "level": "INFO"},
        # uvicorn's loggers bring their own handlers otherwise; here they pass to the root's.
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
