"""Thresholds on the managers' metrics (issue 19, "Thresholds that make decisions"): the part of
the routing policy file that says when a metric raises an alert. Evaluated by
service/metrics/thresholds.py; validated on load with the rest of the policy."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ThresholdMetric(StrEnum):
    """The metrics a threshold can watch, each over a trailing window of received items."""

    RED_SHARE = "red_share"  # red items / items received (fraction)
    RESPONSE_P90_MINUTES = "response_p90_minutes"  # p90 of time to acknowledge (minutes)
    RESOLUTION_RATE = "resolution_rate"  # resolution completion rate (fraction)
    THEME_GROWTH = "theme_growth"  # the fastest theme's items this window / the previous one


# The fraction metrics: a limit outside [0, 1] could never be crossed or always would be.
FRACTIONS = frozenset({ThresholdMetric.RED_SHARE, ThresholdMetric.RESOLUTION_RATE})
DEFAULT_WINDOW_HOURS = {
    ThresholdMetric.RED_SHARE: 24.0,
    ThresholdMetric.RESPONSE_P90_MINUTES: 24.0 * 7,
    ThresholdMetric.RESOLUTION_RATE: 24.0 * 30,
    ThresholdMetric.THEME_GROWTH: 24.0 * 7,
}
MAX_WINDOW_HOURS = 24.0 * 366


class Threshold(BaseModel):
    """One limit on one metric: crossing it (`above`: value > limit; `below`: value < limit)
    raises an alert once, until the metric recovers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    metric: ThresholdMetric
    comparison: Literal["above", "below"]
    value: float = Field(ge=0, allow_inf_nan=False)
    # Hours of received items the metric covers; None: the metric's default
    # (DEFAULT_WINDOW_HOURS). theme_growth compares this window with the one before it.
    window_hours: float | None = Field(default=None, gt=0, le=MAX_WINDOW_HOURS)
    # Fewer items than this behind the figure (items received, acknowledged, needing action,
    # or the theme's items this window) mean "no reading": nothing is raised or cleared.
    min_items: int = Field(default=1, ge=1, le=1_000_000)
    description: str = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _in_range(self) -> Threshold:
        if self.metric in FRACTIONS and self.value > 1:
            raise ValueError(
                f"value {self.value:g} is out of range for {self.metric.value}: it is a "
                "fraction between 0 and 1 (0.25 means 25 %)"
            )
        return self

    @property
    def window(self) -> float:
        """The window in hours, the metric's default when not given."""
        return self.window_hours or DEFAULT_WINDOW_HOURS[self.metric]

    def crossed(self, reading: float) -> bool:
        return reading > self.value if self.comparison == "above" else reading < self.value


def unique_names(thresholds: list[Threshold]) -> list[Threshold]:
    """Each threshold keeps its own alert state by name, so names must differ."""
    names = [t.name for t in thresholds]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"threshold names must be unique; repeated: {repeated}")
    return thresholds
