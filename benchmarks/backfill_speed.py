"""Rows per second of `triage classify-file` beside `triage backfill` on local Spark.

    python -m benchmarks.backfill_speed [--rows 100000 20000] [--repeats 3]
                                        [--masters local[1] local[2]] [--out-format parquet]

For each size, a CSV of that many rows is built by repeating real feedback text from
../shared/corpora (else data/real) with distinct ids; each command then reads it and writes
its output (classify-file: JSON Lines; backfill: `--out-format`), end to end as a user runs
it, in a fresh process (Python start, model load, and for Spark the JVM start included). The
model is the one the commands use (review-triage@champion of the configured store). Printed:
the median seconds and rows/s of `--repeats` runs, the local[2] / local[1] ratio, and, from
two sizes, each command's fixed cost and per-row cost (a straight line through the two
medians), hence the size from which Spark's local[2] overtakes classify-file.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import machine_description, print_machine

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
REAL = Path(__file__).resolve().parents[1] / "data" / "real"


def real_texts() -> list[str]:
    files = sorted(CORPORA.glob("*.csv")) or sorted(REAL.rglob("*.csv"))
    texts: list[str] = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            texts.extend(row["text"] for row in csv.DictReader(handle) if row.get("text"))
    return texts


def write_input(path: Path, rows: int, texts: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "source"])
        for number in range(rows):
            writer.writerow([f"b-{number}", texts[number % len(texts)], "g2"])


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return seconds


def commands(source: Path, folder: Path, masters: list[str], fmt: str) -> dict[str, list[str]]:
    triage = [sys.executable, "-m", "triage.cli"]
    runs = {
        "classify-file": [
            *triage, "classify-file", str(source), "-o", str(folder / "out.jsonl"),
            "--no-progress",
        ]
    }  # fmt: skip
    for master in masters:
        runs[f"backfill {master}"] = [
            *triage, "backfill", str(source), str(folder / f"out-{master}"),
            "--master", master, "--format", fmt,
        ]  # fmt: skip
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 20_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--masters", nargs="+", default=["local[1]", "local[2]"])
    parser.add_argument("--out-format", default="parquet", choices=["parquet", "jsonl"])
    args = parser.parse_args()
    print_machine(machine_description())
    texts = real_texts()
    print(f"{len(texts)} distinct real texts, repeated with distinct ids")
    medians: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for rows in args.rows:
            source = folder / f"history-{rows}.csv"
            write_input(source, rows, texts)
            for name, command in commands(source, folder, args.masters, args.out_format).items():
                runs = [timed(command) for _ in range(args.repeats)]
                median = statistics.median(runs)
                medians[name, rows] = median
                shown = ", ".join(f"{r:.1f}" for r in runs)
                print(
                    f"{rows:>8,} rows  {name:<18} median {median:7.1f} s  "
                    f"{rows / median:8.0f} rows/s  (runs: {shown} s)",
                    flush=True,
                )
            one, two = (medians.get((f"backfill {m}", rows)) for m in ("local[1]", "local[2]"))
            if one and two:
                print(f"{rows:>8,} rows  local[2] / local[1] speed: {one / two:.2f}x")
    if len(args.rows) >= 2:
        small, large = sorted(args.rows)[:1] + sorted(args.rows)[-1:]
        lines = {}
        for name in commands(Path(), Path(), args.masters, args.out_format):
            per_row = (medians[name, large] - medians[name, small]) / (large - small)
            fixed = medians[name, small] - per_row * small
            lines[name] = (fixed, per_row)
            print(f"{name:<18} fixed {fixed:6.1f} s + {per_row * 1e3:.3f} ms/row")
        base_fixed, base_row = lines["classify-file"]
        for name, (fixed, per_row) in lines.items():
            if name == "classify-file":
                continue
            if per_row >= base_row:
                print(f"{name}: never overtakes classify-file on this machine")
            else:
                print(
                    f"{name} overtakes classify-file from about "
                    f"{(fixed - base_fixed) / (base_row - per_row):,.0f} rows"
                )


if __name__ == "__main__":
    main()
