"""Burst and campaign detection over a time-ordered stream of feedback items (issue 18).

`BurstDetector.observe` takes one `Observation` at a time and returns decisions: `Open` an
incident, `Link` an item to an open one, `Reclassify` a burst as a campaign, `Close` an idle
one (`resolve` closes one for the service). Two paths open incidents:

- **Themes**: per theme, an exponentially weighted count of past arrivals gives a baseline
  rate; when the count in the last `window` is improbably high under a Poisson law with that
  rate (upper tail below `alpha`, at least `min_count` items, `min_ratio` times the expected
  count), the theme's burst opens an incident.
- **Near-duplicate groups**: items (themed or not, so a new problem that matches no theme
  still counts) join the recent group whose centroid they resemble; a group's baseline is
  how often texts like its centroid arrived before (its neighbours in a bounded history of
  older items, per hour), tested the same way. A group whose near-identical items come from
  `campaign_min_authors` distinct authors, mostly in campaign categories, opens a `campaign`.

An item of a theme with an open incident links to it. Otherwise it links to the nearest
near-duplicate incident when close to its centroid, or, less close, when the incident
explains it better than the background does (`_likely_member`): inside a burst's hour its
items outnumber the background, which a cosine threshold alone cannot use.

Embeddings are compared after subtracting the stream's running mean: the project's static
encoder gives any two texts a cosine of about 0.6, and only the centred vectors tell a
paraphrase from an unrelated text. Time is the observation's `at` (the item's `created_at`
when given), so a replay behaves like live traffic. Everything is deterministic and the
state round-trips through plain JSON-able dicts (model/incidents/state.py).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from scipy.special import pdtrc

from core.errors import InvalidInputError
from model.incidents.types import (
    F32,
    BurstConfig,
    Close,
    Decision,
    Evidence,
    Kind,
    Link,
    Observation,
    Open,
    Reclassify,
)


@dataclass
class _Recent:
    item_id: str
    at: datetime
    centred: F32
    group: int
    theme_id: int | None
    author: str | None
    source: str
    category: str
    incident: str | None
    # Linked at the incident's own similarity (or one of the items that opened it): only
    # these move its centroid and keep it alive, so weak links cannot feed on each other.
    core: bool = False


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
        # A ring of older items' centred unit vectors: `history_next` is the slot written next.
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
            decisions.extend(self._upgrade(linked))
        else:
            self._join_group(record)
        self.recent.append(record)
        self.by_id[record.item_id] = record
        if linked is None:
            opened = self._test_theme(obs.theme_id, theme, at)
            decisions.extend([opened] if opened is not None else self._test_group(record))
        return decisions

    def seed_theme(self, theme_id: int, count: int) -> None:
        """Tell the detector that a theme it has not seen yet already had `count` items between
        its start and the current window (a re-fit found the theme among items the detector
        saw without one). Its baseline then starts at that rate, not at the prior: otherwise a
        large theme's everyday rate looks like a burst the day it is found."""
        if theme_id in self.themes or self.start is None or self.clock is None or count <= 0:
            return
        cfg = self.config
        tau = cfg.baseline_half_life.total_seconds() / math.log(2)
        span = (self.clock - self.start - cfg.window).total_seconds()
        if span <= 0:
            return
        # The decayed count of `count` arrivals spread evenly over [start, clock - window],
        # the same weighting `_test_theme` gives its exposure.
        exposure = tau * (
            math.exp(-cfg.window.total_seconds() / tau)
            - math.exp(-(self.clock - self.start).total_seconds() / tau)
        )
        self.themes[theme_id] = _Theme(decayed=count * exposure / span, ref=self.clock)

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
                self._remember(old.centred, old.at)

    def _leave_group(self, record: _Recent) -> None:
        group = self.groups.get(record.group)
        if group is not None and record.item_id in group.members:
            group.total = group.total - record.centred
            group.members.remove(record.item_id)
            if not group.members:
                del self.groups[record.group]

    def _remember(self, centred: F32, at: datetime) -> None:
        self.history[self.history_next] = centred
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
        best, best_sim = None, self.config.link_floor
        for key, incident in self.incidents.items():
            if incident.theme_id is not None:
                continue  # a theme's incident takes its theme's items, not look-alikes
            sim = float(record.centred @ _unit(incident.total))
            if sim >= best_sim:
                best, best_sim = key, sim
        if best is None:
            return None
        fit = self._fit(best, record)
        if fit is None:
            return None
        self._attach(best, record, core=fit)
        return Link(best, record.item_id, "near_duplicate")

    def _likely_member(self, key: str, sim: float) -> bool:
        """Posterior odds that an item at cosine `sim` to the incident's centroid is one of
        its items: the incident's and the background's counts in the window, times the share
        of each (its members; the history) at least that close to the centroid."""
        centroid = _unit(self.incidents[key].total)
        members = [r for r in self.recent if r.incident == key and r.core]
        others = len(self.recent) - len(members)
        member_share = (sum(float(r.centred @ centroid) >= sim for r in members) + 0.5) / (
            len(members) + 1
        )
        sims = self._history_sims(centroid)
        background_share = (int(np.count_nonzero(sims >= sim)) + 1) / (len(sims) + 1)
        odds = len(members) * member_share / ((others + 1) * background_share)
        return odds >= self.config.link_odds

    def _attach(self, key: str, record: _Recent, refresh: bool = True, core: bool = True) -> None:
        incident = self.incidents[key]
        record.incident = key
        record.core = core
        if core:
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
        records = [self.by_id[i] for i in items if i in self.by_id]
        key = self._create("burst", theme_id, records)
        return self._opened(key, records, reason, expected, p)

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
        key = self._create("burst", None, members)
        # Earlier items of the burst that landed in other groups belong to it too.
        for r in list(self.recent):
            fit = None if r.incident is not None else self._fit(key, r)
            if fit is not None:
                self._leave_group(r)
                self._attach(key, r, core=fit)
        records = [r for r in self.recent if r.incident == key]
        campaign, authors = self._campaign(key)
        n = len(records)
        if campaign:
            self.incidents[key].kind = "campaign"
            reason = f"{n} near-identical items from {authors} authors in {cfg.window}"
        else:
            reason = f"{n} near-duplicate items in {cfg.window}, expected {expected:.2f}"
        return [self._opened(key, records, reason, expected, p)]

    def _upgrade(self, link: Link) -> list[Reclassify]:
        incident = self.incidents[link.incident_key]
        if link.reason != "near_duplicate" or incident.kind == "campaign":
            return []
        campaign, authors = self._campaign(link.incident_key)
        if not campaign:
            return []
        incident.kind = "campaign"
        reason = f"near-identical items from {authors} authors in {self.config.window}"
        return [
            Reclassify(
                link.incident_key,
                "campaign",
                reason,
                tuple(incident.authors),
                tuple(incident.sources),
            )
        ]

    def _fit(self, key: str, record: _Recent) -> bool | None:
        """How `record` belongs to the incident: True near its centroid, False only as a
        likely member at a lower similarity, None not at all."""
        sim = float(record.centred @ _unit(self.incidents[key].total))
        if sim >= self.config.link_threshold:
            return True
        if sim >= self.config.link_floor and self._likely_member(key, sim):
            return False
        return None

    def _campaign(self, key: str) -> tuple[bool, int]:
        """Whether the incident's items in the window are a campaign: near-identical texts
        from enough distinct authors, mostly in the campaign categories; and how many."""
        cfg = self.config
        centroid = _unit(self.incidents[key].total)
        near = [
            r
            for r in self.recent
            if r.incident == key and float(r.centred @ centroid) >= cfg.campaign_threshold
        ]
        authors = len({r.author for r in near if r.author})
        in_categories = sum(r.category in cfg.campaign_categories for r in near)
        enough = authors >= cfg.campaign_min_authors
        return enough and in_categories >= cfg.campaign_category_share * len(near), authors

    def _history_neighbours(self, centroid: F32) -> tuple[float, float]:
        """Older items like `centroid` (scaled by the stride) and the hours they cover."""
        if self.start is None or self.clock is None:
            return 0.0, 0.0
        full = self.history_count == self.config.history_size
        oldest = self.history_at[self.history_next] if full else None
        first = oldest if oldest is not None else self.start
        hours = max((self.clock - self.config.window - first).total_seconds() / 3600, 0.0)
        sims = self._history_sims(centroid)
        similar = int(np.count_nonzero(sims >= self.config.group_threshold))
        return float(similar * self.config.history_stride), hours

    def _history_sims(self, vector: F32) -> F32:
        """Centred cosines of the remembered older items to `vector` (each item centred on
        the mean of its own time: the mean settles within a few hundred items, and one
        product over the ring is what keeps a group test well under a millisecond)."""
        sims: F32 = self.history[: self.history_count] @ vector
        return sims

    def _create(self, kind: Kind, theme_id: int | None, records: list[_Recent]) -> str:
        key = f"inc-{self.next_incident}"
        self.next_incident += 1
        self.incidents[key] = _Incident(
            kind, theme_id, np.zeros(self.dim, dtype=np.float32), records[-1].at, 0, [], []
        )
        for record in records:
            self._leave_group(record)
            self._attach(key, record)
        return key

    def _opened(
        self, key: str, records: list[_Recent], reason: str, expected: float, p: float
    ) -> Open:
        incident = self.incidents[key]
        records = sorted(records, key=lambda r: r.at)
        evidence = Evidence(
            len(records), expected, p, tuple(incident.authors), tuple(incident.sources)
        )
        item_ids = tuple(r.item_id for r in records)
        return Open(key, incident.kind, incident.theme_id, item_ids, reason, evidence)
