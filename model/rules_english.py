"""English red-flag phrases added to the tables of `model.rules` for what real feedback says:
implicit security exposure, product injury and physical danger, and the misses of the real
labelled training rows. Same phrase language (`model.rules.compile_phrase`); rules here add
to their family, exceptions veto overlapping hits of the family from any table."""

from __future__ import annotations

from model.rules_base import FamilyRules


def english_families() -> list[FamilyRules]:
    return []
