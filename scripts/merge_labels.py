"""Join a tranche's blind labels into the labelled real-feedback files of `data/real/`.

    python scripts/merge_labels.py --tranche 1 --rows DIR --labels DIR

DIR of --rows holds the rows given to the labellers (`<source>.csv`, from
`sample_for_labelling.py`); DIR of --labels holds `<source>-A.csv`, `<source>-B.csv` (the two
blind labellings) and `settled.csv` (the third labeller's decision on every row where they
differ). A row where both agree keeps their labels (`agreement` = `both`); the others take the
settled ones (`agreement` = `settled`). Rows of this tranche already in `data/real/` are
replaced, others kept, so the files grow tranche by tranche. One file per source, since each
source has its own licence (`data/README.md`).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from training.datasets import LABELLED_COLUMNS

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
# The channel each corpus comes from, in the `source` vocabulary of the labelled files.
CHANNELS = {"cfpb": "cfpb", "twcs": "twitter", "appreviews": "app_store", "finefood": "amazon"}
COLUMNS = (*LABELLED_COLUMNS, "tranche", "agreement")


def _read(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def _labels(row: dict[str, str]) -> tuple[str, str, str]:
    flags = ";".join(sorted(f for f in (row.get("flags") or "").split(";") if f))
    return row["category"], row["severity"], flags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tranche", type=int, required=True)
    parser.add_argument("--rows", type=Path, required=True)
    parser.add_argument("--labels", type=Path, required=True)
    args = parser.parse_args()
    settled = _read(args.labels / "settled.csv")
    REAL.mkdir(parents=True, exist_ok=True)
    for source, channel in CHANNELS.items():
        rows_path = args.rows / f"{source}.csv"
        if not rows_path.is_file():
            continue
        given = _read(rows_path)
        first = _read(args.labels / f"{source}-A.csv")
        second = _read(args.labels / f"{source}-B.csv")
        origins = {
            i: r["origin"] for i, r in _read(CORPORA / f"{source}.csv").items() if i in given
        }
        merged: list[dict[str, str]] = []
        for row_id, row in given.items():
            a, b = _labels(first[row_id]), _labels(second[row_id])
            if a == b:
                (category, severity, flags), agreement = a, "both"
            else:
                (category, severity, flags), agreement = _labels(settled[row_id]), "settled"
            merged.append(
                {
                    "id": row_id,
                    "text": row["text"],
                    "category": category,
                    "severity": severity,
                    "flags": flags,
                    "source": channel,
                    "rating": row["rating"],
                    "account_tier": "",
                    "hard_negative": "false",
                    "origin": origins[row_id],
                    "tranche": str(args.tranche),
                    "agreement": agreement,
                }
            )
        out = REAL / f"{source}.csv"
        kept = [
            r
            for r in (_read(out).values() if out.is_file() else [])
            if r["tranche"] != str(args.tranche)
        ]
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(kept + merged)
        print(f"{out}: {len(kept) + len(merged)} rows ({len(merged)} from tranche {args.tranche})")


if __name__ == "__main__":
    main()
