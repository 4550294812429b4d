"""Multi-step side effects around the workflow: store an item or escalate it, and in the same
transaction the webhook notifications announcing it (the outbox)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from model.labels import Severity
from service.actors import Actor
from service.db import is_unavailable, transaction
from service.items.intake import Rejected, Stored, classify_and_store, is_duplicate_race
from service.items.review import review_item
from service.items.schemas import ClassifyResult, DismissIn, ItemIn, ItemPublic, ResolveIn, ReviewIn
from service.items.transitions import (
    acknowledge_item,
    dismiss_item,
    escalate_overdue,
    resolve_item,
    stale_version,
)
from service.items.views import get_item, to_public
from service.locks import Job, job_transaction
from service.notifications.webhooks import Notification
from service.observability.prometheus import count_decisions
from service.runtime import Runtime
from service.serving import audit

T = TypeVar("T")
log = logging.getLogger(__name__)

# What a database raises for a value it will not store: its own errors, and the driver's
# UnicodeEncodeError for text that is not valid Unicode (both drivers raise it unwrapped).
REFUSED = (SQLAlchemyError, UnicodeEncodeError)

# A change that names no version applies to the item as it is now: when another writer got
# in between the read and the write, it is tried again on the new state, this many times.
UNVERSIONED_TRIES = 3


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
    """Classify and store `items`, all submitted by `actor`; see `classify_submitted`.

    If the database refuses the batch as a whole (not an outage: a value it will not store
    that validation let through), each item is stored on its own, so the good ones are kept
    and each refused one is reported by its index.
    """
    try:
        return classify_submitted(runtime, items, [actor] * len(items))
    except REFUSED as exc:
        if len(items) == 1 or is_unavailable(exc):
            raise
        log.warning(
            "a batch of %d items was refused (%s); storing them one by one", len(items), exc
        )
    outcomes: list[ClassifyResult | Rejected] = []
    for index, item in enumerate(items):
        try:
            (outcome,) = classify_submitted(runtime, [item], [actor])
        except REFUSED as exc:
            if is_unavailable(exc):
                raise
            refused = getattr(exc, "orig", None) or exc
            outcome = Rejected(index, "StorageError", f"the database refused this item: {refused}")
        if isinstance(outcome, Rejected):
            outcome = dataclasses.replace(outcome, index=index)
        outcomes.append(outcome)
    return outcomes


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
                    gate=runtime.gate,
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
    count_decisions(stored.public for stored in created)
    return results


def _retrying_stale(runtime: Runtime, change: Callable[[Session], T], *, tries: int) -> T:
    """Run `change` in a transaction of its own; when its compare-and-set fails (another
    writer changed an item in between), roll back and run it again, `tries` times in all,
    then let the StaleDataError out."""
    for attempt in range(1, tries + 1):
        try:
            with transaction(runtime.factory) as session:
                return change(session)
        except StaleDataError:
            if attempt == tries:
                raise
    raise AssertionError("unreachable: tries >= 1")


def change_item(
    runtime: Runtime, *, item_id: int, version: int | None, change: Callable[[Session], T]
) -> T:
    """Run one state change of an item in its own transaction, as a compare-and-set.

    Each ORM update of an item names the version it read (`tables.Item`), so of N concurrent
    writers of one version exactly one commits. A loser that named a version gets 409 with the
    current item; one that named none is run again on the item as it now is.
    """
    try:
        return _retrying_stale(
            runtime, change, tries=1 if version is not None else UNVERSIONED_TRIES
        )
    except StaleDataError:
        with transaction(runtime.factory) as session:
            item = get_item(session=session, item_id=item_id, history=True)
            raise stale_version(item, version) from None


def acknowledge(
    runtime: Runtime, item_id: int, *, version: int | None, note: str | None, actor: Actor
) -> ItemPublic:
    """The owner has the item."""

    def change(session: Session) -> ItemPublic:
        item = acknowledge_item(
            session=session, item_id=item_id, version=version, actor=actor, note=note
        )
        return to_public(item)

    return change_item(runtime, item_id=item_id, version=version, change=change)


def resolve(runtime: Runtime, item_id: int, body: ResolveIn, actor: Actor) -> ItemPublic:
    """Close the item with what was done and what changed internally."""

    def change(session: Session) -> ItemPublic:
        item = resolve_item(
            session=session, item_id=item_id, body=body, actor=actor, policy=runtime.policy
        )
        return to_public(item)

    return change_item(runtime, item_id=item_id, version=body.version, change=change)


def dismiss(runtime: Runtime, item_id: int, body: DismissIn, actor: Actor) -> ItemPublic:
    """Close the item without action, with a reason."""

    def change(session: Session) -> ItemPublic:
        item = dismiss_item(session=session, item_id=item_id, body=body, actor=actor)
        return to_public(item)

    return change_item(runtime, item_id=item_id, version=body.version, change=change)


def review(runtime: Runtime, item_id: int, body: ReviewIn, actor: Actor) -> ItemPublic:
    """Store a review; a correction that makes an item red notifies like a new red item."""
    result, notifications = change_item(
        runtime,
        item_id=item_id,
        version=body.version,
        change=lambda session: _review(runtime, session, item_id, body, actor),
    )
    if notifications:
        runtime.notifier.wake()
    return result


def _review(
    runtime: Runtime, session: Session, item_id: int, body: ReviewIn, actor: Actor
) -> tuple[ItemPublic, list[Notification]]:
    before = get_item(session=session, item_id=item_id, for_update=True).severity
    item = review_item(
        session=session, item_id=item_id, review=body, actor=actor, policy=runtime.policy
    )
    # A verdict on an audit sample may switch a class off (in this transaction).
    audit.after_review(
        session, item=item, triager=runtime.holder.triager, settings=runtime.settings
    )
    result = to_public(item)
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
    runtime.notifier.enqueue(session, notifications)  # in this transaction: the outbox
    return result, notifications


def escalate(runtime: Runtime) -> list[int]:
    """Escalate every overdue item one level, with a notification for each (written in the
    same transaction); returns the item ids.

    One round runs at a time across every process and host on the database (`Job.ESCALATION`:
    PostgreSQL's advisory lock, SQLite's lock file), and the next one reads what the last one
    committed, so an overdue item moves one level however many hosts run the loop. Its rows
    are also read `FOR UPDATE SKIP LOCKED`, so a round passes over an item a reviewer is
    changing this instant instead of waiting for them.
    """
    for attempt in range(1, UNVERSIONED_TRIES + 1):
        try:
            with job_transaction(
                runtime.factory,
                Job.ESCALATION,
                lock_folder=runtime.settings.cache_dir,
                wait=True,
            ) as session:
                ids, notifications = _escalate(runtime, session)
            break
        except StaleDataError:
            # A reviewer changed one of the items between our read and our write (SQLite has
            # no row locks): the round's compare-and-set failed, so run it again.
            if attempt == UNVERSIONED_TRIES:
                raise
    if notifications:
        runtime.notifier.wake()
    return ids


def _escalate(runtime: Runtime, session: Session) -> tuple[list[int], list[Notification]]:
    moved = escalate_overdue(session=session, policy=runtime.policy)
    notifications = [
        Notification(
            kind="escalation",
            item_id=item.id,
            event_id=item.events[-1].id,
            item=to_public(item).model_dump(mode="json"),
            event=dict(item.events[-1].data),
        )
        for item in moved
    ]
    runtime.notifier.enqueue(session, notifications)  # in this transaction: the outbox
    return [item.id for item in moved], notifications
