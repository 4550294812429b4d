"""The served model's steps: reload it, follow @champion, describe it, switch auto-apply."""

from __future__ import annotations

import os
import signal

from service.actors import Actor
from service.db import transaction
from service.runtime import Runtime
from service.serving import audit
from service.serving.holder import ModelState, freeze_loaded_objects
from service.serving.schemas import AutoApplyIn, AutoApplyState, ModelInfo, ModelLoad


def reload_model(runtime: Runtime) -> tuple[ModelState, bool]:
    """Load the model again in this process and swap it in; if that worked and this process
    is one of several workers, ask their supervisor to replace every worker, one by one, so
    that all of them serve the new model (True when asked)."""
    state = runtime.holder.load(trigger="admin reload")
    freeze_loaded_objects()
    supervisor = runtime.settings.supervisor_pid
    # Only our own parent: a stale or mistaken TRIAGE_SUPERVISOR_PID must not signal (and by
    # SIGHUP's default, end) some other process.
    if state.error or supervisor is None or supervisor != os.getppid():
        return state, False
    os.kill(supervisor, signal.SIGHUP)
    return state, True


def poll_model(runtime: Runtime) -> ModelState | None:
    """Reload this process's model when `@champion` moved (each worker polls for itself);
    the new state, or None when the alias did not move."""
    state = runtime.holder.poll()
    if state is not None:
        freeze_loaded_objects()
    return state


def model_state(runtime: Runtime) -> ModelInfo:
    """The loaded model, with its auto-apply switches, live audit precision and the recent
    loads of this process (why and when each happened)."""
    state = runtime.holder.state
    with transaction(runtime.factory) as session:
        auto_apply = audit.auto_apply_state(
            session, triager=state.triager, settings=runtime.settings
        )
    loads = [
        ModelLoad(
            loaded_at=load.loaded_at.isoformat(),
            because=load.trigger,
            model=load.summary(),
            error=load.error,
        )
        for load in runtime.holder.loads
    ]
    return ModelInfo(**dict(state.describe()), auto_apply=auto_apply, loads=loads)


def set_auto_apply(runtime: Runtime, body: AutoApplyIn, actor: Actor) -> AutoApplyState:
    """An admin switches auto-apply of one class of the served model version on or off;
    returns the model's auto-apply state after the change."""
    triager = runtime.holder.triager
    with transaction(runtime.factory) as session:
        audit.set_auto_apply(
            session, triager=triager, body=body, actor_type=actor.type.value, actor=actor.name
        )
        return audit.auto_apply_state(session, triager=triager, settings=runtime.settings)
