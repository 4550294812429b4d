"""Peer for the serving benchmark: a plain FastAPI endpoint over the same joblib artifact,
calling the scikit-learn pipeline the stock way for one text (features, then each head's
`predict_proba`, or `decision_function` for a head without it). No rules, no calibration
maps, no policy, no database: the cost of a model behind HTTP and nothing else.

    PEER_MODEL_PATH=model.joblib uvicorn benchmarks.peer_app:app --port 8002
    curl -s localhost:8002/predict -H 'content-type: application/json' -d '{"text": "..."}'
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from pydantic import BaseModel

from model.artifact import read_artifact
from model.labels import HEAD_LABELS, HEADS
from model.records import FeedbackItem


class PredictIn(BaseModel):
    text: str


class Peer:
    """The artifact's feature builder and linear heads, used as scikit-learn objects."""

    def __init__(self, path: Path) -> None:
        classifier, manifest = read_artifact(path)
        if classifier.features is None:
            raise RuntimeError(f"{path} holds no fitted features")
        self.features = classifier.features
        self.heads = classifier.heads
        self.model_version = manifest.model_version

    def predict(self, text: str) -> dict[str, Any]:
        matrix = self.features.transform([FeedbackItem(text=text)])
        result: dict[str, Any] = {"model_version": self.model_version}
        for head in HEADS:
            model = self.heads[head]
            scores = (
                model.predict_proba(matrix)
                if hasattr(model, "predict_proba")
                else model.decision_function(matrix)
            )[0]
            labels = HEAD_LABELS[head]
            best = int(scores.argmax())
            result[head] = labels[best]
            result[f"{head}_scores"] = {
                label: float(s) for label, s in zip(labels, scores, strict=True)
            }
        return result


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.peer = Peer(Path(os.environ["PEER_MODEL_PATH"]))
    yield


app = FastAPI(title="plain scikit-learn peer", lifespan=lifespan)


@app.get("/ping")
def ping() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/noop")
async def noop(body: PredictIn) -> dict[str, int]:
    """No model: what uvicorn, FastAPI and a validated body cost alone (the benchmark's floor)."""
    return {"chars": len(body.text)}


@app.post("/predict")
def predict(body: PredictIn, request: Request) -> dict[str, Any]:
    peer: Peer = request.app.state.peer
    return peer.predict(body.text)
