"""The label vocabularies of DOMAIN.md, in one place, in a fixed order.

The order of `CATEGORIES` and `SEVERITIES` is the column order of every probability matrix.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """What kind of feedback an item is (exactly one)."""

    REVIEW = "review"
    COMPLAINT = "complaint"
    SERVICE_ISSUE = "service_issue"
    SUPPORT_REQUEST = "support_request"
    MISINFORMATION = "misinformation"
    COMPETITOR_CLAIM = "competitor_claim"


class Severity(StrEnum):
    """Traffic-light flag: green responds freely, yellow with care, red stops for the owners."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.GREEN: 0, Severity.YELLOW: 1, Severity.RED: 2}


def higher_severity(first: Severity, second: Severity) -> Severity:
    """The more severe of two flags; rules use it so they can only raise severity."""
    return first if first.rank >= second.rank else second


class FlagFamily(StrEnum):
    """Families of hard-coded red-flag rules."""

    LEGAL = "legal"
    SECURITY = "security"
    FRAUD = "fraud"
    SAFETY = "safety"


class Decision(StrEnum):
    """What happens to a classified item."""

    AUTO_APPLIED = "auto_applied"
    NEEDS_REVIEW = "needs_review"
    RULE_FORCED = "rule_forced"


class AccountTier(StrEnum):
    STRATEGIC = "strategic"
    ENTERPRISE = "enterprise"
    SMB = "smb"
    UNKNOWN = "unknown"


CATEGORIES: tuple[Category, ...] = tuple(Category)
SEVERITIES: tuple[Severity, ...] = tuple(Severity)

# The classifier's two heads and the column order of each head's probabilities.
HEADS = ("category", "severity")
HEAD_LABELS: dict[str, tuple[str, ...]] = {
    "category": tuple(c.value for c in CATEGORIES),
    "severity": tuple(s.value for s in SEVERITIES),
}
FLAG_FAMILIES: tuple[FlagFamily, ...] = tuple(FlagFamily)

# Channels the classifier knows by name; any other source is still accepted and counted as "other".
KNOWN_SOURCES: tuple[str, ...] = (
    "g2",
    "capterra",
    "trustpilot",
    "google",
    "app_store",
    "play_store",
    "twitter",
    "linkedin",
    "reddit",
    "facebook",
    "email",
    "support_ticket",
    "survey",
    "forum",
    "directory",
    "news_comment",
)
