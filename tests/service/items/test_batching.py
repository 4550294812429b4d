"""ClassifyBatcher: concurrent requests share a batch, each gets its own outcome, one request's
failure is never another's. The store function here is a plain recorder, so the batching
itself is what is tested; the service tests post through the real one."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from service.actors import Actor
from service.enums import ActorType
from service.items.batching import ClassifyBatcher, Outcome
from service.items.intake import Rejected
from service.items.schemas import ItemIn

T = TypeVar("T")
ALICE = Actor(ActorType.SYSTEM, "alice")
BOB = Actor(ActorType.SYSTEM, "bob")


class Recorder:
    """Stores nothing: answers each item with a Rejected carrying its text and actor, records
    every call, can hold the first call until released and fails on a poison text."""

    def __init__(self, *, hold_first: bool = False) -> None:
        self.calls: list[list[tuple[str, str]]] = []
        self.release = threading.Event()
        self.entered = threading.Event()
        if not hold_first:
            self.release.set()

    def __call__(self, items: Sequence[ItemIn], actors: Sequence[Actor]) -> list[Outcome]:
        self.calls.append(
            [(item.text, actor.name) for item, actor in zip(items, actors, strict=True)]
        )
        self.entered.set()
        self.release.wait(timeout=10)
        if any(item.text == "poison" for item in items):
            raise RuntimeError("poisoned batch")
        return [
            Rejected(i, actor.name, item.text)
            for i, (item, actor) in enumerate(zip(items, actors, strict=True))
        ]


def run(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run in a thread of its own: the browser tests' session-wide Playwright keeps an
    event loop running in the main thread, where asyncio.run would refuse to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, scenario()).result(timeout=60)


def items(*texts: str) -> list[ItemIn]:
    return [ItemIn(text=t) for t in texts]


async def _wait(event: threading.Event) -> None:
    while not event.is_set():
        await asyncio.sleep(0.005)


def test_requests_arriving_during_a_batch_form_the_next_batch() -> None:
    recorder = Recorder(hold_first=True)
    batcher = ClassifyBatcher(recorder)

    async def scenario() -> list[list[Outcome]]:
        first = asyncio.create_task(batcher.submit(items("a"), ALICE))
        await _wait(recorder.entered)  # the worker holds the first batch
        rest = [
            asyncio.create_task(batcher.submit(items(text), BOB if i % 2 else ALICE))
            for i, text in enumerate(["b", "c", "d", "e"])
        ]
        await asyncio.sleep(0.05)
        recorder.release.set()
        return await asyncio.gather(first, *rest)

    results = run(scenario)
    batcher.close()
    assert recorder.calls == [
        [("a", "alice")],
        [("b", "alice"), ("c", "bob"), ("d", "alice"), ("e", "bob")],
    ]
    # Each request gets its own outcome, with its own actor, at its own index.
    answers = [
        [(o.detail, o.error, o.index) for o in r if isinstance(o, Rejected)] for r in results
    ]
    assert answers == [
        [("a", "alice", 0)],
        [("b", "alice", 0)],
        [("c", "bob", 0)],
        [("d", "alice", 0)],
        [("e", "bob", 0)],
    ]


def test_multi_item_requests_keep_their_own_indices_and_max_items() -> None:
    recorder = Recorder(hold_first=True)
    batcher = ClassifyBatcher(recorder, max_items=3)

    async def scenario() -> list[list[Outcome]]:
        first = asyncio.create_task(batcher.submit(items("x"), ALICE))
        await _wait(recorder.entered)
        second = asyncio.create_task(batcher.submit(items("a", "b"), ALICE))
        third = asyncio.create_task(batcher.submit(items("c", "d"), BOB))
        await asyncio.sleep(0.05)
        recorder.release.set()
        return await asyncio.gather(first, second, third)

    _, second, third = run(scenario)
    batcher.close()
    # 2 + 2 items exceed max_items=3: the requests go in separate batches, never split.
    assert [len(call) for call in recorder.calls] == [1, 2, 2]
    assert [(o.detail, o.index) for o in second if isinstance(o, Rejected)] == [("a", 0), ("b", 1)]
    assert [(o.detail, o.index) for o in third if isinstance(o, Rejected)] == [("c", 0), ("d", 1)]


def test_one_failing_request_does_not_fail_the_others() -> None:
    recorder = Recorder(hold_first=True)
    batcher = ClassifyBatcher(recorder)

    async def scenario() -> list[list[Outcome] | BaseException]:
        first = asyncio.create_task(batcher.submit(items("a"), ALICE))
        await _wait(recorder.entered)
        others = [
            asyncio.create_task(batcher.submit(items(text), BOB)) for text in ("b", "poison", "c")
        ]
        await asyncio.sleep(0.05)
        recorder.release.set()
        return await asyncio.gather(first, *others, return_exceptions=True)

    results = run(scenario)
    batcher.close()
    assert isinstance(results[2], RuntimeError)
    for result, text in zip([results[0], results[1], results[3]], "abc", strict=True):
        assert isinstance(result, list)
        assert [o.detail for o in result if isinstance(o, Rejected)] == [text]
    # The combined batch failed, then each of its requests ran alone.
    assert recorder.calls[1] == [("b", "bob"), ("poison", "bob"), ("c", "bob")]
    assert recorder.calls[2:] == [[("b", "bob")], [("poison", "bob")], [("c", "bob")]]


def test_a_lone_request_is_not_held_back_and_close_allows_reuse() -> None:
    recorder = Recorder()
    batcher = ClassifyBatcher(recorder)
    (outcome,) = run(lambda: batcher.submit(items("solo"), ALICE))
    batcher.close()
    # A later event loop (an app restarted on the same runtime) starts a new worker.
    (again,) = run(lambda: batcher.submit(items("again"), BOB))
    batcher.close()
    assert isinstance(outcome, Rejected) and outcome.detail == "solo"
    assert isinstance(again, Rejected) and again.detail == "again"
    assert recorder.calls == [[("solo", "alice")], [("again", "bob")]]


def test_max_items_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_items"):
        ClassifyBatcher(Recorder(), max_items=0)
