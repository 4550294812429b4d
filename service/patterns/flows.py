"""The pattern worker's rounds, each in its own transaction (called by the service's loop,
by `triage patterns run`, and by tests)."""

from __future__ import annotations

import threading

from service.db import transaction
from service.patterns.encoders import load_pattern_encoders
from service.patterns.worker import Analysed, PatternWorker, analyse_pending
from service.runtime import Runtime

_LOADING = threading.Lock()


def worker_of(runtime: Runtime) -> PatternWorker:
    """The process's worker, its encoders loaded at the first round (about a second)."""
    with _LOADING:
        if runtime.patterns is None:
            runtime.patterns = PatternWorker(load_pattern_encoders())
        return runtime.patterns


def analyse(runtime: Runtime) -> Analysed:
    """One round: up to `patterns_batch` items get their theme and meet the burst detector."""
    worker = worker_of(runtime)
    with transaction(runtime.factory) as session:
        done = analyse_pending(
            session=session,
            worker=worker,
            policy=runtime.policy,
            limit=runtime.settings.patterns_batch,
            notifier=runtime.notifier,
        )
    if done.incidents:  # their webhooks are committed: deliver now, not at the next poll
        runtime.notifier.wake()
    return done


def analyse_all(runtime: Runtime) -> list[Analysed]:
    """Rounds until nothing is left to analyse (a backlog, a replay, a test)."""
    rounds = []
    while (done := analyse(runtime)).items:
        rounds.append(done)
    return rounds
