"""The response of GET /v1/metrics, typed: every section `service/metrics/service.py` computes, so
/openapi.json documents each figure and a figure the code forgets to fill fails loudly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.incidents.schemas import IncidentFigures
from service.serving.schemas import AuditSection


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MetricsRange(_Section):
    field: str
    received_from: str | None
    received_to: str | None
    bounds: str


class ResponseTimes(_Section):
    items: int
    acknowledged: int
    waiting: int
    closed_unacknowledged: int
    overdue_now: int
    p50_seconds: float | None
    p90_seconds: float | None


class SeverityResponseTimes(ResponseTimes):
    severity: str | None


class EscalationResponseTime(_Section):
    definition: str
    unit: str
    percentile_method: str
    overall: ResponseTimes
    by_severity: list[SeverityResponseTimes]


class ResolutionCompletion(_Section):
    definition: str
    unit: str
    needing_action: int
    escalated: int
    resolved: int
    dismissed: int
    open: int
    denominator: int
    rate: float | None


class CategoryCount(_Section):
    category: str | None
    items: int
    share: float | None


class SourceCount(_Section):
    source: str | None
    items: int
    share: float | None


class CategorySourceCount(_Section):
    category: str | None
    source: str | None
    items: int
    share: float | None


class RepeatAccount(_Section):
    account_id: str
    category: str
    items: int


class RepeatIssues(_Section):
    definition: str
    unit: str
    items: int
    by_category: list[CategoryCount]
    by_source: list[SourceCount]
    by_category_source: list[CategorySourceCount]
    repeat_accounts: list[RepeatAccount]


class ThemeSourceCount(_Section):
    theme_id: int
    label: str
    source: str | None
    items: int
    share: float | None


class RepeatByTheme(_Section):
    definition: str
    unit: str
    rows: list[ThemeSourceCount]


class RiskBucket(_Section):
    label: str
    start: str
    end: str
    items: int
    red: int
    red_share: float | None


class ReputationRiskTrend(_Section):
    definition: str
    unit: str
    bucket: str
    timezone: str
    zero_filled: bool
    buckets: list[RiskBucket]


class ClassAgreement(_Section):
    proposed: str
    reviews: int
    agreed: int
    rate: float | None


class AgreementRow(_Section):
    model_version: str | None
    head: str
    reviews: int
    agreed: int
    rate: float | None
    by_proposed_class: list[ClassAgreement]


class ModelAgreement(_Section):
    definition: str
    unit: str
    heads: dict[str, str]
    reviewed_items: int
    rows: list[AgreementRow]


class PrecisionRow(_Section):
    items_flagged: int
    reviewed: int
    confirmed_red: int
    precision: float | None


class FamilyPrecision(PrecisionRow):
    family: str


class RulePrecision(_Section):
    definition: str
    unit: str
    families: list[FamilyPrecision]
    any_family: PrecisionRow


class ResolutionTimes(_Section):
    """Time to acknowledge and time to resolution of one group of items, side by side."""

    items: int
    acknowledged: int
    acknowledge_p50_seconds: float | None
    acknowledge_p90_seconds: float | None
    resolved: int
    resolution_p50_seconds: float | None
    resolution_p90_seconds: float | None


class SeverityResolutionTimes(ResolutionTimes):
    severity: str | None


class OwnerResolutionTimes(ResolutionTimes):
    owner: str


class RootCauseCount(_Section):
    root_cause: str
    items: int
    share: float | None = Field(description="items / resolved items with a root cause.")


class RootCauseCategory(_Section):
    root_cause: str
    category: str | None
    items: int


class RootCauseTheme(_Section):
    root_cause: str
    theme_id: int | None = Field(description="Null: the items in no theme.")
    label: str | None
    items: int


class ResolutionFigures(_Section):
    """Resolution that teaches (issue 19): how fast items are resolved next to how fast they
    are acknowledged, and why they happened (service/metrics/resolution.py)."""

    definition: str
    unit: str
    percentile_method: str
    overall: ResolutionTimes
    by_severity: list[SeverityResolutionTimes]
    by_owner: list[OwnerResolutionTimes]
    taxonomy: list[str] = Field(description="The routing policy's root causes.")
    with_root_cause: int = Field(description="Resolved items in range that name a root cause.")
    by_root_cause: list[RootCauseCount]
    by_category: list[RootCauseCategory]
    by_theme: list[RootCauseTheme]


class ItemFigures(_Section):
    """The managers' figures for the items received in the range (service/metrics/service.py)."""

    generated_at: str
    range: MetricsRange
    items: int = Field(description="Items received in the range.")
    escalation_response_time: EscalationResponseTime
    resolution_completion: ResolutionCompletion
    repeat_issues: RepeatIssues
    repeat_by_theme: RepeatByTheme
    reputation_risk_trend: ReputationRiskTrend
    model_agreement: ModelAgreement
    rule_precision: RulePrecision


class MetricsOut(ItemFigures):
    """The managers' figures, the live precision of auto-applied labels (`audit`), the
    incidents opened in the range (`incidents`), and resolution times and root causes
    (`resolution`)."""

    audit: AuditSection
    incidents: IncidentFigures
    resolution: ResolutionFigures


class AlertOut(_Section):
    """One alert raised by a threshold of the routing policy (service/metrics/thresholds.py)."""

    id: int
    threshold: str = Field(description="The threshold's name in the routing policy.")
    metric: str
    comparison: str = Field(description="above | below")
    limit: float = Field(description="The threshold's value when the alert was raised.")
    window_hours: float
    value: float = Field(description="The metric when the alert was raised.")
    details: dict[str, Any] = Field(description="What the figure rests on (counts, the theme).")
    raised_at: datetime
    last_value: float = Field(description="The metric at the latest evaluation while open.")
    checked_at: datetime
    cleared_at: datetime | None = Field(description="When the metric recovered; null: open.")
    cleared_value: float | None = Field(
        description="The metric when it recovered; null while open or when the threshold "
        "was removed from the policy."
    )
    open: bool


class AlertsOut(_Section):
    open: list[AlertOut] = Field(description="Every open alert, newest first.")
    recent: list[AlertOut] = Field(description="The latest alerts, open or cleared, newest first.")
