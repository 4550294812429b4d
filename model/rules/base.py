"""The shapes shared by the rules package: a family's rules (what the family modules write) and
a hit (what the engine reports)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from model.labels import FlagFamily


@dataclass(frozen=True, slots=True)
class FamilyRules:
    """The rules of one family in one language: rule id -> phrases, and phrases that veto
    overlapping hits of the family. `language` (ISO 639-1) is what each hit reports."""

    family: FlagFamily
    rules: dict[str, list[str]]
    exceptions: list[str]
    language: str = "en"


@dataclass(frozen=True, slots=True)
class RedFlagHit:
    """One rule firing on one span of the text (character offsets, end exclusive), and the
    language of the phrase that fired (ISO 639-1)."""

    family: FlagFamily
    rule: str
    text: str
    start: int
    end: int
    language: str = "en"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["family"] = self.family.value
        return data


@dataclass(frozen=True, slots=True)
class Examples:
    """What one rule must match (`match`) and near-misses it must leave alone (`near_miss`:
    lookalikes on which its family must not fire at all).
    `tests/model/rules/test_rules_examples.py` runs every one through the real engine."""

    match: tuple[str, ...]
    near_miss: tuple[str, ...]
