"""Liveness and readiness (no key needed)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from service.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


class Readiness(BaseModel):
    status: Literal["ready", "degraded"] = Field(description="degraded: no model, rules alone.")
    database: Literal["ok"]
    model: str | None = Field(description="The served model version.")
    model_error: str | None


class Unavailable(BaseModel):
    status: Literal["unavailable"]
    database: str = Field(description="error: <kind of error>")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Unavailable, "description": "The database does not answer."}},
)
def readyz(runtime: RuntimeDep) -> Readiness | JSONResponse:
    """Ready when the database answers; `degraded` (still 200) when no model is loaded."""
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        return JSONResponse(
            {"status": "unavailable", "database": f"error: {type(exc).__name__}"}, status_code=503
        )
    state = runtime.holder.state
    return Readiness(
        status="degraded" if state.degraded else "ready",
        database="ok",
        model=state.describe().model_version,
        model_error=state.error,
    )
