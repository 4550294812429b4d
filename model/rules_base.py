"""The shape of a family's rules, shared by the phrase tables (`model.rules` and the modules
it gathers phrases from: `model.rules_english`, `model.rules_multilingual`)."""

from __future__ import annotations

from dataclasses import dataclass

from model.labels import FlagFamily


@dataclass(frozen=True, slots=True)
class FamilyRules:
    """The rules of one family in one language: rule id -> phrases, and phrases that veto
    overlapping hits of the family. `language` (ISO 639-1) is what each hit reports."""

    family: FlagFamily
    rules: dict[str, list[str]]
    exceptions: list[str]
    language: str = "en"
