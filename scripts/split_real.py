"""Split the labelled real rows into a frozen calibration part and a training part, once.

    python scripts/split_real.py

Reads `data/real/<source>.csv` (every labelled row of one corpus) and writes
`data/real/calibration/<source>.csv` (40 % of each source, drawn at random within each
category x severity stratum, so every source and every label a source has is represented)
and `data/real/train/<source>.csv` (the rest), then removes the unsplit file. `origin` becomes
the corpus name; the public copy and key the row came from move to `provenance`. One file per
source and part, since each source keeps its own licence (`data/README.md`).
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from pathlib import Path

from training.datasets import LABELLED_COLUMNS

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
SOURCES = ("cfpb", "twcs", "appreviews", "finefood")
CALIBRATION_SHARE = 0.4
SEED = 20261204
COLUMNS = (*LABELLED_COLUMNS, "provenance", "tranche", "agreement")


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: r["id"]))


def main() -> None:
    rng = random.Random(SEED)
    for source in SOURCES:
        path = REAL / f"{source}.csv"
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        strata: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
        for row in rows:
            row["provenance"], row["origin"] = row["origin"], source
            strata[(row["category"], row["severity"])].append(row)
        calibration: list[dict[str, str]] = []
        train: list[dict[str, str]] = []
        for key in sorted(strata):
            stratum = sorted(strata[key], key=lambda r: r["id"])
            rng.shuffle(stratum)
            # Round half up so that a stratum of one or two rows still reaches calibration
            # only when it can spare it: at least one row stays for training when there are two.
            take = int(len(stratum) * CALIBRATION_SHARE + 0.5)
            calibration += stratum[:take]
            train += stratum[take:]
        _write(REAL / "calibration" / f"{source}.csv", calibration)
        _write(REAL / "train" / f"{source}.csv", train)
        path.unlink()
        print(f"{source}: {len(calibration)} calibration, {len(train)} train")


if __name__ == "__main__":
    main()
