"""Bodies of the themes API: a theme with its figures, its history, and admins' edits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from service.enums import ActorType, ThemeStatus
from service.inputs import MAX_ID, InputModel, storable

LABEL_MAX_CHARS = 200  # Theme.label
MAX_SPLIT_ITEMS = 10_000


def _label(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be empty or only spaces")
    return stripped


Label = Annotated[
    str,
    Field(min_length=1, max_length=LABEL_MAX_CHARS, description="The theme's name."),
    AfterValidator(storable),
    AfterValidator(_label),
]
Version = Annotated[
    int | None,
    Field(default=None, ge=1, le=MAX_ID, description="The theme's version; a stale one: 409."),
]
ThemeIdValue = Annotated[int, Field(ge=1, le=MAX_ID)]


class TrendPoint(BaseModel):
    period: str = Field(description="First day of the period (UTC), YYYY-MM-DD.")
    count: int


class RepresentativeItem(BaseModel):
    id: int
    text: str


class ThemePublic(BaseModel):
    id: int
    label: str
    label_source: str = Field(description="keywords (from the last fit) or admin (kept).")
    keywords: list[str]
    status: ThemeStatus
    merged_into: int | None
    size: int = Field(description="Items in the theme now.")
    recent: int = Field(description="Items in the trend's periods (the list's sort key).")
    trend: list[TrendPoint]
    categories: dict[str, int]
    severities: dict[str, int]
    sources: dict[str, int]
    accounts: dict[str, int]
    owners: dict[str, int]
    representative_items: list[RepresentativeItem]
    created_at: datetime
    updated_at: datetime
    version: int


class ThemeChangePublic(BaseModel):
    id: int
    created_at: datetime
    kind: str = Field(description="created, relabelled, renamed, merged, split or retired.")
    actor_type: ActorType
    actor: str
    data: dict[str, Any]


class ThemeDetail(ThemePublic):
    history: list[ThemeChangePublic]


class ThemePage(BaseModel):
    items: list[ThemePublic]
    total: int
    limit: int
    offset: int


class RenameIn(InputModel):
    label: Label
    version: Version = None


class MergeIn(InputModel):
    sources: list[ThemeIdValue] = Field(
        min_length=1, max_length=100, description="Themes merged into this one."
    )
    version: Version = None


class SplitIn(InputModel):
    item_ids: list[ThemeIdValue] = Field(
        min_length=1, max_length=MAX_SPLIT_ITEMS, description="Items that form the new theme."
    )
    label: Label
    version: Version = None


class RefitOut(BaseModel):
    items: int
    themes: int
    created: list[int]
    kept: list[int]
    retired: list[int]
    merged: list[int]
    splits: int
    relabelled: int
    moved: int
    unthemed: int
    encoded: int = Field(
        description="Items of the window without a stored vector, encoded by this re-fit."
    )
