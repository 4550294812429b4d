"""The service's model: loaded once at start-up, swapped atomically on reload.

Sources (`TRIAGE_MODEL_SOURCE`): `champion` loads `models:/review-triage@champion` from the
MLflow store (its artifact is downloaded once into the store's cache folder); `file` loads
`TRIAGE_MODEL_PATH`; `auto` (default) takes the champion when the store has one, else the
file. When nothing can be loaded the service still runs on the rules alone: every item goes
to a human with the reason `model_unavailable`, and /readyz says degraded. A reload that finds
nothing loadable keeps serving the model already loaded and reports why in `error`.

The command line finds its model the same way (`load_served`), so `triage classify` scores
with what the service serves. A running service polls the alias every
`TRIAGE_MODEL_POLL_SECONDS` and reloads when `triage promote` or `triage rollback` moved it.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections import deque
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from core.settings import Settings
from model.artifact import load_triager
from model.engine import Triager
from model.rules import RULES_VERSION, RedFlagRules, load_rules
from service.serving.schemas import ModelStatePublic, TrainingDataPublic
from training.model_store import CHAMPION, REGISTERED_MODEL, champion_version, download_version

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ModelState:
    """What is loaded, from where, and why not if nothing is."""

    triager: Triager
    source: str  # champion, file, none
    location: str | None
    registry_version: str | None
    loaded_at: datetime
    error: str | None
    trigger: str = "start-up"  # why it was loaded: start-up, admin reload, alias moved, ...

    @property
    def degraded(self) -> bool:
        return self.triager.scorer is None

    def summary(self) -> str:
        """One line for people: which model, from where (or why none)."""
        manifest = self.triager.manifest
        if self.degraded or manifest is None:
            return f"no model, the rules alone ({self.error})"
        family = manifest.config.get("family")
        where = (
            f"{REGISTERED_MODEL}@{CHAMPION} (version {self.registry_version})"
            if self.source == "champion"
            else f"the file {self.location}"
        )
        return f"model {manifest.model_version} ({family}) from {where}"

    def describe(self) -> ModelStatePublic:
        manifest = self.triager.manifest
        return ModelStatePublic(
            loaded=not self.degraded,
            source=self.source,
            location=self.location,
            registry_version=self.registry_version,
            model_version=manifest.model_version if manifest else None,
            rules_version=RULES_VERSION,
            created_at=manifest.created_at if manifest else None,
            family=manifest.config.get("family") if manifest else None,
            thresholds=manifest.thresholds if manifest else None,
            training_data=(
                TrainingDataPublic(
                    name=manifest.training_data.name, rows=manifest.training_data.rows
                )
                if manifest
                else None
            ),
            loaded_at=self.loaded_at.isoformat(),
            loaded_because=self.trigger,
            error=self.error,
        )


def _tracking_uri(settings: Settings) -> str | None:
    """The store to look in, or None when the default store was never created."""
    if settings.mlflow_tracking_uri:
        return settings.mlflow_tracking_uri
    database = settings.mlflow_dir / "mlflow.db"
    return f"sqlite:///{database.resolve()}" if database.is_file() else None


def served_champion(settings: Settings) -> str | None:
    """The champion's version when the source can serve it and the store has one."""
    if settings.model_source not in ("champion", "auto"):
        return None
    uri = _tracking_uri(settings)
    return champion_version(uri) if uri is not None else None


