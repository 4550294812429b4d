"""Merge the writers' JSON Lines parts into data/train.csv and data/calibration.csv (one-off)."""

import csv
import json
import sys
from pathlib import Path

PARTS = Path("data/parts")
COLUMNS = [
    "id",
    "text",
    "category",
    "severity",
    "flags",
    "source",
    "rating",
    "account_tier",
    "hard_negative",
    "origin",
]


def merge(prefix: str, id_prefix: str, out: Path) -> int:
    rows = []
    for path in sorted(PARTS.glob(f"{prefix}_*.jsonl")):
        writer = path.stem.split("_")[1]
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append((writer, json.loads(line)))
    with out.open("w", encoding="utf-8", newline="") as handle:
        sink = csv.writer(handle, lineterminator="\n")
        sink.writerow(COLUMNS)
        for n, (writer, row) in enumerate(rows, 1):
            sink.writerow(
                [
                    f"{id_prefix}-{n:05d}",
                    row["text"],
                    row["category"],
                    row["severity"],
                    ";".join(row["flags"]),
                    row["source"],
                    "" if row["rating"] is None else row["rating"],
                    row["account_tier"],
                    "true" if row["hard_negative"] else "false",
                    f"writer-{writer}",
                ]
            )
    return len(rows)


if __name__ == "__main__":
    print("train", merge("train", "tr", Path("data/train.csv")), file=sys.stderr)
    print("calibration", merge("calib", "cal", Path("data/calibration.csv")), file=sys.stderr)
