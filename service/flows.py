"""Multi-step side effects around the workflow: store an item or escalate it, and in the same
transaction the webhook notifications announcing it (the outbox)."""

from __future__ import annotations

import fcntl
import os
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from model.labels import Severity
from service.db import transaction
from service.model_holder import ModelState, freeze_loaded_objects
from service.runtime import Runtime
from service.schemas import ClassifyResult, ItemIn, ItemPublic, ReviewIn
from service.webhooks import Notification
from service.workflow import (
    Actor,
    Rejected,
    Stored,
    classify_and_store,
    escalate_overdue,
    get_item,
    is_duplicate_race,
    item_public,
    review_item,
)


def _red_notifications(created: Sequence[Stored]) -> list[Notification]:
    """One `red_item` notification per new red item, tied to its classification event."""
    return [
        Notification(
            kind="red_item",
            item_id=stored.public["id"],
            event_id=stored.event_id,
            item=ItemPublic.model_validate(stored.public).model_dump(mode="json"),
        )
        for stored in created
        if stored.public["severity"] == Severity.RED.value and stored.event_id is not None
    ]


def classify(
    runtime: Runtime, items: Sequence[ItemIn], actor: Actor
) -> list[ClassifyResult | Rejected]:
    """Classify and store `items`, all submitted by `actor`; see `classify_submitted`."""
    return classify_submitted(runtime, items, [actor] * len(items))


def classify_submitted(
    runtime: Runtime, items: Sequence[ItemIn], actors: Sequence[Actor]
) -> list[ClassifyResult | Rejected]:
    """Classify and store `items` (each submitted by the actor at its index) in one
    committed transaction, with a webhook notification for each new red one."""
    from sqlalchemy.exc import IntegrityError

    triager = runtime.holder.triager  # this request keeps this model even if a reload swaps it
    for attempt in (1, 2):
        try:
            with transaction(runtime.factory) as session:
                outcomes = classify_and_store(
                    session=session,
                    triager=triager,
                    policy=runtime.policy,
                    items=items,
                    actors=actors,
                    max_chars=runtime.settings.max_text_chars,
                )
                results: list[ClassifyResult | Rejected] = [
                    ClassifyResult.model_validate(o.public | {"duplicate": o.duplicate})
                    if isinstance(o, Stored)
                    else o
                    for o in outcomes
                ]
                created = [o for o in outcomes if isinstance(o, Stored) and not o.duplicate]
                notifications = _red_notifications(created)
                runtime.notifier.enqueue(session, notifications)
            break
        except IntegrityError as exc:
            # Another request stored the same (source, external_id) first: take its item.
            if attempt == 2 or not is_duplicate_race(exc):
                raise
    if notifications:
        runtime.notifier.wake()
    return results


def review(runtime: Runtime, item_id: int, body: ReviewIn, actor: Actor) -> ItemPublic:
    """Store a review; a correction that makes an item red notifies like a new red item."""
    with transaction(runtime.factory) as session:
        before = get_item(session=session, item_id=item_id).severity
        item = review_item(
            session=session, item_id=item_id, review=body, actor=actor, policy=runtime.policy
        )
        result = ItemPublic.model_validate(item_public(item))
        reviewed = next(e for e in reversed(item.events) if e.kind == "reviewed")
        notifications = (
            [
                Notification(
                    kind="red_item",
                    item_id=item.id,
                    event_id=reviewed.id,
                    item=result.model_dump(mode="json"),
                    event=dict(reviewed.data),
                )
            ]
            if before != Severity.RED.value and item.severity == Severity.RED.value
            else []
        )
        runtime.notifier.enqueue(session, notifications)
    if notifications:
        runtime.notifier.wake()
    return result


@contextmanager
def escalation_lock(folder: Path) -> Iterator[None]:
    """Held by one escalation round at a time on this machine (an exclusive lock on a file
    in `folder`, released when the round ends or its process dies).

    Without it two worker processes on SQLite, which has no `SKIP LOCKED`, could both read
    an overdue item before either commits and escalate it twice. PostgreSQL rounds skip rows
    another round has locked, so rounds on different machines are safe there too.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "escalation.lock").open("a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released by closing the file
        yield


def escalate(runtime: Runtime) -> list[int]:
    """Escalate every overdue item one level, with a notification for each; returns the item
    ids."""
    with escalation_lock(runtime.settings.cache_dir), transaction(runtime.factory) as session:
        moved = escalate_overdue(session=session, policy=runtime.policy)
        notifications = [
            Notification(
                kind="escalation",
                item_id=item.id,
                event_id=item.events[-1].id,
                item=ItemPublic.model_validate(item_public(item)).model_dump(mode="json"),
                event=dict(item.events[-1].data),
            )
            for item in moved
        ]
        ids = [item.id for item in moved]
        runtime.notifier.enqueue(session, notifications)
    if notifications:
        runtime.notifier.wake()
    return ids


def reload_model(runtime: Runtime) -> tuple[ModelState, bool]:
    """Load the model again in this process and swap it in; if that worked and this process
    is one of several workers, ask their supervisor to replace every worker, one by one, so
    that all of them serve the new model (True when asked)."""
    state = runtime.holder.load()
    freeze_loaded_objects()
    supervisor = runtime.settings.supervisor_pid
    # Only our own parent: a stale or mistaken TRIAGE_SUPERVISOR_PID must not signal (and by
    # SIGHUP's default, end) some other process.
    if state.error or supervisor is None or supervisor != os.getppid():
        return state, False
    os.kill(supervisor, signal.SIGHUP)
    return state, True
