"""Micro-batching of classify requests: requests that arrive while one batch is being stored
are classified and stored together, in one transaction, by one worker thread.

Under load this turns N commits (an fsync on SQLite, a round trip on PostgreSQL) and N thread
hops into one, which is where most of a single-item request's time went. A lone request is
not held back: it starts at once, since nothing waits for a timer.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from service.actors import Actor
from service.items.intake import Rejected
from service.items.schemas import ClassifyResult, ItemIn
from service.observability.context import current_request_id

Outcome = ClassifyResult | Rejected
# Classify and store items, each submitted by the actor at its index, in one transaction.
StoreMany = Callable[[Sequence[ItemIn], Sequence[Actor]], list[Outcome]]


@dataclass(slots=True)
class _Job:
    items: list[ItemIn]
    actor: Actor
    future: asyncio.Future[list[Outcome]]


class ClassifyBatcher:
    """Collects concurrent `submit` calls and runs them through `store_many` together.

    One worker thread stores one batch at a time; everything submitted meanwhile (up to
    `max_items` items) forms the next batch. If a combined batch fails, each of its requests
    is retried on its own, so one request's failure is never another's.
    """

    def __init__(self, store_many: StoreMany, *, max_items: int = 256) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self._store_many = store_many
        self._max_items = max_items
        self._pending: list[_Job] = []
        self._draining: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None  # started on first use

    async def submit(self, items: Sequence[ItemIn], actor: Actor) -> list[Outcome]:
        """The outcome of each item, in order, once the batch holding them is committed."""
        loop = asyncio.get_running_loop()
        request_id = current_request_id()
        if request_id is not None:  # the worker thread does not see the request's context
            actor = dataclasses.replace(actor, request_id=request_id)
        job = _Job(list(items), actor, loop.create_future())
        self._pending.append(job)
        draining = self._draining
        if draining is None or draining.done() or draining.get_loop() is not loop:
            self._draining = loop.create_task(self._drain())
        return await job.future

    def close(self) -> None:
        """Wait for the batch being stored, then stop the worker thread (a later `submit`
        starts a new one, so an app restarted on the same runtime keeps working)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def _worker(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="classify")
        return self._executor

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            batch = self._take()
            try:
                outcomes = await loop.run_in_executor(self._worker(), self._run, batch)
            except BaseException as exc:  # handed to every waiting request
                for job in batch:
                    if not job.future.done():
                        job.future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for job, outcome in zip(batch, outcomes, strict=True):
                if job.future.done():  # the client went away
                    continue
                if isinstance(outcome, BaseException):
                    job.future.set_exception(outcome)
                else:
                    job.future.set_result(outcome)

    def _take(self) -> list[_Job]:
        """The oldest pending jobs, up to `max_items` items (always at least one job)."""
        count, size = 0, 0
        for job in self._pending:
            if count and size + len(job.items) > self._max_items:
                break
            count += 1
            size += len(job.items)
        batch, self._pending = self._pending[:count], self._pending[count:]
        return batch

    def _run(self, batch: list[_Job]) -> list[list[Outcome] | BaseException]:
        """In the worker thread: every job together, else (on an error) each job alone."""
        if len(batch) > 1:
            try:
                items = [item for job in batch for item in job.items]
                actors = [job.actor for job in batch for _ in job.items]
                return _split(batch, self._store_many(items, actors))
            except Exception:  # retried job by job below
                pass
        results: list[list[Outcome] | BaseException] = []
        for job in batch:
            try:
                results.append(self._store_many(job.items, [job.actor] * len(job.items)))
            except Exception as exc:  # this job's own error, for its request
                results.append(exc)
        return results


def _split(batch: list[_Job], outcomes: list[Outcome]) -> list[list[Outcome] | BaseException]:
    """Cut the combined outcomes back into each job's, with job-relative rejection indices."""
    results: list[list[Outcome] | BaseException] = []
    offset = 0
    for job in batch:
        own = outcomes[offset : offset + len(job.items)]
        results.append(
            [
                dataclasses.replace(o, index=o.index - offset) if isinstance(o, Rejected) else o
                for o in own
            ]
        )
        offset += len(job.items)
    return results
