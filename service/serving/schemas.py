"""Bodies of the /v1/model routes: the served model's state, its loads, and the audit sample and
auto-apply switches (service/serving/audit.py)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool, ValidationInfo, field_validator

from model.labels import HEAD_LABELS
from service.enums import ActorType
from service.inputs import LABELS, InputModel


class Head(StrEnum):
    CATEGORY = "category"
    SEVERITY = "severity"


class AutoApplyIn(InputModel):
    """Switch auto-apply of one class of the served model version on or off."""

    head: Head
    label: str = Field(
        min_length=1,
        max_length=32,
        description="A label of that head.",
        json_schema_extra={"enum": list(LABELS)},
    )
    enabled: StrictBool
    reason: str | None = Field(default=None, max_length=2000, description="Why (recorded).")

    @field_validator("label")
    @classmethod
    def _known_label(cls, value: str, info: ValidationInfo) -> str:
        head = info.data.get("head")
        if head is not None and value not in HEAD_LABELS[head.value]:
            known = ", ".join(HEAD_LABELS[head.value])
            raise ValueError(f"{value!r} is not a {head.value} label (one of {known})")
        return value


class AuditClass(BaseModel):
    """The audits of one proposed class of one head."""

    head: Head
    label: str = Field(json_schema_extra={"enum": list(LABELS)})
    audited: int = Field(description="Audit samples proposing this label.")
    reviewed: int = Field(description="Of them, reviewed by a human (n).")
    correct: int = Field(description="Reviews that kept the proposed label.")
    precision: float | None = Field(description="correct / reviewed; null without reviews.")
    ci_low: float | None = Field(description="Two-sided 95 % exact interval, low end.")
    ci_high: float | None = Field(description="Two-sided 95 % exact interval, high end.")
    lower_bound: float | None = Field(description="One-sided 95 % exact lower bound.")
    upper_bound: float | None = Field(description="One-sided 95 % exact upper bound.")
    target: float | None
    enabled: bool = Field(description="Whether the model may auto-apply this class now.")
    changed_at: datetime | None
    changed_by: str | None
    change_reason: str | None


class AuditSection(BaseModel):
    """Live precision of auto-applied labels, from reviewers' verdicts on audit samples."""

    definition: str
    model_version: str | None = Field(description="The served model version (the scope).")
    share: float = Field(description="TRIAGE_AUDIT_SHARE.")
    target: float | None = Field(description="The model's target precision.")
    min_reviews: int = Field(description="TRIAGE_AUDIT_MIN_REVIEWS.")
    switch_off_bound: Literal["lower", "upper"] = Field(
        description="TRIAGE_AUDIT_SWITCH_OFF_BOUND: lower or upper."
    )
    confidence: float
    classes: list[AuditClass]


class AutoApplyChange(BaseModel):
    """One change of a class's auto-apply switch."""

    id: int
    model_version: str
    head: Head
    label: str = Field(json_schema_extra={"enum": list(LABELS)})
    enabled: bool
    changed_at: datetime
    actor_type: ActorType
    changed_by: str
    reason: str
    item_id: int | None = Field(description="The reviewed item that switched it (automatic).")
    data: dict[str, Any]


class AutoApplyState(BaseModel):
    model_version: str | None
    switched_off: list[str] = Field(description="'head:label' of each class switched off.")
    audit: AuditSection
    history: list[AutoApplyChange] = Field(description="Switch changes, newest first (50).")


# ---- the served model ---------------------------------------------------------------------


class TrainingDataPublic(BaseModel):
    name: str
    rows: int


class ModelStatePublic(BaseModel):
    """The model one service process serves (ModelState.describe)."""

    loaded: bool = Field(description="False while the rules alone decide (no model loaded).")
    source: str = Field(description="champion, file or none.")
    location: str | None
    registry_version: str | None = Field(description="The registry version behind @champion.")
    model_version: str | None
    rules_version: str
    created_at: str | None
    family: str | None
    thresholds: dict[str, Any] | None  # the manifest's thresholds, as the artifact stores them
    training_data: TrainingDataPublic | None
    loaded_at: str
    loaded_because: str = Field(description="start-up, admin reload, champion moved, ...")
    error: str | None


class ModelLoad(BaseModel):
    """One load of the model in this process: when, why, what came of it."""

    loaded_at: str
    because: str
    model: str = Field(description="Which model from where, in words (or why none).")
    error: str | None


class ModelInfo(ModelStatePublic):
    auto_apply: AutoApplyState
    loads: list[ModelLoad] = Field(description="This process's recent loads, oldest first.")


class ModelReloaded(ModelStatePublic):
    restarting_workers: bool = Field(
        description="True when the other worker processes are being replaced one by one."
    )
