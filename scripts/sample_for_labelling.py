"""Draw the rows of one labelling tranche from ../shared/corpora, the same rows every time.

    python scripts/sample_for_labelling.py --tranche 1 --out DIR cfpb=120 twcs=180 ...

Writes DIR/<source>.csv (id, text, source_kind, rating) per source, for the labellers, and
prints the ids. Rows of earlier tranches (`data/labelling/tranche<N>-ids.txt`) are never drawn
again. The Twitter US Airline Sentiment set is not among the corpora and is never read.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
LABELLING = Path(__file__).resolve().parents[1] / "data" / "labelling"
COLUMNS = ("id", "text", "source_kind", "rating")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tranche", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("counts", nargs="+", help="source=rows, e.g. cfpb=120")
    args = parser.parse_args()
    taken = {
        line.strip()
        for path in LABELLING.glob("tranche*-ids.txt")
        for line in path.read_text().splitlines()
        if line.strip()
    }
    args.out.mkdir(parents=True, exist_ok=True)
    drawn: list[str] = []
    for spec in args.counts:
        source, count = spec.split("=")
        with (CORPORA / f"{source}.csv").open(newline="", encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if r["id"] not in taken]
        chosen = random.Random(f"review-triage-tranche{args.tranche}-{source}").sample(
            rows, int(count)
        )
        with (args.out / f"{source}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(chosen)
        drawn.extend(r["id"] for r in chosen)
    (LABELLING / f"tranche{args.tranche}-ids.txt").write_text("\n".join(drawn) + "\n")
    print(f"{len(drawn)} rows in {args.out}")


if __name__ == "__main__":
    main()
