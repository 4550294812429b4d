"""The burst detector's state as plain JSON-able values, so the service can persist it (and
several processes could share it later). Vectors are base64 of their float32 or float64 bytes:
exact, and a quarter of the size of JSON numbers."""

from __future__ import annotations

import base64
from collections import deque
from datetime import datetime
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from core.errors import InvalidInputError
from model.incidents.detector import (
    BurstDetector,
    _Group,
    _Incident,
    _Recent,
    _Theme,
)
from model.incidents.types import BurstConfig

T = TypeVar("T")
STATE_VERSION = 1  # bump when the saved layout changes


def to_state(detector: BurstDetector) -> dict[str, object]:
    """Everything the detector knows, as JSON-able values (vectors as base64)."""
    return {
        "version": STATE_VERSION,
        "dim": detector.dim,
        "start": _time(detector.start),
        "clock": _time(detector.clock),
        "mean": _pack(detector.mean),
        "seen": detector.seen,
        "recent": [
            {
                "item_id": r.item_id,
                "at": r.at.isoformat(),
                "centred": _pack(r.centred),
                "group": r.group,
                "theme_id": r.theme_id,
                "author": r.author,
                "source": r.source,
                "category": r.category,
                "incident": r.incident,
                "core": r.core,
            }
            for r in detector.recent
        ],
        "groups": {
            str(gid): {"total": _pack(g.total), "members": list(g.members)}
            for gid, g in detector.groups.items()
        },
        "next_group": detector.next_group,
        "themes": {
            str(tid): {
                "decayed": t.decayed,
                "ref": _time(t.ref),
                "window": [[at.isoformat(), item] for at, item in t.window],
            }
            for tid, t in detector.themes.items()
        },
        "incidents": {
            key: {
                "kind": i.kind,
                "theme_id": i.theme_id,
                "total": _pack(i.total),
                "last_at": i.last_at.isoformat(),
                "size": i.size,
                "authors": list(i.authors),
                "sources": list(i.sources),
            }
            for key, i in detector.incidents.items()
        },
        "next_incident": detector.next_incident,
        "history": _pack(detector.history),
        "history_at": [_time(at) for at in detector.history_at],
        "history_next": detector.history_next,
        "history_count": detector.history_count,
        "evicted": detector.evicted,
    }


def from_state(config: BurstConfig, state: dict[str, object]) -> BurstDetector:
    """The detector `to_state` saved, with `config` (thresholds may change between runs;
    the history's size may not)."""
    s = _Reader(state)
    if s.as_int("version") != STATE_VERSION:
        raise InvalidInputError(f"burst detector state version {state.get('version')!r}")
    dim = s.as_int("dim")
    detector = BurstDetector(config, dim)
    detector.start = _parse_time(s.get("start"))
    detector.clock = _parse_time(s.get("clock"))
    detector.mean = _unpack64(s.as_str("mean"))
    detector.seen = s.as_int("seen")
    for raw in s.as_list("recent"):
        r = _Reader(raw)
        record = _Recent(
            r.as_str("item_id"),
            _required_time(r.get("at")),
            _unpack32(r.as_str("centred")),
            r.as_int("group"),
            r.optional_int("theme_id"),
            r.optional_str("author"),
            r.as_str("source"),
            r.as_str("category"),
            r.optional_str("incident"),
            r.get("core") is True,
        )
        detector.recent.append(record)
        detector.by_id[record.item_id] = record
    for gid, raw in s.as_dict("groups").items():
        g = _Reader(raw)
        members = [str(m) for m in g.as_list("members")]
        detector.groups[int(gid)] = _Group(_unpack32(g.as_str("total")), members)
    detector.next_group = s.as_int("next_group")
    for tid, raw in s.as_dict("themes").items():
        t = _Reader(raw)
        window = deque(
            (_required_time(_Reader(pair).get(0)), str(_Reader(pair).get(1)))
            for pair in t.as_list("window")
        )
        decayed = t.get("decayed")
        if not isinstance(decayed, int | float):
            raise InvalidInputError("burst detector state: a theme's count is not a number")
        detector.themes[int(tid)] = _Theme(float(decayed), _parse_time(t.get("ref")), window)
    for key, raw in s.as_dict("incidents").items():
        i = _Reader(raw)
        kind = i.as_str("kind")
        if kind not in ("burst", "campaign"):
            raise InvalidInputError(f"burst detector state: incident kind {kind!r}")
        detector.incidents[key] = _Incident(
            "campaign" if kind == "campaign" else "burst",
            i.optional_int("theme_id"),
            _unpack32(i.as_str("total")),
            _required_time(i.get("last_at")),
            i.as_int("size"),
            [str(a) for a in i.as_list("authors")],
            [str(a) for a in i.as_list("sources")],
        )
    detector.next_incident = s.as_int("next_incident")
    history = _unpack32(s.as_str("history"))
    if history.size != config.history_size * dim:
        raise InvalidInputError("burst detector state: history size differs from the config")
    detector.history = history.reshape(config.history_size, dim).copy()
    detector.history_at = [_parse_time(at) for at in s.as_list("history_at")]
    detector.history_next = s.as_int("history_next")
    detector.history_count = s.as_int("history_count")
    detector.evicted = s.as_int("evicted")
    return detector


def _pack(array: NDArray[np.floating]) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def _unpack32(text: str) -> NDArray[np.float32]:
    return np.frombuffer(base64.b64decode(text), dtype=np.float32).copy()


def _unpack64(text: str) -> NDArray[np.float64]:
    return np.frombuffer(base64.b64decode(text), dtype=np.float64).copy()


def _time(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _parse_time(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInputError(f"burst detector state: {value!r} is not a time")
    return datetime.fromisoformat(value)


def _required_time(value: object) -> datetime:
    at = _parse_time(value)
    if at is None:
        raise InvalidInputError("burst detector state: a time is missing")
    return at


class _Reader:
    """Typed access to one level of a saved state; a wrong type is an InvalidInputError."""

    def __init__(self, value: object) -> None:
        if not isinstance(value, dict | list):
            raise InvalidInputError(f"burst detector state: {value!r} is not an object")
        self.value = value

    def get(self, key: str | int) -> object:
        try:
            if isinstance(self.value, list):
                return self.value[int(key)]
            return self.value[str(key)]
        except (KeyError, IndexError, TypeError) as error:
            raise InvalidInputError(f"burst detector state: {key!r} is missing") from error

    def _typed(self, key: str, kind: type[T]) -> T:
        value = self.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise InvalidInputError(f"burst detector state: {key!r} is not {kind.__name__}")
        return value

    def as_int(self, key: str) -> int:
        return self._typed(key, int)

    def as_str(self, key: str) -> str:
        return self._typed(key, str)

    def as_list(self, key: str) -> list[object]:
        return self._typed(key, list)

    def as_dict(self, key: str) -> dict[str, object]:
        return self._typed(key, dict)

    def optional_int(self, key: str) -> int | None:
        return None if self.get(key) is None else self.as_int(key)

    def optional_str(self, key: str) -> str | None:
        return None if self.get(key) is None else self.as_str(key)
