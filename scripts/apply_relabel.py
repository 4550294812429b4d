"""Apply the relabelling of the authored files by DOMAIN.md's labelling decisions, once.

    python scripts/apply_relabel.py

`data/labelling/authored-relabel/<part>-changes.csv` lists, per changed row, the old and new
labels and the decision that changed them (train-1/2/3 cover `data/train.csv` in three parts
of 800 rows, calibration covers `data/calibration.csv`). Rows whose current labels are not the
recorded old ones are refused, so the script cannot apply a list twice or to another file.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
CHANGES = DATA / "labelling" / "authored-relabel"
FILES = {"train": DATA / "train.csv", "calibration": DATA / "calibration.csv"}
LABELS = ("category", "severity", "flags")


def main() -> None:
    for name, path in FILES.items():
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            columns = list(reader.fieldnames or [])
            rows = list(reader)
        by_id = {row["id"]: row for row in rows}
        decisions: Counter[str] = Counter()
        for changes in sorted(CHANGES.glob(f"{name}*-changes.csv")):
            with changes.open(newline="", encoding="utf-8") as handle:
                for change in csv.DictReader(handle):
                    row = by_id[change["id"]]
                    old = tuple(row[label] for label in LABELS)
                    recorded = tuple(change[f"old_{label}"] for label in LABELS)
                    if old != recorded:
                        raise SystemExit(f"{change['id']}: labels are {old}, not {recorded}")
                    for label in LABELS:
                        row[label] = change[label]
                    if change["flags"]:
                        row["hard_negative"] = "false"  # a flagged row is no hard negative
                    decisions[change["decision"]] += 1
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        print(f"{path.name}: {sum(decisions.values())} rows changed")
        for decision, count in decisions.most_common():
            print(f"  {count:4d}  {decision}")


if __name__ == "__main__":
    main()
