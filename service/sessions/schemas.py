"""Bodies of the /v1/sessions routes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, model_validator

from model.labels import Category, FlagFamily, Severity
from service.inputs import MAX_ID, InputModel

KeyIdValue = Annotated[int, Field(ge=1, le=MAX_ID)]
ItemIdValue = Annotated[int, Field(ge=1, le=MAX_ID)]
MAX_SESSION_SIZE = 2000


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value.strip()


class Sampling(StrEnum):
    RANDOM = "random"
    # Proportional to the strata of predicted category x confidence band.
    STRATIFIED = "stratified"


class SessionIn(InputModel):
    """Open a session on a sample of stored items, labelled by the named reviewer keys."""

    name: Annotated[str, AfterValidator(_not_blank), Field(max_length=200)]
    size: int = Field(ge=1, le=MAX_SESSION_SIZE, description="Items to sample.")
    sampling: Sampling = Sampling.RANDOM
    reviewer_key_ids: list[KeyIdValue] = Field(
        min_length=2, max_length=50, description="Two or more distinct reviewer or admin keys."
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        le=MAX_ID,
        description="The sampling seed (default: drawn at random); recorded on the session.",
    )

    @model_validator(mode="after")
    def _distinct(self) -> SessionIn:
        if len(set(self.reviewer_key_ids)) != len(self.reviewer_key_ids):
            raise ValueError("reviewer_key_ids must name each key once")
        return self


class LabelIn(InputModel):
    """A reviewer's label of one session item. Flags are red-flag families: only on red."""

    item_id: ItemIdValue
    category: Category
    severity: Severity
    flags: list[FlagFamily] = Field(default_factory=list, max_length=len(FlagFamily))

    @model_validator(mode="after")
    def _flags_only_on_red(self) -> LabelIn:
        if self.flags and self.severity is not Severity.RED:
            raise ValueError("flags are red flags: a label with flags must be red")
        if len(set(self.flags)) != len(self.flags):
            raise ValueError("flags must name each family once")
        return self


class AdjudicationIn(LabelIn):
    """The settled label of one item, with why (admins)."""

    note: Annotated[str | None, Field(max_length=4000)] = None


class ReviewerProgress(BaseModel):
    key_id: int
    name: str
    labelled: int
    finished: bool


class SessionPublic(BaseModel):
    id: int
    name: str
    sampling: Sampling
    size: int
    seed: int = Field(description="The sampling seed: the same seed on the same items draws again.")
    created_at: datetime
    created_by: str
    completed_at: datetime | None
    complete: bool = Field(description="Every reviewer labelled every item.")
    adjudicated: int = Field(description="Items with a settled label.")
    reviewers: list[ReviewerProgress]


class SessionPage(BaseModel):
    sessions: list[SessionPublic]


class SessionItem(BaseModel):
    """An item to label blind: what was written, never what the model or others said."""

    item_id: int
    position: int
    text: str
    source: str | None
    rating: int | None
    account_tier: str | None
    language: str | None
    created_at: datetime | None


class SessionItems(BaseModel):
    session_id: int
    remaining: int
    items: list[SessionItem]


class LabelPublic(BaseModel):
    item_id: int
    reviewer: str
    category: Category
    severity: Severity
    flags: list[FlagFamily]
    created_at: datetime


class ClassAgreement(BaseModel):
    kappa: float | None
    ci: list[float] | None = Field(description="[low, high], 95 % bootstrap interval.")
    support: int = Field(description="Ratings given to this class.")


class HeadAgreementPublic(BaseModel):
    method: str = Field(description="cohen (two reviewers) or fleiss (more).")
    kappa: float | None = Field(description="None when undefined (every rating one class).")
    ci: list[float] | None = Field(description="[low, high], 95 % bootstrap interval over items.")
    observed: float | None = Field(description="Share of agreeing pairs of ratings.")
    items: int
    per_class: dict[str, ClassAgreement] = Field(description="One class against the rest.")


class Agreement(BaseModel):
    category: HeadAgreementPublic
    severity: HeadAgreementPublic
    flags: dict[str, HeadAgreementPublic] = Field(
        description="Per flag family: present against absent."
    )


class ReviewerLabel(BaseModel):
    reviewer: str
    category: Category
    severity: Severity
    flags: list[FlagFamily]


class Proposal(BaseModel):
    category: str | None
    severity: str | None
    confidence: float | None
    flags: list[str]


class Settled(BaseModel):
    category: Category
    severity: Severity
    flags: list[FlagFamily]
    note: str | None
    by: str
    at: datetime


class Disagreement(BaseModel):
    item_id: int
    text: str
    heads: list[str] = Field(description="Where the reviewers differ: category, severity, flags.")
    labels: list[ReviewerLabel]
    proposal: Proposal | None = Field(
        description="The model's proposal when sampled: shown to admins, or once complete."
    )
    adjudication: Settled | None


class Report(BaseModel):
    session_id: int
    complete: bool
    items: int = Field(description="Items in the session.")
    compared: int = Field(description="Items every reviewer labelled (the agreement's base).")
    adjudicated: int
    agreement: Agreement
    disagreements: list[Disagreement]
