"""The session sample: random and stratified draws are fixed by the seed, and a stratified
draw gives each stratum (predicted category x confidence band) its proportional share."""

from __future__ import annotations

from collections import Counter

from service.sessions.sampling import Candidate, band, draw_random, draw_stratified, stratum


def _population() -> list[Candidate]:
    # 60 review/high, 30 complaint/low, 10 unpredicted items.
    return (
        [Candidate(i, "review", 0.95) for i in range(60)]
        + [Candidate(100 + i, "complaint", 0.4) for i in range(30)]
        + [Candidate(200 + i, None, None) for i in range(10)]
    )


def test_bands() -> None:
    assert [band(c) for c in (None, 0.1, 0.6, 0.84, 0.85, 1.0)] == [
        "none",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]


def test_stratified_draw_is_proportional_and_seeded() -> None:
    people = _population()
    drawn = draw_stratified(people, 20, seed=4)
    assert len({c.item_id for c in drawn}) == 20
    assert Counter(stratum(c) for c in drawn) == {
        "review/high": 12,
        "complaint/low": 6,
        "none/none": 2,
    }
    assert draw_stratified(list(reversed(people)), 20, seed=4) == drawn  # input order is moot
    assert draw_stratified(people, 20, seed=5) != drawn


def test_largest_remainders_fill_the_sample_exactly() -> None:
    drawn = draw_stratified(_population(), 7, seed=1)
    # Shares 4.2, 2.1, 0.7: floors 4, 2, 0, and the one left goes to the largest remainder.
    assert Counter(stratum(c) for c in drawn) == {
        "review/high": 4,
        "complaint/low": 2,
        "none/none": 1,
    }
    assert len(draw_stratified(_population(), 100, seed=1)) == 100


def test_random_draw_is_seeded() -> None:
    people = _population()
    assert draw_random(people, 10, seed=3) == draw_random(list(reversed(people)), 10, seed=3)
    assert draw_random(people, 10, seed=3) != draw_random(people, 10, seed=4)
