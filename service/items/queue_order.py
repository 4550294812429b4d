"""The review queue's order, written once: `GET /v1/queue` (its API description), the console's
queue and the README all follow `SKILLS_ORDER` and `QUEUE_ORDER`, and `queue_order()` is their
SQL form.

Expertise first (issue 19): a reviewer whose key has skills (service/access/skills.py) sees
the items matching them before the others, and each of the two groups keeps `QUEUE_ORDER`; a
key without skills sees `QUEUE_ORDER` alone. An item matches on a red-flag family in its
`flags` (the rules' hits, and the reviewer's once reviewed), its language (`de` matches an
item's `de`, `DE` or `de-AT`) or its category.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, case, cast, func, or_

from model.labels import Severity
from service.access.skills import Skills
from service.tables import Item

SKILLS_ORDER = (
    "Expertise first: a reviewer whose key has skills sees the items that match one of them (a "
    "red-flag family among the item's flags, its language, or its category) before the others; "
    "each group follows the order below. A key without skills sees that order alone."
)
QUEUE_ORDER = (
    "Riskiest first: (1) red items with a red flag (a rule hit or a reviewer's flag), earliest "
    "due first; (2) the other red items, earliest due first; (3) overdue items that are not "
    "red, earliest due first; (4) the rest, least sure first (the lower of the category and "
    "severity confidences), then earliest due. Ties go to the lower id, so paging with "
    "limit/offset neither repeats nor skips an item."
)


def skill_match(skills: Skills) -> ColumnElement[bool] | None:
    """True for the items matching `skills` (None for a key without skills)."""
    matches: list[ColumnElement[bool]] = []
    if skills.categories:
        matches.append(Item.category.in_([c.value for c in skills.categories]))
    if skills.languages:
        language = func.lower(Item.language)
        matches.append(language.in_(skills.languages))
        matches += [language.like(f"{code}-%") for code in skills.languages]
    # `flags` is a JSON list of family names (["fraud", "legal"]) on both databases; a family
    # is a plain word, so its quoted name in the list's text is an exact membership test that
    # SQLite and PostgreSQL read alike.
    matches += [cast(Item.flags, Text).like(f'%"{f.value}"%') for f in skills.flags]
    return or_(*matches) if matches else None


def queue_order(now: datetime, skills: Skills | None = None) -> list[Any]:
    """ORDER BY keys for `SKILLS_ORDER` and `QUEUE_ORDER`, the same on SQLite and PostgreSQL
    (both have json_array_length), so the database sorts and limit/offset pages follow it."""
    match = None if skills is None else skill_match(skills)
    expertise = [] if match is None else [case((match, 0), else_=1)]
    red = Item.severity == Severity.RED.value
    # `flags` holds the rules' families (and the reviewer's once reviewed): non-empty = flagged.
    flagged = func.json_array_length(Item.flags) > 0
    overdue = Item.due_at < now
    group = case((and_(red, flagged), 0), (red, 1), (overdue, 2), else_=3)
    # Confidence only orders the last group; the first three go by due time alone.
    least_sure = case((or_(red, overdue), 0.0), else_=Item.confidence)
    return [*expertise, group, least_sure, Item.due_at, Item.id]
