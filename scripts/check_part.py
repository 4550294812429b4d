"""Check hand-written JSONL part files of labelled feedback (used while writing data).

Run from the repository root with the project installed: python scripts/check_part.py F...
"""

import json
import sys
from collections import Counter
from pathlib import Path

from model.labels import KNOWN_SOURCES, Category, FlagFamily, Severity

CATEGORIES = {c.value for c in Category}
SEVERITIES = {s.value for s in Severity}
FAMILIES = {f.value for f in FlagFamily}
SOURCES = set(KNOWN_SOURCES)
RATED = {"g2", "capterra", "trustpilot", "google", "app_store", "play_store"}
TIERS = {"strategic", "enterprise", "smb", "unknown", ""}
KEYS = {
    "text",
    "category",
    "severity",
    "flags",
    "source",
    "rating",
    "account_tier",
    "hard_negative",
}

errors = []
counts: Counter = Counter()
texts = set()
for path in sys.argv[1:]:
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: bad JSON: {exc}")
            continue
        if set(row) != KEYS:
            errors.append(f"{where}: keys must be exactly {sorted(KEYS)}, got {sorted(row)}")
            continue
        t = row["text"]
        words = len(str(t).split())
        if not isinstance(t, str) or not (5 <= words <= 150):
            errors.append(f"{where}: text must have 5-150 words (has {words})")
        if t in texts:
            errors.append(f"{where}: duplicate text")
        texts.add(t)
        if row["category"] not in CATEGORIES:
            errors.append(f"{where}: bad category {row['category']!r}")
        if row["severity"] not in SEVERITIES:
            errors.append(f"{where}: bad severity {row['severity']!r}")
        flags = row["flags"]
        if not isinstance(flags, list) or any(f not in FAMILIES for f in flags):
            errors.append(f"{where}: flags must be a list drawn from {sorted(FAMILIES)}")
            flags = []
        if flags and row["severity"] != "red":
            errors.append(f"{where}: an item with flags must be red")
        if row["source"] not in SOURCES:
            errors.append(f"{where}: bad source {row['source']!r}")
        r = row["rating"]
        if row["source"] in RATED:
            if r not in (1, 2, 3, 4, 5):
                errors.append(f"{where}: rating must be an integer 1-5 for source {row['source']}")
        elif r is not None:
            errors.append(f"{where}: rating must be null for source {row['source']}")
        if row["account_tier"] not in TIERS:
            errors.append(f"{where}: bad account_tier")
        if not isinstance(row["hard_negative"], bool):
            errors.append(f"{where}: hard_negative must be true/false")
        elif row["hard_negative"] and flags:
            errors.append(f"{where}: a hard negative has no flags")
        counts["items"] += 1
        counts[f"category={row['category']}"] += 1
        counts[f"severity={row['severity']}"] += 1
        for f in flags:
            counts[f"flag={f}"] += 1
        if row.get("hard_negative") is True:
            counts["hard_negative"] += 1
        band = "5-15" if words <= 15 else "16-50" if words <= 50 else "51-120"
        counts[f"words_{band if words <= 120 else '121-150'}"] += 1

for e in errors:
    print(e)
for k in sorted(counts):
    print(f"{k}: {counts[k]}")
print("OK" if not errors else f"{len(errors)} ERRORS")
sys.exit(1 if errors else 0)
