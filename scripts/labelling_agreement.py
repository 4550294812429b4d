"""Agreement between two blind labellers of the same rows, per head and per class.

    python scripts/labelling_agreement.py A.csv B.csv [A2.csv B2.csv ...] [--markdown]

Each pair is two label files (`id,category,severity,flags,note`) of the same rows. Prints, for
all pairs together: rows, raw agreement and Cohen's kappa for category and severity, per
flag family (present or not), and per class the specific agreement (2 x both / (A + B): of
the rows either labeller put in the class, how consistently both did).
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

FAMILIES = ("legal", "security", "fraud", "safety")


def read(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def flags(row: dict[str, str]) -> set[str]:
    return {f for f in (row.get("flags") or "").split(";") if f}


def head_figures(a: list[str], b: list[str]) -> dict[str, object]:
    both = Counter(x for x, y in zip(a, b, strict=True) if x == y)
    count_a, count_b = Counter(a), Counter(b)
    per_class = {
        label: (2 * both[label] / (count_a[label] + count_b[label]), count_a[label], count_b[label])
        for label in sorted(set(a) | set(b))
    }
    return {
        "agreement": sum(both.values()) / len(a),
        "kappa": cohen_kappa_score(a, b),
        "per_class": per_class,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    if len(args.files) % 2:
        parser.error("give label files in pairs: A.csv B.csv")
    pairs: list[tuple[dict[str, str], dict[str, str]]] = []
    for first, second in zip(args.files[::2], args.files[1::2], strict=True):
        a, b = read(first), read(second)
        common = sorted(set(a) & set(b))
        pairs.extend((a[i], b[i]) for i in common)
    print(f"rows labelled by both: {len(pairs)}")
    for head in ("category", "severity"):
        figures = head_figures([a[head] for a, _ in pairs], [b[head] for _, b in pairs])
        print(
            f"\n{head}: agreement {figures['agreement']:.3f}, Cohen's kappa {figures['kappa']:.3f}"
        )
        print("| class | specific agreement | labeller A | labeller B |\n|---|--:|--:|--:|")
        per_class = figures["per_class"]
        assert isinstance(per_class, dict)
        for label, (specific, count_a, count_b) in per_class.items():
            print(f"| {label} | {specific:.2f} | {count_a} | {count_b} |")
    print("\nflags (present or not, per family):")
    print("| family | agreement | kappa | labeller A | labeller B |\n|---|--:|--:|--:|--:|")
    for family in FAMILIES:
        a = [family in flags(x) for x, _ in pairs]
        b = [family in flags(y) for _, y in pairs]
        agreement = sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
        kappa = cohen_kappa_score(a, b) if any(a) or any(b) else float("nan")
        print(f"| {family} | {agreement:.3f} | {kappa:.3f} | {sum(a)} | {sum(b)} |")


if __name__ == "__main__":
    main()
