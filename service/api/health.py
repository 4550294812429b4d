"""Liveness and readiness (no key needed)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from service.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses={503: {"description": 'The database does not answer: `{"status": "unavailable"}`.'}},
)
def readyz(runtime: RuntimeDep) -> Any:
    """Ready when the database answers; `degraded` (still 200) when no model is loaded."""
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        return JSONResponse(
            {"status": "unavailable", "database": f"error: {type(exc).__name__}"}, status_code=503
        )
    state = runtime.holder.state
    return {
        "status": "degraded" if state.degraded else "ready",
        "database": "ok",
        "model": state.describe()["model_version"],
        "model_error": state.error,
    }
