"""The one MLflow adapter: the registered model's names, where `@champion` points, and the
download cache of versions. Training (registry, promotion) and the service (its model
holder) both go through it.

Nothing here imports MLflow at module level: the service asks for the champion on start-up
and every poll, and MLflow's client costs about three seconds of imports.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import uuid
from pathlib import Path

from core.errors import RegistryError

REGISTERED_MODEL = "review-triage"
CHAMPION = "champion"
CHALLENGER = "challenger"

log = logging.getLogger(__name__)


class _UnansweredError(Exception):
    """The quick champion lookup could not answer; MLflow's own client will."""


def _champion_by_sql(uri: str) -> str | None:
    """The champion's version read from a database-backed store's alias table."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(uri)  # a driver that is not installed raises here
    except (sa.exc.SQLAlchemyError, ImportError) as exc:
        raise _UnansweredError(str(exc)) from exc
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT version FROM registered_model_aliases WHERE name = :name "
                    "AND alias = :alias"
                ),
                {"name": REGISTERED_MODEL, "alias": CHAMPION},
            ).all()
    except sa.exc.SQLAlchemyError as exc:  # no registry yet, or a schema this does not know
        raise _UnansweredError(str(exc)) from exc
    finally:
        engine.dispose()
    if len(rows) > 1:  # one per workspace: which one is MLflow's business
        raise _UnansweredError("several aliases")
    return str(rows[0][0]) if rows else None


def _champion_by_rest(uri: str) -> str | None:
    """The champion's version from a tracking server's REST API."""
    import httpx

    try:
        response = httpx.get(
            f"{uri.rstrip('/')}/api/2.0/mlflow/registered-models/alias",
            params={"name": REGISTERED_MODEL, "alias": CHAMPION},
            timeout=10.0,
        )
    except httpx.HTTPError as exc:
        raise _UnansweredError(str(exc)) from exc
    if response.status_code == 404:
        return None
    if response.status_code != 200:  # authentication and the like: MLflow's client knows
        raise _UnansweredError(f"HTTP {response.status_code}")
    return str(response.json()["model_version"]["version"])


def champion_version(uri: str) -> str | None:
    """The version `@champion` points at, or None when there is none.

    MLflow's client costs a server about three seconds of imports, so the common stores are
    asked directly: a database-backed store (SQLite, PostgreSQL, MySQL) through its alias
    table, a tracking server through its REST API. Anything else, or any answer these cannot
    give, goes through MLflow's client.
    """
    try:
        if uri.startswith(("http://", "https://")):
            return _champion_by_rest(uri)
        if uri.split(":", 1)[0].split("+", 1)[0] in ("sqlite", "postgresql", "mysql", "mssql"):
            return _champion_by_sql(uri)
    except _UnansweredError as exc:
        log.info("asking MLflow's client for the champion (%s)", exc)
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    try:
        return str(client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION).version)
    except MlflowException:
        return None


def version_cache(cache_dir: Path, tracking_uri: str, version: str) -> Path:
    """Where version `version` of the store at `tracking_uri` is cached: keyed by the store
    too, since two tracking servers both have a version 3."""
    store = hashlib.sha256(tracking_uri.encode("utf-8")).hexdigest()[:12]
    return cache_dir / store / str(version)


def download_version(tracking_uri: str, version: str, cache_dir: Path) -> Path:
    """Version `version`'s joblib artifact, downloaded once into its cache folder. MLflow is
    imported only to download a version not cached yet; several processes may download at
    once (each stages in a folder of its own, the first rename wins)."""
    target = version_cache(cache_dir, tracking_uri, version)
    found = sorted(target.glob("**/artifacts/*.joblib"))
    if not found:
        import mlflow.artifacts

        staging = target.parent / f".{version}.{uuid.uuid4().hex}.partial"
        staging.mkdir(parents=True)
        try:
            mlflow.artifacts.download_artifacts(
                artifact_uri=f"models:/{REGISTERED_MODEL}/{version}",
                dst_path=str(staging),
                tracking_uri=tracking_uri,
            )
            try:
                staging.rename(target)  # atomic; refused when another process got there first
            except OSError:
                if not sorted(target.glob("**/artifacts/*.joblib")):  # a broken leftover
                    shutil.rmtree(target, ignore_errors=True)
                    staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        found = sorted(target.glob("**/artifacts/*.joblib"))
    if not found:
        raise RegistryError(f"{REGISTERED_MODEL} version {version} has no triage model artifact")
    return found[0]
