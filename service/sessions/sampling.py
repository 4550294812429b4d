"""Which stored items a calibration session labels: a simple random sample, or a sample
stratified by the model's predicted category and confidence band (proportional allocation,
largest remainders), deterministic given the seed and the stored items."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

# Confidence bands of the model's lower head confidence: below 0.6, below 0.85, the rest.
BANDS = ((0.6, "low"), (0.85, "medium"))
UNKNOWN = "none"


@dataclass(frozen=True, slots=True)
class Candidate:
    item_id: int
    category: str | None
    confidence: float | None


def band(confidence: float | None) -> str:
    if confidence is None:
        return UNKNOWN
    return next((name for limit, name in BANDS if confidence < limit), "high")


def stratum(candidate: Candidate) -> str:
    return f"{candidate.category or UNKNOWN}/{band(candidate.confidence)}"


def draw_random(candidates: list[Candidate], size: int, seed: int) -> list[Candidate]:
    ordered = sorted(candidates, key=lambda c: c.item_id)
    return random.Random(seed).sample(ordered, size)


def draw_stratified(candidates: list[Candidate], size: int, seed: int) -> list[Candidate]:
    """Each stratum gets its share of `size` (floors, then the largest remainders; ties to
    the larger, then the first-named stratum), drawn at random within it."""
    strata: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in sorted(candidates, key=lambda c: c.item_id):
        strata[stratum(candidate)].append(candidate)
    total = len(candidates)
    quotas = {name: size * len(members) // total for name, members in strata.items()}
    remainders = sorted(
        strata,
        key=lambda name: (-(size * len(strata[name]) % total), -len(strata[name]), name),
    )
    for name in remainders[: size - sum(quotas.values())]:
        quotas[name] += 1
    draw = random.Random(seed)
    chosen: list[Candidate] = []
    for name in sorted(strata):
        chosen.extend(draw.sample(strata[name], quotas[name]))
    draw.shuffle(chosen)  # reviewers see the strata mixed
    return chosen
