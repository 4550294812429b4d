"""The detector's configuration, its input and its decisions (see model/incidents/detector.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]
Kind = Literal["burst", "campaign"]


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
    group_threshold: float = 0.25  # centred cosine to a group's centroid to join it
    link_threshold: float = 0.30  # centred cosine to an incident's centroid: always links
    # Below it, down to `link_floor`, an item links when the incident explains it better than
    # the background does (`_likely_member`): the static encoder puts paraphrases of one
    # outage at cosines that unrelated texts reach too, and only the burst's rate tells them
    # apart.
    link_floor: float = 0.10
    link_odds: float = 2.0
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
class Reclassify:
    """An open burst whose items turned out to come from many authors in near-identical
    words: it is a campaign now."""

    incident_key: str
    kind: Kind
    reason: str
    authors: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Close:
    incident_key: str
    reason: Literal["idle", "resolved"]


Decision = Open | Link | Reclassify | Close
