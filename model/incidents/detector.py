"""Burst and campaign detection over a time-ordered stream of feedback items (issue 18).

`BurstDetector.observe` takes one `Observation` at a time and returns decisions: `Open` an
incident, `Link` an item to an open one, `Close` an idle one. Two paths open incidents:

- **Themes**: per theme, an exponentially weighted count of past arrivals gives a baseline
  rate; when the count in the last `window` is improbably high under a Poisson law with that
  rate (upper tail below `alpha`, at least `min_count` items, `min_ratio` times the expected
  count), the theme's burst opens an incident.
- **Near-duplicate groups**: items (themed or not, so a new problem that matches no theme
  still counts) join the recent group whose centroid they resemble; a group's baseline is
  how often texts like its centroid arrived before (its neighbours in a bounded history of
  older items, per hour), tested the same way. A group whose near-identical items come from
  `campaign_min_authors` distinct authors, mostly in campaign categories, opens a `campaign`.

Embeddings are compared after subtracting the stream's running mean: the project's static
encoder gives any two texts a cosine of about 0.6, and only the centred vectors tell a
paraphrase from an unrelated text. Time is the observation's `at` (the item's `created_at`
when given), so a replay behaves like live traffic. Everything is deterministic and the
state round-trips through plain JSON-able dicts (`to_state`, `from_state`).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.special import pdtrc

from core.errors import InvalidInputError

F32 = NDArray[np.float32]
Kind = Literal["burst", "campaign"]
STATE_VERSION = 1


@dataclass(frozen=True)
class BurstConfig:
    """Every threshold of the detector (later read from the routing policy)."""

    window: timedelta = timedelta(hours=1)  # the short window whose count is tested
    alpha: float = 1e-4  # Poisson upper-tail probability below which a count is a burst
    min_count: int = 5  # never a burst with fewer items in the window
    min_ratio: float = 3.0  # and never below this many times the expected count
    baseline_half_life: timedelta = timedelta(days=7)  # themes' EWMA of arrivals
    # A theme or group without history is assumed to have had this rate for this long, so
    # a young theme's first few items are not "infinitely" above a zero baseline.
    prior_rate_per_hour: float = 0.05
    prior_hours: float = 24.0
    # Baselines are daily averages; the working-day hump is about twice that, and a rush
    # hour is not an incident.
    peak_factor: float = 2.0
    warmup: timedelta = timedelta(days=3)  # no incident before the baselines have this much
    group_threshold: float = 0.30  # centred cosine to a group's centroid to join it
    link_threshold: float = 0.30  # centred cosine to an incident's centroid to link to it
    history_size: int = 4096  # older items kept to estimate a group's baseline
    history_stride: int = 1  # keep one evicted item in this many (busy streams)
    max_recent: int = 1024  # items kept in the window, at most
    mean_items: int = 2000  # the running mean forgets with this horizon (items)
    idle_close: timedelta = timedelta(hours=6)  # an incident with no new item closes
    campaign_min_authors: int = 5
    campaign_threshold: float = 0.80  # centred cosine to the centroid: "near-identical"
    campaign_categories: frozenset[str] = frozenset({"misinformation", "competitor_claim"})
    campaign_category_share: float = 0.5
    max_evidence: int = 200  # authors and sources listed per incident, at most


@dataclass(frozen=True)
class Observation:
    item_id: str
    at: datetime  # UTC: created_at when the client gave it, else received time
    theme_id: int | None
    embedding: F32  # unit vector from the project's encoder
    author: str | None
    source: str
    category: str


@dataclass(frozen=True)
class Evidence:
    count: int  # items in the window when the incident opened
    expected: float  # the baseline's expected count in the window
    p_value: float
    authors: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Open:
    incident_key: str
    kind: Kind
    theme_id: int | None
    item_ids: tuple[str, ...]  # the items that made the burst, this one last
    reason: str
    evidence: Evidence


@dataclass(frozen=True)
class Link:
    incident_key: str
    item_id: str
    reason: Literal["theme", "near_duplicate"]


@dataclass(frozen=True)
class Close:
    incident_key: str
    reason: Literal["idle", "resolved"]


Decision = Open | Link | Close


@dataclass
class _Recent:
    item_id: str
    at: datetime
    raw: F32
    centred: F32
    group: int
    theme_id: int | None
    author: str | None
    source: str
    category: str
    incident: str | None


@dataclass
class _Group:
    total: F32  # sum of the members' centred vectors
    members: list[str] = field(default_factory=list)


@dataclass
class _Theme:
    decayed: float = 0.0  # sum of exp(-(ref - t) / tau) over arrivals older than the window
    ref: datetime | None = None
    window: deque[tuple[datetime, str]] = field(default_factory=deque)


@dataclass
class _Incident:
    kind: Kind
    theme_id: int | None
    total: F32  # sum of linked items' centred vectors: the centroid links near-duplicates
    last_at: datetime
    size: int
    authors: list[str]
    sources: list[str]


def _unit(vector: F32) -> F32:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def poisson_upper_tail(count: int, expected: float) -> float:
    """P(X >= count) for X ~ Poisson(expected)."""
    return 1.0 if count <= 0 else float(pdtrc(count - 1, expected))


class BurstDetector:
    def __init__(self, config: BurstConfig, dim: int) -> None:
        self.config = config
        self.dim = dim
        self.start: datetime | None = None
        self.clock: datetime | None = None
        self.mean = np.zeros(dim, dtype=np.float64)
        self.seen = 0
        self.recent: deque[_Recent] = deque()
        self.by_id: dict[str, _Recent] = {}
        self.groups: dict[int, _Group] = {}
        self.next_group = 0
        self.themes: dict[int, _Theme] = {}
        self.incidents: dict[str, _Incident] = {}
        self.next_incident = 0
        # A ring of older items' raw vectors: `history_next` is the slot written next.
        self.history = np.zeros((config.history_size, dim), dtype=np.float32)
        self.history_at: list[datetime | None] = [None] * config.history_size
        self.history_next = 0
        self.history_count = 0
        self.evicted = 0

    # ---- the stream ------------------------------------------------------------------------

    def observe(self, obs: Observation) -> list[Decision]:
        at = self._check(obs)
        decisions: list[Decision] = list(self._expire(at))
        self._evict(at)
        raw = np.asarray(obs.embedding, dtype=np.float32)
        self._update_mean(raw)
        centred = _unit((raw - self.mean).astype(np.float32))
        record = _Recent(
            obs.item_id,
            at,
            raw,
            centred,
            -1,
            obs.theme_id,
            obs.author,
            obs.source,
            obs.category,
            None,
        )
        theme = self._theme_arrival(obs.theme_id, obs.item_id, at)
        linked = self._link(record, theme)
        if linked is not None:
            decisions.append(linked)
        else:
            self._join_group(record)
        self.recent.append(record)
        self.by_id[record.item_id] = record
        if linked is None:
            opened = self._test_theme(obs.theme_id, theme, at)
            decisions.extend([opened] if opened is not None else self._test_group(record))
        return decisions

    def resolve(self, incident_key: str) -> Close:
        """The service resolved an incident: later items of it may open a new one."""
        if self.incidents.pop(incident_key, None) is None:
            raise InvalidInputError(f"no open incident {incident_key!r}")
        return Close(incident_key, "resolved")

    def open_incidents(self) -> list[str]:
        return list(self.incidents)

    def evidence(self, incident_key: str) -> tuple[tuple[str, ...], tuple[str, ...], int]:
        """An open incident's authors, sources (first `max_evidence` each) and size."""
        incident = self.incidents[incident_key]
        return tuple(incident.authors), tuple(incident.sources), incident.size

    def _check(self, obs: Observation) -> datetime:
        if obs.at.tzinfo is None:
            raise InvalidInputError(f"item {obs.item_id}: time {obs.at} has no time zone")
        if obs.embedding.shape != (self.dim,):
            raise InvalidInputError(f"item {obs.item_id}: embedding is not {self.dim}-d")
        at = obs.at.astimezone(UTC)
        # A late item counts as arriving now: windows only move forward, so a replay must
        # be sorted by time and live clients' clocks cannot reopen the past.
        if self.clock is not None and at < self.clock:
            at = self.clock
        self.clock = at
        if self.start is None:
            self.start = at
        return at

    def _update_mean(self, raw: F32) -> None:
        self.seen += 1
        weight = 1.0 / min(self.seen, self.config.mean_items)
        self.mean += weight * (raw.astype(np.float64) - self.mean)

    def _expire(self, at: datetime) -> list[Close]:
        idle = [k for k, i in self.incidents.items() if at - i.last_at > self.config.idle_close]
        for key in idle:
            del self.incidents[key]
        return [Close(key, "idle") for key in idle]

    def _evict(self, at: datetime) -> None:
        """Items that left the window (or the bounded memory) feed the groups' history."""
        cutoff = at - self.config.window
        while self.recent and (
            self.recent[0].at <= cutoff or len(self.recent) >= self.config.max_recent
        ):
            old = self.recent.popleft()
            del self.by_id[old.item_id]
            self._leave_group(old)
            self.evicted += 1
            if self.evicted % self.config.history_stride == 0:
                self._remember(old.raw, old.at)

    def _leave_group(self, record: _Recent) -> None:
        group = self.groups.get(record.group)
        if group is not None and record.item_id in group.members:
            group.total = group.total - record.centred
            group.members.remove(record.item_id)
            if not group.members:
                del self.groups[record.group]

    def _remember(self, raw: F32, at: datetime) -> None:
        self.history[self.history_next] = raw
        self.history_at[self.history_next] = at
        self.history_next = (self.history_next + 1) % self.config.history_size
        self.history_count = min(self.history_count + 1, self.config.history_size)

    # ---- linking ---------------------------------------------------------------------------

    def _link(self, record: _Recent, theme: _Theme | None) -> Link | None:
        theme_incident = next(
            (
                key
                for key, i in self.incidents.items()
                if record.theme_id is not None and i.theme_id == record.theme_id
            ),
            None,
        )
        if theme_incident is not None and theme is not None:
            # A busy theme never goes quiet: its incident stays alive only while the theme's
            # window count is still at burst level, so it closes once the burst is over.
            still_bursting = len(theme.window) >= self.config.min_count
            self._attach(theme_incident, record, refresh=still_bursting)
            return Link(theme_incident, record.item_id, "theme")
        best, best_sim = None, self.config.link_threshold
        for key, incident in self.incidents.items():
            if incident.theme_id is not None:
                continue  # a theme's incident takes its theme's items, not look-alikes
            sim = float(record.centred @ _unit(incident.total))
            if sim >= best_sim:
                best, best_sim = key, sim
        if best is None:
            return None
        self._attach(best, record)
        return Link(best, record.item_id, "near_duplicate")

    def _attach(self, key: str, record: _Recent, refresh: bool = True) -> None:
        incident = self.incidents[key]
        record.incident = key
        incident.total = incident.total + record.centred
        if refresh:
            incident.last_at = record.at
        incident.size += 1
        limit = self.config.max_evidence
        if record.author and record.author not in incident.authors:
            incident.authors = [*incident.authors, record.author][:limit]
        if record.source not in incident.sources:
            incident.sources = [*incident.sources, record.source][:limit]

    def _join_group(self, record: _Recent) -> None:
        best, best_sim = -1, self.config.group_threshold
        for gid, group in self.groups.items():
            sim = float(record.centred @ _unit(group.total))
            if sim >= best_sim:
                best, best_sim = gid, sim
        if best < 0:
            best = self.next_group
            self.next_group += 1
            self.groups[best] = _Group(np.zeros(self.dim, dtype=np.float32))
        group = self.groups[best]
        group.total = group.total + record.centred
        group.members.append(record.item_id)
        record.group = best

    # ---- tests -----------------------------------------------------------------------------

    def _theme_arrival(self, theme_id: int | None, item_id: str, at: datetime) -> _Theme | None:
        if theme_id is None:
            return None
        theme = self.themes.setdefault(theme_id, _Theme())
        tau = self.config.baseline_half_life.total_seconds() / math.log(2)
        cutoff = at - self.config.window
        if theme.ref is not None:
            theme.decayed *= math.exp(-(at - theme.ref).total_seconds() / tau)
        theme.ref = at
        while theme.window and theme.window[0][0] <= cutoff:
            old_at, _ = theme.window.popleft()
            theme.decayed += math.exp(-(at - old_at).total_seconds() / tau)
        theme.window.append((at, item_id))
        return theme

    def _expected(self, events: float, hours: float) -> float:
        """Expected count in one window from `events` seen over `hours`, with the prior."""
        cfg = self.config
        rate = (events + cfg.prior_rate_per_hour * cfg.prior_hours) / (hours + cfg.prior_hours)
        return cfg.peak_factor * rate * cfg.window.total_seconds() / 3600

    def _significant(self, count: int, expected: float) -> float | None:
        cfg = self.config
        if self.start is None or self.clock is None or self.clock - self.start < cfg.warmup:
            return None
        if count < cfg.min_count or count < cfg.min_ratio * expected:
            return None
        p = poisson_upper_tail(count, expected)
        return p if p < cfg.alpha else None

    def _test_theme(self, theme_id: int | None, theme: _Theme | None, at: datetime) -> Open | None:
        if theme_id is None or theme is None or self.start is None:
            return None
        cfg = self.config
        tau = cfg.baseline_half_life.total_seconds() / math.log(2)
        # Decayed exposure of the baseline period [start, at - window], as the count is.
        end = max((at - self.start - cfg.window).total_seconds(), 0.0)
        exposure = tau * (
            math.exp(-cfg.window.total_seconds() / tau)
            - math.exp(-(at - self.start).total_seconds() / tau)
        )
        expected = self._expected(theme.decayed, exposure / 3600 if end > 0 else 0.0)
        items = [item for _, item in theme.window]
        p = self._significant(len(items), expected)
        if p is None:
            return None
        reason = f"theme {theme_id}: {len(items)} items in {cfg.window}, expected {expected:.2f}"
        return self._open("burst", theme_id, items, reason, expected, p)

    def _test_group(self, record: _Recent) -> list[Decision]:
        group = self.groups.get(record.group)
        if group is None or len(group.members) < self.config.min_count:
            return []
        cfg = self.config
        centroid = _unit(group.total)
        events, hours = self._history_neighbours(centroid)
        expected = self._expected(events, hours)
        p = self._significant(len(group.members), expected)
        if p is None:
            return []
        members = [self.by_id[i] for i in group.members]
        del self.groups[record.group]
        # A second group of the same burst (paraphrases split between groups) joins the
        # incident already open for it instead of opening another.
        same = [
            key
            for key, incident in self.incidents.items()
            if incident.theme_id is None
            and float(centroid @ _unit(incident.total)) >= cfg.link_threshold
        ]
        if same:
            for member in members:
                self._attach(same[0], member)
            return [Link(same[0], m.item_id, "near_duplicate") for m in members]
        # Earlier items of the burst that landed in other groups belong to it too.
        earlier = [
            r
            for r in self.recent
            if r.incident is None
            and r.group != record.group
            and float(r.centred @ centroid) >= cfg.link_threshold
        ]
        candidates = [*earlier, *members]
        near = [m for m in candidates if float(m.centred @ centroid) >= cfg.campaign_threshold]
        authors = {m.author for m in near if m.author}
        in_categories = sum(m.category in cfg.campaign_categories for m in near)
        enough_authors = len(authors) >= cfg.campaign_min_authors
        campaign = enough_authors and in_categories >= cfg.campaign_category_share * len(near)
        n = len(members)
        reason = (
            f"{n} near-identical items from {len(authors)} authors in {cfg.window}"
            if campaign
            else f"{n} near-duplicate items in {cfg.window}, expected {expected:.2f}"
        )
        kind: Kind = "campaign" if campaign else "burst"
        item_ids = [r.item_id for r in candidates]
        return [self._open(kind, None, item_ids, reason, expected, p)]

    def _history_neighbours(self, centroid: F32) -> tuple[float, float]:
        """Older items like `centroid` (scaled by the stride) and the hours they cover."""
        if self.start is None or self.clock is None:
            return 0.0, 0.0
        full = self.history_count == self.config.history_size
        oldest = self.history_at[self.history_next] if full else None
        first = oldest if oldest is not None else self.start
        hours = max((self.clock - self.config.window - first).total_seconds() / 3600, 0.0)
        if not self.history_count:
            return 0.0, hours
        centred = self.history[: self.history_count] - self.mean.astype(np.float32)
        norms = np.maximum(np.linalg.norm(centred, axis=1), 1e-12)
        similar = int(np.count_nonzero((centred @ centroid) / norms >= self.config.group_threshold))
        return float(similar * self.config.history_stride), hours

    def _open(
        self,
        kind: Kind,
        theme_id: int | None,
        item_ids: list[str],
        reason: str,
        expected: float,
        p: float,
    ) -> Open:
        key = f"inc-{self.next_incident}"
        self.next_incident += 1
        records = sorted((self.by_id[i] for i in item_ids if i in self.by_id), key=lambda r: r.at)
        self.incidents[key] = _Incident(
            kind, theme_id, np.zeros(self.dim, dtype=np.float32), records[-1].at, 0, [], []
        )
        for record in records:
            self._leave_group(record)
            self._attach(key, record)
        incident = self.incidents[key]
        evidence = Evidence(
            len(records), expected, p, tuple(incident.authors), tuple(incident.sources)
        )
        return Open(key, kind, theme_id, tuple(r.item_id for r in records), reason, evidence)
