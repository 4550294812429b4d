"""TRIAGE_OPENTELEMETRY switches FastAPI's OpenTelemetry instrumentation on; off by default.

Each case runs in a fresh interpreter: OpenTelemetry's global tracer provider can be set only
once per process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import json, sys
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from service.app import create_app
from core.settings import Settings

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
settings = Settings(database_url=sys.argv[1], **json.loads(sys.argv[2]))
client = TestClient(create_app(settings))  # no lifespan: /healthz needs no runtime
assert client.get("/healthz").status_code == 200
print(json.dumps([dict(span.attributes or {}) for span in exporter.get_finished_spans()]))
"""


def _spans(tmp_path: Path, overrides: dict[str, object]) -> list[dict[str, object]]:
    url = f"sqlite:///{tmp_path / 'otel.db'}"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, url, json.dumps(overrides)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    spans: list[dict[str, object]] = json.loads(done.stdout.splitlines()[-1])
    return spans


@pytest.mark.parametrize(("overrides", "traced"), [({}, False), ({"opentelemetry": True}, True)])
def test_requests_are_traced_only_when_switched_on(
    tmp_path: Path, overrides: dict[str, object], traced: bool
) -> None:
    routes = [span.get("http.route") for span in _spans(tmp_path, overrides)]
    assert ("/healthz" in routes) is traced
    if not traced:
        assert routes == []
