"""The service's model at run time: atomic reload, the MLflow champion as source, degraded
mode without a model, and who may reload."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from model.engine import TriageResult
from model.records import FeedbackItem
from service.app import create_app
from service.serving.holder import ModelHolder
from tests.conftest import Store
from training.model_store import champion_version

RED = "We will sue you over the lost pallet"
TEXTS = [
    RED,
    "Great onboarding, the team answered every question within an hour.",
    "Your invoice charged us twice and nobody replies to tickets.",
    "Is there a way to export the audit log as CSV?",
    "Their sales rep claims your platform leaks customer data, is that true?",
    "The pallet arrived three days late again.",
]


def _file_holder(path: Path) -> ModelHolder:
    holder = ModelHolder(Settings(model_source="file", model_path=path))
    holder.load()
    return holder


def _replace(target: Path, source: Path) -> None:
    """Deploy a model file the way a release would: copy beside it, then rename over it."""
    staging = target.with_suffix(".staging")
    shutil.copyfile(source, staging)
    staging.replace(target)


def _batch(api: Any, prefix: str) -> list[dict[str, Any]]:
    items = [{"text": t, "external_id": f"{prefix}-{i}"} for i, t in enumerate(TEXTS)]
    response = api.post("/v1/classify/batch", json={"items": items})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rejected"] == 0
    results: list[dict[str, Any]] = body["items"]
    return results


def test_reload_swaps_atomically_and_in_flight_requests_finish_on_the_old_model(
    make_api: Any, model_path: Path, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = tmp_path / "model.joblib"
    shutil.copyfile(model_path, live)
    holder = _file_holder(live)
    api = make_api(holder=holder)
    old = api.get("/v1/model").json()
    assert old["loaded"] and old["source"] == "file" and old["family"] == "tfidf_logreg"
    assert old["model_version"] != store.model_version

    # Hold a batch inside the old model until the reload is done.
    old_triager = holder.triager
    classify_many = old_triager.classify_many
    inside, release = threading.Event(), threading.Event()

    def held(items: Sequence[FeedbackItem]) -> list[TriageResult]:
        inside.set()
        assert release.wait(30)
        return classify_many(items)

    monkeypatch.setattr(old_triager, "classify_many", held)
    in_flight: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: in_flight.update(items=_batch(api, "held")))
    worker.start()
    try:
        assert inside.wait(30)
        _replace(live, store.model_file)
        reloaded = api.post("/v1/model/reload")
        assert reloaded.status_code == 200, reloaded.text
        assert reloaded.json()["model_version"] == store.model_version
        assert reloaded.json()["family"] == "tfidf_svm" and reloaded.json()["error"] is None
        # A request that starts now uses the new model while the old batch is still running.
        fresh = api.post("/v1/classify", json={"text": TEXTS[2], "external_id": "fresh"})
        assert fresh.status_code == 200, fresh.text
        assert fresh.json()["model_version"] == store.model_version
    finally:
        release.set()
        worker.join(60)
    assert not worker.is_alive()

    held_items = in_flight["items"]
    assert len(held_items) == len(TEXTS)
    assert {item["model_version"] for item in held_items} == {old["model_version"]}
    stored = api.get(f"/v1/items/{held_items[0]['id']}").json()
    assert stored["model_version"] == old["model_version"]
    assert {p["model_version"] for p in stored["predictions"]} == {old["model_version"]}

    after = _batch(api, "after")
    assert {item["model_version"] for item in after} == {store.model_version}
    now = api.get("/v1/model", role="helpdesk").json()
    assert now["model_version"] == store.model_version and now["family"] == "tfidf_svm"
    assert now["loaded_at"] > old["loaded_at"]
    assert api.client.get("/readyz").json()["model"] == store.model_version


def test_batches_racing_reloads_each_use_one_whole_model(
    make_api: Any, model_path: Path, store: Store, tmp_path: Path
) -> None:
    live = tmp_path / "model.joblib"
    shutil.copyfile(model_path, live)
    api = make_api(holder=_file_holder(live))
    first = api.get("/v1/model").json()["model_version"]
    versions = {first, store.model_version}

    batches: list[list[dict[str, Any]]] = []
    failures: list[BaseException] = []

    def classify(prefix: str) -> None:
        try:
            batches.append(_batch(api, prefix))
        except BaseException as exc:  # reported below
            failures.append(exc)

    workers = [threading.Thread(target=classify, args=(f"race-{n}",)) for n in range(4)]
    for worker in workers:
        worker.start()
    for source in (store.model_file, model_path, store.model_file):
        _replace(live, source)
        assert api.post("/v1/model/reload").status_code == 200
    for worker in workers:
        worker.join(60)
    assert not failures, failures
    assert len(batches) == 4
    for batch in batches:
        used = {item["model_version"] for item in batch}
        assert len(used) == 1 and used <= versions, used
    assert api.get("/v1/model").json()["model_version"] == store.model_version


def test_a_failed_reload_keeps_serving_the_loaded_model(
    make_api: Any, model_path: Path, tmp_path: Path
) -> None:
    live = tmp_path / "model.joblib"
    shutil.copyfile(model_path, live)
    api = make_api(holder=_file_holder(live))
    before = api.get("/v1/model").json()

    live.write_bytes(b"not a model")
    failed = api.post("/v1/model/reload")
    assert failed.status_code == 502, failed.text
    assert failed.json()["error"] == "BadGatewayError"
    state = failed.json()["model"]
    assert state["loaded"] and state["model_version"] == before["model_version"]
    assert "reload failed" in state["error"] and "corrupt" in state["error"]
    ready = api.client.get("/readyz").json()
    assert ready["status"] == "ready" and "reload failed" in ready["model_error"]
    red = api.post("/v1/classify", json={"text": RED}).json()
    assert red["model_version"] == before["model_version"]

    shutil.copyfile(model_path, live)
    again = api.post("/v1/model/reload").json()
    assert again["loaded"] and again["error"] is None


def test_the_service_loads_the_mlflow_champion(
    make_api: Any, database_url: str, store: Store
) -> None:
    api = make_api()  # an empty database with one key per role
    for source in ("champion", "auto"):
        settings = Settings(
            database_url=database_url,
            escalation_interval_seconds=0,
            model_source=source,
            mlflow_dir=store.mlflow_dir,
            mlflow_tracking_uri=None,  # this store, whatever the environment says
        )
        with TestClient(create_app(settings)) as client:
            model = client.get("/v1/model", headers=api.headers("reviewer")).json()
            assert model["loaded"] and model["source"] == "champion", model
            assert model["registry_version"] == store.registry_version
            assert model["model_version"] == store.model_version
            assert model["family"] == "tfidf_svm" and model["error"] is None
            assert "cache" in model["location"]
            red = client.post(
                "/v1/classify",
                json={"text": RED, "external_id": f"champion-{source}"},
                headers=api.headers("helpdesk"),
            )
            assert red.status_code == 200, red.text
            assert red.json()["model_version"] == store.model_version
            assert client.get("/readyz").json()["status"] == "ready"


def test_a_started_service_keeps_its_model_out_of_the_garbage_collector(
    database_url: str, model_path: Path
) -> None:
    """A full collection walking the model's ~300,000 objects stalled every request for about
    200 ms; once started, the service moves them to the permanent generation."""
    import gc

    gc.unfreeze()
    settings = Settings(
        database_url=database_url,
        escalation_interval_seconds=0,
        model_source="file",
        model_path=model_path,
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").json()["status"] == "ready"
        frozen = gc.get_freeze_count()
    gc.unfreeze()
    assert frozen > 100_000


def test_the_champion_is_looked_up_without_mlflows_client(store: Store, tmp_path: Path) -> None:
    """The alias table answers what MLflow's client answers, for a fraction of its imports."""
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{(store.mlflow_dir / 'mlflow.db').resolve()}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    expected = client.get_model_version_by_alias("review-triage", "champion").version
    assert champion_version(uri) == str(expected) == store.registry_version
    # A database with no registry tables falls back to the client, which finds no champion.
    assert champion_version(f"sqlite:///{tmp_path / 'empty.db'}") is None


