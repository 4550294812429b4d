"""Red-flag rules speed: microseconds per text for `find` and `find_many`, prefilter on and off.

The calibration texts are split into those without a hit (typical feedback) and those with one.
`find` is timed one text at a time, after a warm-up pass over all texts (so the prefilter's
chunk cache and spaCy's tokenizer cache are filled), each group in its own pass; a mixed pass in
file order shows the cost when texts with hits run in between. `find_many` is timed per text, in
batches. The target is a median of at most 20 µs for `find` on a typical text. The machine may be
shared and noisy: everything is measured in one run and medians are printed.

    python -m benchmarks.rules_speed [--texts data/calibration.csv] [--repeats 3]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from model.rules import RedFlagRules

TARGET_US = 20.0
ROOT = Path(__file__).resolve().parents[1]


def read_texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def timed_build(prefilter: bool) -> tuple[RedFlagRules, float]:
    start = time.perf_counter()
    rules = RedFlagRules(prefilter=prefilter)
    return rules, time.perf_counter() - start


def per_call_us(call: Callable[[str], object], texts: list[str]) -> list[float]:
    """Microseconds of each call, one text at a time."""
    times = []
    for text in texts:
        start = time.perf_counter_ns()
        call(text)
        times.append((time.perf_counter_ns() - start) / 1000)
    return times


def batch_us(rules: RedFlagRules, texts: list[str], repeats: int) -> float:
    """Median over repeats of `find_many`'s microseconds per text."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        rules.find_many(texts)
        runs.append((time.perf_counter_ns() - start) / 1000 / max(len(texts), 1))
    return statistics.median(runs)


def summary(times: list[float]) -> str:
    if not times:
        return "no texts"
    p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
    return f"median {statistics.median(times):9.1f} µs   p90 {p90:9.1f} µs"


def report(
    rules: RedFlagRules,
    groups: dict[str, list[str]],
    mixed: list[str],
    no_hit: set[str],
    repeats: int,
) -> float:
    """Print one mode's figures; return the median `find` time on typical texts."""
    for text in mixed:  # warm-up: fill the caches
        rules.find(text)
    skipped = {name: sum(not rules.may_hit(t) for t in texts) for name, texts in groups.items()}
    shares = ", ".join(
        f"{name} {skipped[name] / max(len(texts), 1):.1%}" for name, texts in groups.items()
    )
    print(f"  skipped by the prefilter: {shares}")
    typical = per_call_us(rules.find, groups["no hit"])
    print(f"  find, no hit             {summary(typical)}")
    print(f"  find, with hit           {summary(per_call_us(rules.find, groups['with hit']))}")
    in_order = per_call_us(rules.find, mixed)
    mixed_typical = [t for t, text in zip(in_order, mixed, strict=True) if text in no_hit]
    print(f"  find, no hit, mixed pass {summary(mixed_typical)}")
    for name, texts in groups.items():
        cost = batch_us(rules, texts, repeats)
        print(f"  find_many, {name:<13} {cost:9.1f} µs per text (all at once)")
    return statistics.median(typical)


def main() -> None:
    parser = argparse.ArgumentParser(description="Red-flag rules speed, prefilter on and off.")
    parser.add_argument("--texts", type=Path, default=ROOT / "data" / "calibration.csv")
    parser.add_argument("--repeats", type=int, default=3, help="find_many runs per group")
    args = parser.parse_args()

    filtered, cold = timed_build(prefilter=True)
    _, with_prefilter = timed_build(prefilter=True)
    unfiltered, without = timed_build(prefilter=False)
    print(
        f"rules build: {cold:.2f} s first (loads spaCy lookups), then {with_prefilter:.2f} s"
        f" with the prefilter, {without:.2f} s without"
    )

    texts = read_texts(args.texts)
    hit = [bool(unfiltered.find_unfiltered(text)) for text in texts]
    groups = {
        "no hit": [t for t, h in zip(texts, hit, strict=True) if not h],
        "with hit": [t for t, h in zip(texts, hit, strict=True) if h],
        "all": texts,
    }
    no_hit = set(groups["no hit"])
    print(
        f"{args.texts.name}: {len(texts)} texts, {len(groups['no hit'])} without a hit"
        f" (typical), {len(groups['with hit'])} with one"
    )

    print("prefilter on")
    median_on = report(filtered, groups, texts, no_hit, args.repeats)
    print("prefilter off")
    median_off = report(unfiltered, groups, texts, no_hit, args.repeats)
    verdict = "met" if median_on <= TARGET_US else "NOT met"
    print(
        f"target: find median <= {TARGET_US:.0f} µs per typical text: {verdict}"
        f" ({median_on:.1f} µs; {median_off:.0f} µs without the prefilter,"
        f" {median_off / median_on:.0f}x)"
    )


if __name__ == "__main__":
    main()
