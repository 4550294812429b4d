"""The burst and campaign detector (model/incidents/): the replay of issue 18 on real
background feedback, and its rules on small synthetic streams."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from scipy.stats import poisson

from benchmarks.incident_replay import Replay, build_stream, labelled_background, run, score
from core.errors import InvalidInputError
from model.incidents import (
    BurstConfig,
    BurstDetector,
    Close,
    Decision,
    Link,
    Observation,
    Open,
    Reclassify,
    from_state,
    poisson_upper_tail,
    to_state,
)

DIM = 16
T0 = datetime(2026, 3, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def replay() -> Replay:
    """2,000 items over four weeks: labelled real rows (read in place) plus three bursts.

    Stream seed 18. Over stream seeds 18-25 every criterion holds on 7 of 8; on seed 20 the
    outage opens two incidents (benchmarks/RESULTS.md, issue 18 section)."""
    return run(build_stream(labelled_background(), 2000))


def test_replay_every_burst_opens_one_incident_early_and_links_its_items(replay: Replay) -> None:
    scores, background = score(replay)
    assert [s.name for s in scores] == ["outage", "billing_bug", "rumour"]
    for s in scores:
        assert len(s.incidents) == 1, (s.name, s.incidents)
        assert s.detected_at_item is not None and s.detected_at_item <= 10, s
        assert s.link_rate >= 0.90, s
    assert len(background) <= 1


def test_replay_the_rumour_is_a_campaign_with_its_authors(replay: Replay) -> None:
    scores, _ = score(replay)
    kinds = {s.name: s.kind for s in scores}
    assert kinds == {"outage": "burst", "billing_bug": "burst", "rumour": "campaign"}
    rumour = next(s for s in scores if s.name == "rumour")
    rumour_authors = {i.author for i in replay.items if i.burst == "rumour"}
    assert rumour.main is not None
    listed = set(replay.incident_evidence[rumour.main][0])
    assert len(listed & rumour_authors) >= 0.9 * len(rumour_authors)
    assert set(replay.incident_evidence[rumour.main][1]) >= {"twitter", "forum", "trustpilot"}


def test_replay_burst_items_mostly_have_no_stand_in_theme(replay: Replay) -> None:
    """The bursts are new problems: the near-duplicate path, not a theme, must catch them."""
    themed = [t for t, i in zip(replay.themes, replay.items, strict=True) if i.burst]
    assert sum(t is not None for t in themed) <= 0.2 * len(themed)


# ---- small synthetic streams ------------------------------------------------------------------


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


def _background(rng: np.random.Generator, days: int, per_hour: float) -> list[Observation]:
    """Unrelated random texts at a steady rate, a few recurring themes."""
    count = int(days * 24 * per_hour)
    seconds = np.sort(rng.uniform(0, days * 86400, size=count))
    return [
        Observation(
            f"bg-{i}",
            T0 + timedelta(seconds=float(s)),
            int(rng.integers(0, 5)),
            _unit(rng.normal(size=DIM)),
            f"a{i}",
            "g2",
            "review",
        )
        for i, s in enumerate(seconds)
    ]


def _burst(
    rng: np.random.Generator,
    name: str,
    start: datetime,
    size: int,
    *,
    theme: int | None,
    category: str = "service_issue",
    noise: float = 0.3,
) -> list[Observation]:
    base = rng.normal(size=DIM)
    return [
        Observation(
            f"{name}-{i}",
            start + timedelta(minutes=2 * i),
            theme,
            _unit(base + noise * rng.normal(size=DIM)),
            f"{name}-author-{i}",
            ["twitter", "forum"][i % 2],
            category,
        )
        for i in range(size)
    ]


def _feed(detector: BurstDetector, stream: list[Observation]) -> list[tuple[str, Decision]]:
    return [(o.item_id, d) for o in stream for d in detector.observe(o)]


def test_poisson_tail_matches_scipy() -> None:
    for count, expected in [(1, 0.5), (5, 0.2), (12, 3.0), (40, 10.0)]:
        assert poisson_upper_tail(count, expected) == pytest.approx(
            poisson.sf(count - 1, expected), rel=1e-9
        )
    assert poisson_upper_tail(0, 1.0) == 1.0


def test_a_theme_burst_opens_once_and_later_items_link_to_it() -> None:
    rng = np.random.default_rng(1)
    background = _background(rng, days=5, per_hour=1.0)
    burst = _burst(rng, "b", T0 + timedelta(days=4, hours=10), 15, theme=9, noise=3.0)
    decisions = _feed(
        BurstDetector(BurstConfig(), DIM), sorted(background + burst, key=lambda o: o.at)
    )
    opened = [d for _, d in decisions if isinstance(d, Open)]
    assert len(opened) == 1 and opened[0].theme_id == 9 and opened[0].kind == "burst"
    assert opened[0].item_ids[-1] == "b-4"  # the fifth item reaches min_count
    assert opened[0].evidence.p_value < BurstConfig().alpha
    linked = {d.item_id for _, d in decisions if isinstance(d, Link)}
    assert {f"b-{i}" for i in range(5, 15)} <= linked


def test_a_theme_found_late_starts_from_its_past_rate_not_the_prior() -> None:
    """Four days of one large theme's items seen without theme (no re-fit yet), then the
    re-fit names it and its items keep coming at the same rate: seeded with its past count,
    the detector sees no burst; unseeded, the everyday rate of a big theme looks like one."""
    rng = np.random.default_rng(3)
    past = [
        Observation(
            f"p-{i}",
            T0 + timedelta(minutes=20 * i),
            None,
            _unit(rng.normal(size=DIM)),
            f"p{i}",
            "g2",
            "complaint",
        )
        for i in range(4 * 24 * 3)
    ]
    later_start = past[-1].at + timedelta(minutes=20)
    later = [
        Observation(
            f"l-{i}",
            later_start + timedelta(minutes=8 * i),
            7,
            _unit(rng.normal(size=DIM)),
            f"l{i}",
            "g2",
            "complaint",
        )
        for i in range(30)
    ]

    def opened(seed: bool) -> list[Open]:
        detector = BurstDetector(BurstConfig(), DIM)
        _feed(detector, past)
        if seed:
            detector.seed_theme(7, len(past))
        return [d for _, d in _feed(detector, later) if isinstance(d, Open)]

    assert opened(seed=False)  # 7.5 an hour against the prior's 0.05: a false incident
    assert opened(seed=True) == []


def test_near_duplicates_without_theme_open_an_incident_and_an_idle_one_closes() -> None:
    rng = np.random.default_rng(2)
    background = _background(rng, days=5, per_hour=1.0)
    background = [
        Observation(o.item_id, o.at, None, o.embedding, o.author, o.source, o.category)
        for o in background
    ]
    burst = _burst(rng, "n", T0 + timedelta(days=4), 12, theme=None)
    config = BurstConfig(idle_close=timedelta(hours=2))
    decisions = _feed(BurstDetector(config, DIM), sorted(background + burst, key=lambda o: o.at))
    opened = [d for _, d in decisions if isinstance(d, Open)]
    assert [o.kind for o in opened] == ["burst"]
    members = set(opened[0].item_ids) | {d.item_id for _, d in decisions if isinstance(d, Link)}
    assert {f"n-{i}" for i in range(12)} <= members
    assert Close(opened[0].incident_key, "idle") in [d for _, d in decisions]


def test_the_same_burst_before_warmup_or_with_many_authors_in_a_campaign_category() -> None:
    rng = np.random.default_rng(3)
    background = _background(rng, days=4, per_hour=1.0)
    early = _burst(rng, "early", T0 + timedelta(days=1), 12, theme=None)
    rumour = _burst(
        rng,
        "r",
        T0 + timedelta(days=3, hours=20),
        8,
        theme=None,
        category="misinformation",
        noise=0.05,
    )
    stream = sorted(background + early + rumour, key=lambda o: o.at)
    opened = [d for _, d in _feed(BurstDetector(BurstConfig(), DIM), stream) if isinstance(d, Open)]
    assert len(opened) == 1  # nothing during the three days' warm-up
    assert opened[0].kind == "campaign"
    assert set(opened[0].evidence.authors) == {f"r-author-{i}" for i in range(5)}
    assert set(opened[0].evidence.sources) == {"twitter", "forum"}


def test_a_burst_that_turns_out_to_come_from_many_authors_becomes_a_campaign() -> None:
    rng = np.random.default_rng(5)
    background = _background(rng, days=4, per_hour=1.0)
    copies = _burst(
        rng,
        "c",
        T0 + timedelta(days=3, hours=20),
        12,
        theme=None,
        category="competitor_claim",
        noise=0.05,
    )
    # The first six come from two accounts: a burst, not yet a campaign.
    copies = [
        Observation(
            o.item_id,
            o.at,
            None,
            o.embedding,
            f"x{i % 2}" if i < 6 else o.author,
            o.source,
            o.category,
        )
        for i, o in enumerate(copies)
    ]
    stream = sorted(background + copies, key=lambda o: o.at)
    decisions = [d for _, d in _feed(BurstDetector(BurstConfig(), DIM), stream)]
    opened = [d for d in decisions if isinstance(d, Open)]
    assert [o.kind for o in opened] == ["burst"]
    changed = [d for d in decisions if isinstance(d, Reclassify)]
    assert len(changed) == 1 and changed[0].kind == "campaign"
    assert changed[0].incident_key == opened[0].incident_key
    assert {"x0", "x1", "c-author-6", "c-author-7", "c-author-8"} <= set(changed[0].authors)


def test_state_round_trips_through_json_and_decides_the_same() -> None:
    rng = np.random.default_rng(4)
    background = _background(rng, days=5, per_hour=2.0)
    burst = _burst(rng, "s", T0 + timedelta(days=4, hours=11), 10, theme=None)
    stream = sorted(background + burst, key=lambda o: o.at)
    cut = next(i for i, o in enumerate(stream) if o.item_id == "s-6")
    config = BurstConfig(history_size=64)  # a full ring, so its wrap-around is saved too
    straight = BurstDetector(config, DIM)
    first = _feed(straight, stream[:cut])
    state = json.loads(json.dumps(to_state(straight)))
    restored = from_state(config, state)
    assert to_state(restored) == to_state(straight)
    assert _feed(restored, stream[cut:]) == _feed(straight, stream[cut:])
    assert any(isinstance(d, Open) for _, d in first)


def test_bad_input_and_bad_state_are_invalid_input() -> None:
    detector = BurstDetector(BurstConfig(), DIM)
    vector = _unit(np.ones(DIM))
    with pytest.raises(InvalidInputError, match="time zone"):
        detector.observe(Observation("x", datetime(2026, 1, 1), None, vector, None, "g2", "review"))
    with pytest.raises(InvalidInputError, match="-d"):
        detector.observe(Observation("x", T0, None, vector[:3], None, "g2", "review"))
    with pytest.raises(InvalidInputError):
        from_state(BurstConfig(), {"version": 99})
    with pytest.raises(InvalidInputError):
        from_state(BurstConfig(), {**to_state(detector), "seen": "many"})
    with pytest.raises(InvalidInputError):
        detector.resolve("inc-404")