def test_a_cached_champion_loads_without_importing_mlflow(store: Store) -> None:
    """Once its version is downloaded (promotion does it), starting on the champion costs no
    MLflow import: about three seconds of a server's start-up."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from service.serving.holder import ModelHolder\n"
        "from core.settings import Settings\n"
        "settings = Settings(model_source='champion', mlflow_dir=Path(sys.argv[1]),\n"
        "                    mlflow_tracking_uri=None)\n"
        "state = ModelHolder(settings).load()\n"
        "print(state.source, state.registry_version, 'mlflow' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(store.mlflow_dir)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.stdout.split() == ["champion", store.registry_version, "False"]


def test_champion_source_without_a_champion_runs_degraded(tmp_path: Path) -> None:
    holder = ModelHolder(
        Settings(model_source="champion", mlflow_dir=tmp_path / "none", mlflow_tracking_uri=None)
    )
    state = holder.load()
    assert state.degraded and state.source == "none"
    assert state.error == "the MLflow store has no review-triage@champion"


def test_without_a_model_the_service_applies_the_rules_and_sends_everything_to_review(
    make_api: Any, model_path: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.joblib"
    holder = ModelHolder(Settings(model_source="file", model_path=missing))
    holder.load()
    api = make_api(holder=holder)

    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded" and ready.json()["model"] is None
    assert str(missing) in ready.json()["model_error"]
    model = api.get("/v1/model").json()
    assert not model["loaded"] and model["source"] == "none" and model["model_version"] is None

    red = api.post("/v1/classify", json={"text": RED}).json()
    assert red["severity"] == "red" and red["category"] is None
    assert red["status"] == "needs_review" and red["decision"] == "rule_forced"
    assert "model_unavailable" in red["reasons"]
    assert any(reason.startswith("red_flag:legal") for reason in red["reasons"])
    assert red["owner"] == "leadership" and red["model_version"] is None

    calm = api.post("/v1/classify", json={"text": TEXTS[3]}).json()
    assert calm["severity"] is None and calm["category"] is None
    assert calm["status"] == "needs_review" and calm["decision"] == "needs_review"
    assert calm["reasons"] == ["model_unavailable"]

    # Putting a model in place and reloading ends degraded mode.
    shutil.copyfile(model_path, missing)
    reloaded = api.post("/v1/model/reload").json()
    assert reloaded["loaded"] and reloaded["error"] is None
    assert api.client.get("/readyz").json()["status"] == "ready"
    assert api.post("/v1/classify", json={"text": RED}).json()["model_version"] is not None


def test_only_admins_may_reload_the_model(api: Any) -> None:
    for role in ("helpdesk", "reviewer"):
        denied = api.post("/v1/model/reload", role=role)
        assert denied.status_code == 403, denied.text
        assert denied.json()["error"] == "ForbiddenError"
    anonymous = api.client.post("/v1/model/reload")
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "NotAuthenticatedError"
    wrong = api.client.post("/v1/model/reload", headers={"Authorization": "Bearer rt_nope"})
    assert wrong.status_code == 401
    assert api.get("/v1/model", role="helpdesk").status_code == 200
    assert api.post("/v1/model/reload").status_code == 200


def _fake_tracking_server(answers: dict[str, tuple[int, dict[str, Any]]]) -> Any:
    """A local HTTP server answering MLflow's documented alias endpoint, per model name."""
    import json
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlparse

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            status, body = answers.get(query.get("name", [""])[0], (404, {}))
            if url.path != "/api/2.0/mlflow/registered-models/alias" or query.get("alias") != [
                "champion"
            ]:
                status, body = 400, {"error_code": "BAD_REQUEST"}
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_tracking_servers_champion_is_read_from_its_rest_api() -> None:
    answer = {"model_version": {"name": "review-triage", "version": "7", "aliases": ["champion"]}}
    server = _fake_tracking_server({"review-triage": (200, answer)})
    uri = f"http://127.0.0.1:{server.server_address[1]}"
    script = (
        "import sys\n"
        "from training.model_store import champion_version\n"
        "print(champion_version(sys.argv[1]), 'mlflow' in sys.modules)\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, uri],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[3],
        )
    finally:
        server.shutdown()
    assert done.stdout.split() == ["7", "False"]  # answered without importing MLflow


