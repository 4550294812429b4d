"""Jobs one process runs at a time across the deployment (`service.locks`): a second taker
waits or gets 409 while the first holds the lock, from another engine as from another host;
on PostgreSQL the lock is the database's, so hosts with different cache folders share it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from service.db import make_engine, session_factory
from service.errors import ConflictError
from service.locks import Job, job_transaction


def _hosts(database_url: str, tmp_path: Path) -> list[tuple[object, Path]]:
    """Two 'hosts': an engine (connection pool) and a cache folder each. SQLite is one
    machine's database, so there both use the one folder that machine has."""
    postgres = database_url.startswith("postgresql")
    return [
        (session_factory(make_engine(database_url)), tmp_path / (name if postgres else "cache"))
        for name in ("a", "b")
    ]


def test_a_second_taker_gets_409_while_the_first_holds_the_lock(
    database_url: str, tmp_path: Path
) -> None:
    (first, first_folder), (second, second_folder) = _hosts(database_url, tmp_path)
    with job_transaction(first, Job.THEMES_REFIT, lock_folder=first_folder, wait=False) as held:
        held.execute(text("SELECT 1"))
        with (
            pytest.raises(ConflictError, match="a theme re-fit is already running"),
            job_transaction(second, Job.THEMES_REFIT, lock_folder=second_folder, wait=False),
        ):
            pass
        # Another job has a lock of its own.
        with job_transaction(second, Job.ESCALATION, lock_folder=second_folder, wait=False):
            pass
    with job_transaction(second, Job.THEMES_REFIT, lock_folder=second_folder, wait=False):
        pass  # released with the first transaction
    if database_url.startswith("postgresql"):
        assert not first_folder.exists() and not second_folder.exists()  # no file involved
    for factory in (first, second):
        factory.kw["bind"].dispose()


def test_a_waiting_taker_runs_once_the_holder_commits(database_url: str, tmp_path: Path) -> None:
    (first, first_folder), (second, second_folder) = _hosts(database_url, tmp_path)
    entered: list[float] = []

    def take() -> None:
        with job_transaction(second, Job.ESCALATION, lock_folder=second_folder, wait=True):
            entered.append(time.monotonic())

    with job_transaction(first, Job.ESCALATION, lock_folder=first_folder, wait=True):
        waiting = threading.Thread(target=take)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive() and entered == []
        released = time.monotonic()
    waiting.join(10)
    assert len(entered) == 1 and entered[0] >= released
    for factory in (first, second):
        factory.kw["bind"].dispose()


def test_the_advisory_keys_never_change() -> None:
    # During a rolling upgrade old and new hosts must take the same lock for a job: a key
    # computed differently by a new release would let both run it at once.
    assert {job.value: job.advisory_key for job in Job} == {
        "escalation": -7605000714603855771,
        "themes-refit": -2193210192723822953,
    }
