"""The rules version lock: `rules.lock` holds the version and a digest of every family's phrases
and exceptions and of the phrase-language settings that change matching. A test fails when the
rules in the code and the lock disagree, so a changed phrase cannot keep an old version.

`python -m model.rules.lock` rewrites the lock after `RULES_VERSION` was bumped; it refuses to
record changed rules under the version the lock already holds.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from model.rules import language
from model.rules.base import FamilyRules
from model.rules.families import default_families
from model.rules.version import RULES_VERSION

LOCK_PATH = Path(__file__).with_name("rules.lock")
BUMP = (
    "bump RULES_VERSION in model/rules/version.py and run `python -m model.rules.lock` to "
    "rewrite model/rules/rules.lock"
)


class RulesLockError(Exception):
    """The rules in the code and the lock file disagree."""


def rules_digest(families: Iterable[FamilyRules] | None = None) -> str:
    """sha256 of a canonical dump of the rules (the built-in ones unless given), in compile order
    (the order breaks ties between equal spans)."""
    dump = {
        "gap": language._GAP,
        "hyphens": language._HYPHENS,
        "families": [
            {
                "family": family.family.value,
                "language": family.language,
                "rules": [[rule, phrases] for rule, phrases in family.rules.items()],
                "exceptions": family.exceptions,
            }
            for family in (default_families() if families is None else families)
        ],
    }
    canonical = json.dumps(dump, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_lock(path: Path = LOCK_PATH) -> dict[str, str]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise RulesLockError(f"cannot read the rules lock {path} ({exc}): {BUMP}") from exc
    if not isinstance(data, dict) or not {"version", "digest"} <= set(data):
        raise RulesLockError(f"{path} is not a rules lock (no version and digest): {BUMP}")
    return {"version": str(data["version"]), "digest": str(data["digest"])}


def check_lock(path: Path = LOCK_PATH) -> None:
    """Raise `RulesLockError`, saying what to do, unless the lock matches the rules and version."""
    lock, digest = read_lock(path), rules_digest()
    if digest != lock["digest"] and lock["version"] == RULES_VERSION:
        raise RulesLockError(
            f"the rules changed but RULES_VERSION is still {RULES_VERSION}: {BUMP}"
        )
    if digest != lock["digest"]:
        raise RulesLockError(
            f"the rules changed and RULES_VERSION is {RULES_VERSION}, but the lock still "
            f"records {lock['version']}: run `python -m model.rules.lock` to rewrite it"
        )
    if lock["version"] != RULES_VERSION:
        raise RulesLockError(
            f"RULES_VERSION is {RULES_VERSION} but the lock records {lock['version']} for the "
            "same rules: run `python -m model.rules.lock` to rewrite it"
        )


def write_lock(path: Path = LOCK_PATH) -> str:
    """Record the current version and digest; refuses changed rules under the locked version."""
    digest = rules_digest()
    if path.exists():
        lock = read_lock(path)
        if lock["version"] == RULES_VERSION and lock["digest"] != digest:
            raise RulesLockError(
                f"the rules changed but RULES_VERSION is still {RULES_VERSION}, the version the "
                "lock records for other rules: bump RULES_VERSION in model/rules/version.py first"
            )
    text = json.dumps({"version": RULES_VERSION, "digest": digest}, indent=2) + "\n"
    path.write_text(text)
    return f"{path}: {RULES_VERSION} {digest}"


def main() -> int:
    try:
        print(write_lock())
    except RulesLockError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
