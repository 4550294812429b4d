"""Jobs that one process at a time may run, whichever host it is on: an escalation round, a
theme re-fit.

On PostgreSQL the lock is the database's (`pg_advisory_xact_lock`), taken as the first
statement of the job's transaction and released when it commits or rolls back, or when its
connection dies with its process: every host sharing the database takes the same lock, and a
crashed holder never leaves it behind. SQLite is one machine's database, so there a file lock
in `TRIAGE_CACHE_DIR` (`fcntl.flock`, released when the file closes or its process dies) covers
every process that can open it; it is held until the transaction has committed.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from service.db import transaction
from service.errors import ConflictError


class Job(StrEnum):
    """A job that runs once at a time across the deployment; the value names its lock."""

    ESCALATION = "escalation"
    THEMES_REFIT = "themes-refit"

    @property
    def advisory_key(self) -> int:
        """Its PostgreSQL advisory lock key: a signed 64-bit number from the job's name, the
        same in every process and release (`SELECT pg_locks` shows it as classid/objid)."""
        digest = hashlib.sha256(f"review-triage:{self.value}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    @property
    def file_name(self) -> str:
        return f"{self.value}.lock"

    @property
    def busy(self) -> str:
        """What a caller that would not wait is told."""
        running = {Job.ESCALATION: "an escalation round", Job.THEMES_REFIT: "a theme re-fit"}
        return f"{running[self]} is already running; try again later"


def _engine(factory: sessionmaker[Session]) -> Engine:
    bind = factory.kw.get("bind")
    if not isinstance(bind, Engine):
        raise TypeError("the session factory is not bound to an engine")
    return bind


def uses_database_lock(factory: sessionmaker[Session]) -> bool:
    """True when the job locks live in the database (PostgreSQL), not in a local file."""
    return _engine(factory).dialect.name == "postgresql"


@contextmanager
def file_lock(path: Path, *, wait: bool) -> Iterator[None]:
    """An exclusive lock on the file at `path` (created if missing) while the block runs;
    BlockingIOError at once when another process holds it and not `wait`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        yield  # released by closing the file


def take_database_lock(session: Session, job: Job, *, wait: bool) -> bool:
    """Take the job's advisory lock for the rest of the session's transaction (PostgreSQL);
    False when not `wait` and another transaction holds it."""
    lock = func.pg_advisory_xact_lock if wait else func.pg_try_advisory_xact_lock
    taken = session.execute(select(lock(job.advisory_key))).scalar()
    return True if wait else bool(taken)


@contextmanager
def job_transaction(
    factory: sessionmaker[Session], job: Job, *, lock_folder: Path, wait: bool
) -> Iterator[Session]:
    """A transaction (committed on success) that holds `job`'s lock from its first statement
    to its end: no other process on the database, on this host or another, runs the job
    meanwhile. When another holds it: wait for it, or (not `wait`) raise ConflictError."""
    with ExitStack() as stack:
        database = uses_database_lock(factory)
        if not database:
            try:
                stack.enter_context(file_lock(lock_folder / job.file_name, wait=wait))
            except BlockingIOError:
                raise ConflictError(job.busy) from None
        session = stack.enter_context(transaction(factory))
        if database and not take_database_lock(session, job, wait=wait):
            raise ConflictError(job.busy)
        yield session