def test_a_tracking_server_without_a_champion_answers_none() -> None:
    missing = {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no alias"}
    server = _fake_tracking_server({"review-triage": (404, missing)})
    try:
        assert champion_version(f"http://127.0.0.1:{server.server_address[1]}/") is None
    finally:
        server.shutdown()


def test_a_reload_signals_only_its_own_supervisor(make_api: Any) -> None:
    """A single process whose TRIAGE_SUPERVISOR_PID names some other process (here pytest
    itself, which SIGHUP would end) reloads its own model and signals nobody."""
    api = make_api(supervisor_pid=os.getpid())
    reloaded = api.post("/v1/model/reload")
    assert reloaded.status_code == 200, reloaded.text
    assert reloaded.json()["loaded"] and reloaded.json()["restarting_workers"] is False


def test_the_service_follows_an_alias_move_by_itself(
    make_api: Any, database_url: str, store: Store
) -> None:
    """A promotion or rollback moves @champion; the service polls the alias and reloads,
    recording why, without anyone calling /v1/model/reload."""
    import time

    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{(store.mlflow_dir / 'mlflow.db').resolve()}"
    mlflow = MlflowClient(tracking_uri=uri, registry_uri=uri)
    champion = mlflow.get_model_version("review-triage", store.registry_version)
    # A second version of the same artifact: what matters is that the alias moves.
    moved = mlflow.create_model_version("review-triage", champion.source, run_id=champion.run_id)
    api = make_api()
    settings = Settings(
        database_url=database_url,
        escalation_interval_seconds=0,
        model_source="auto",
        model_poll_seconds=0.2,
        mlflow_dir=store.mlflow_dir,
        mlflow_tracking_uri=None,
    )

    def served(client: TestClient) -> dict[str, Any]:
        response = client.get("/v1/model", headers=api.headers("admin"))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def wait_for(client: TestClient, version: str) -> dict[str, Any]:
        deadline = time.monotonic() + 60  # a generous bound, not a speed check
        while (body := served(client))["registry_version"] != version:
            assert time.monotonic() < deadline, body
            time.sleep(0.1)
        return body

    try:
        with TestClient(create_app(settings)) as client:
            assert served(client)["loaded_because"] == "start-up"
            mlflow.set_registered_model_alias("review-triage", "champion", moved.version)
            after = wait_for(client, str(moved.version))
            assert after["loaded"] and after["error"] is None
            assert after["loaded_because"] == (
                f"review-triage@champion moved to version {moved.version}"
            )
            assert [load["because"] for load in after["loads"]] == [
                "start-up",
                after["loaded_because"],
            ]
            mlflow.set_registered_model_alias("review-triage", "champion", store.registry_version)
            back = wait_for(client, store.registry_version)
            assert len(back["loads"]) == 3
    finally:  # the other tests expect the store as the fixture made it
        mlflow.set_registered_model_alias("review-triage", "champion", store.registry_version)
        mlflow.delete_model_version("review-triage", moved.version)


def test_polling_leaves_a_file_model_alone(model_path: Path, store: Store) -> None:
    holder = ModelHolder(
        Settings(model_source="file", model_path=model_path, mlflow_dir=store.mlflow_dir)
    )
    holder.load()
    assert holder.poll() is None and holder.state.source == "file"
