"""Red-flag rules against the labels: recall per family and the fire rate on green rows.

For each family F, recall is the share of rows labelled with F where the rules produce at
least one hit of family F; the green fire rate is the share of severity-green rows where any
rule fires. Printed for the real training part, the real calibration part (the held-out set
the target of issue 15 is measured on: recall >= 0.95 per family, green fire rate <= 2 %),
and the authored training and calibration files.

    python scripts/rules_recall.py [--misses FAMILY] [--green-hits] [--part real-train]

`--misses` and `--green-hits` print the rows behind the figures, for the chosen part only
(real training by default: tune there, never on the calibration part).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from model.labels import FlagFamily, Severity
from model.rules import RULES_VERSION, RedFlagHit, RedFlagRules
from training.datasets import LabelledItem, load_labelled

ROOT = Path(__file__).resolve().parents[1]
PARTS = {
    "real-train": sorted((ROOT / "data/real/train").glob("*.csv")),
    "real-calibration": sorted((ROOT / "data/real/calibration").glob("*.csv")),
    "authored-train": [ROOT / "data/train.csv"],
    "authored-calibration": [ROOT / "data/calibration.csv"],
}


def load_part(paths: list[Path]) -> list[LabelledItem]:
    return [row for path in paths for row in load_labelled(path).rows]


def figures(rows: list[LabelledItem], found: list[list[RedFlagHit]]) -> str:
    cells = []
    for family in FlagFamily:
        labelled = [hits for row, hits in zip(rows, found, strict=True) if family in row.flags]
        caught = sum(any(hit.family is family for hit in hits) for hits in labelled)
        recall = f"{caught / len(labelled):.3f}" if labelled else "  -  "
        cells.append(f"{family.value} {recall} ({caught}/{len(labelled)})")
    green = [hits for row, hits in zip(rows, found, strict=True) if row.severity is Severity.GREEN]
    fired = sum(bool(hits) for hits in green)
    cells.append(f"green fire {fired / max(len(green), 1):.3%} ({fired}/{len(green)})")
    return "  ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=sorted(PARTS), default="real-train")
    parser.add_argument("--misses", choices=[f.value for f in FlagFamily])
    parser.add_argument("--green-hits", action="store_true")
    args = parser.parse_args()
    rules = RedFlagRules()
    print(f"rules {RULES_VERSION}")
    for name, paths in PARTS.items():
        rows = load_part(paths)
        found = rules.find_many(row.item.text for row in rows)
        print(f"{name:21s} ({len(rows):5d} rows)  {figures(rows, found)}")
        if name != args.part:
            continue
        for row, hits in zip(rows, found, strict=True):
            missed = args.misses and FlagFamily(args.misses) in row.flags
            if missed and not any(hit.family.value == args.misses for hit in hits):
                print(f"\n  MISS {row.id} [{';'.join(sorted(f.value for f in row.flags))}]")
                print(f"    {row.item.text[:700]}")
            if args.green_hits and row.severity is Severity.GREEN and hits:
                shown = ", ".join(f"{hit.rule}({hit.language}):{hit.text!r}" for hit in hits)
                print(f"\n  GREEN-HIT {row.id}: {shown}\n    {row.item.text[:400]}")


if __name__ == "__main__":
    main()
