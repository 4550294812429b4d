"""In-process speed of the full decision (model + rules + policy) and of its parts.

Prints, per text-length band of the calibration texts: single-text latency (p50, p99) of
`Triager.classify`, of the fast scorer alone and of the stock scikit-learn pipeline alone
(`transform` + `decision_function` + calibration), and batch throughput in documents and
words per second on one core. Medians of one run; the machine is shared, so compare ratios.

    python -m benchmarks.in_process [--model var/model.joblib] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from benchmarks.common import single_call_latencies
from model.artifact import load_triager, read_artifact
from training.datasets import load_labelled

ROOT = Path(__file__).resolve().parents[1]
BANDS = ((1, 15), (16, 40), (41, 80), (81, 10_000))


def _ms(values: list[float], q: float) -> str:
    return f"{1000 * float(np.percentile(values, q)):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "var" / "model.joblib")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "calibration.csv")
    parser.add_argument("--repeat", type=int, default=3, help="Batch passes (median taken).")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the targets are per core

    triager = load_triager(args.model)
    classifier, _ = read_artifact(args.model)  # the scikit-learn pipeline, for comparison
    assert classifier is not None
    items = load_labelled(args.data).items
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print(f"model: {triager.model_version}; texts: {args.data.name} ({len(items)})")
    print()
    print(
        f"{'words':<10}{'texts':>6}  {'decision p50':>12}{'p99':>8}  {'fast p50':>9}{'p99':>8}"
        f"  {'sklearn p50':>11}{'p99':>8}  {'speed-up':>8}   (ms per text)"
    )
    for low, high in BANDS:
        band = [i for i in items if low <= len(i.text.split()) <= high]
        if not band:
            continue
        decision = single_call_latencies(triager.classify, band)
        fast = single_call_latencies(lambda i: classifier.fast_scorer().predict_proba([i]), band)
        stock = single_call_latencies(lambda i: classifier.pipeline_proba([i]), band)
        label = f"{low}-{high}" if high < 10_000 else f"{low}+"
        print(
            f"{label:<10}{len(band):>6}  {_ms(decision, 50):>12}{_ms(decision, 99):>8}  "
            f"{_ms(fast, 50):>9}{_ms(fast, 99):>8}  {_ms(stock, 50):>11}{_ms(stock, 99):>8}  "
            f"{statistics.median(stock) / statistics.median(fast):>7.1f}x"
        )

    words = sum(len(i.text.split()) for i in items)
    print()
    print(f"batch throughput on one process, {len(items)} texts, {words} words:")
    for name, run in (
        ("fast scorer", lambda: classifier.fast_scorer().predict_proba(items)),
        ("sklearn pipeline", lambda: classifier.pipeline_proba(items)),
        ("full decision", lambda: triager.classify_many(items)),
        ("rules alone", lambda: triager.rules.find_many(i.text for i in items)),
    ):
        seconds = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            run()
            seconds.append(time.perf_counter() - started)
        best = statistics.median(seconds)
        print(f"  {name:<18}{len(items) / best:>10.0f} docs/s {words / best:>12.0f} words/s")


if __name__ == "__main__":
    main()
