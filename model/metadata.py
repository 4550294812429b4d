"""How an item's rating and source become features: the one-hot slots that `FeatureBuilder`
and `FastScorer` share. Rating and source are optional: "not given" is a slot of its own."""

from __future__ import annotations

from model.labels import KNOWN_SOURCES
from model.records import FeedbackItem

RATING_SLOTS = 6  # "not given" plus 1..5
SOURCE_SLOTS = len(KNOWN_SOURCES) + 2  # "not given", known channels, "other"
METADATA_SLOTS = RATING_SLOTS + SOURCE_SLOTS
_SOURCE_INDEX = {name: i + 1 for i, name in enumerate(KNOWN_SOURCES)}


def metadata_slots(item: FeedbackItem) -> tuple[int, int]:
    """The item's rating slot and source slot, counted from the first metadata column."""
    source = 0 if item.source is None else _SOURCE_INDEX.get(item.source, SOURCE_SLOTS - 1)
    return item.rating or 0, RATING_SLOTS + source