def load_served(settings: Settings, rules: RedFlagRules, *, trigger: str) -> ModelState:
    """The model the service serves under these settings: the champion (source `champion`,
    or `auto` when the store has one), else the file (`file`, `auto`); when neither loads,
    the rules alone, with every reason in `error`. Never raises for an unloadable model."""
    source = settings.model_source
    now = datetime.now(UTC)
    errors: list[str] = []
    if source in ("champion", "auto"):
        try:
            uri = _tracking_uri(settings)
            number = champion_version(uri) if uri is not None else None
            path = (
                download_version(uri, number, settings.mlflow_dir / "cache")
                if uri and number
                else None
            )
        except Exception as exc:  # an unreachable store: fall back like a missing champion
            number, path = None, None
            errors.append(f"champion: {exc}")
        if path is not None:
            try:
                triager = load_triager(path, rules=rules)
                return ModelState(triager, "champion", str(path), number, now, None, trigger)
            except Exception as exc:  # any unreadable model: the service still starts
                errors.append(f"champion version {number}: {exc}")
        elif source == "champion" and not errors:
            errors.append(f"the MLflow store has no {REGISTERED_MODEL}@{CHAMPION}")
    if source in ("file", "auto"):
        try:
            triager = load_triager(settings.model_path, rules=rules)
            return ModelState(triager, "file", str(settings.model_path), None, now, None, trigger)
        except Exception as exc:  # any unreadable model: the service still starts
            errors.append(f"file: {exc}")
    rules_only = Triager(scorer=None, thresholds=None, manifest=None, rules=rules)
    error = "; ".join(errors) or "no model source"
    return ModelState(rules_only, "none", None, None, now, error, trigger)


def freeze_loaded_objects() -> None:
    """Move every object alive now (the model's vocabularies, the rules' tables: about 300,000
    objects) out of the garbage collector's reach. Otherwise each full collection walks them
    all, about 200 ms during which no request moves: the p99 at load was several times the
    p50. Called by the service after start-up and after a model reload; whatever becomes
    garbage later is still freed by reference counting."""
    gc.freeze()


class ModelHolder:
    """Holds the current model; `reload` builds the new one first, then swaps the reference,
    so requests already running finish on the model they started with."""

    def __init__(self, settings: Settings, rules: RedFlagRules | None = None) -> None:
        self._settings = settings
        self._rules = rules
        self._lock = threading.Lock()
        self._state: ModelState | None = None
        # The champion version the last load saw: a poll reloads only when the alias moved
        # since, so a version that fails to load is not retried every round.
        self._seen_champion: str | None = None
        self.loads: deque[ModelState] = deque(maxlen=20)  # recent loads, newest last

    @property
    def rules(self) -> RedFlagRules:
        if self._rules is None:
            self._rules = load_rules(self._settings.cache_dir)
        return self._rules

    @property
    def state(self) -> ModelState:
        if self._state is None:
            raise RuntimeError("the model has not been loaded yet")
        return self._state

    @property
    def triager(self) -> Triager:
        return self.state.triager

    def load(self, trigger: str = "start-up") -> ModelState:
        """Load from the configured source and swap it in (one assignment: requests that
        already took `triager` keep it). When nothing can be loaded, a model loaded before
        stays in service with the failure in `error`; otherwise the rules run alone."""
        with self._lock:  # one reload at a time; readers never wait for it
            try:
                self._seen_champion = served_champion(self._settings)
            except Exception:  # load_served reports the store's failure
                self._seen_champion = None
            state = load_served(self._settings, self.rules, trigger=trigger)
            current = self._state
            if state.degraded and current is not None and not current.degraded:
                log.error("model reload failed, still serving the loaded model: %s", state.error)
                state = replace(
                    current,
                    error=f"reload failed at {state.loaded_at.isoformat()}, still serving the "
                    f"loaded model: {state.error}",
                )
            elif state.degraded and self._settings.model_source != "none":
                log.warning("no model loaded, running on the rules alone: %s", state.error)
            elif state.degraded:
                log.info("model source 'none': running on the rules alone")
            else:
                log.info("serving %s (%s)", state.summary(), trigger)
            self._state = state
            self.loads.append(state)
            return state

    def poll(self) -> ModelState | None:
        """Reload when `@champion` moved since the last load (a promotion or a rollback);
        the new state, or None when nothing changed. Errors reading the store propagate."""
        if self._settings.model_source not in ("champion", "auto"):
            return None
        current = served_champion(self._settings)
        if current == self._seen_champion:
            return None
        moved = f"{REGISTERED_MODEL}@{CHAMPION} moved to version {current}"
        if current is None:
            moved = f"{REGISTERED_MODEL}@{CHAMPION} was removed"
        return self.load(trigger=moved)
