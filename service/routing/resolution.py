"""What resolving an item must record (issue 19, "Resolution that teaches"): the root-cause
taxonomy and which severities need a root cause or a post-escalation review. One field of the
routing policy (`resolution`), validated with the rest of the file."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from model.labels import Severity

# A root cause as the API, the database and the metrics spell it: "third_party".
RootCauseSlug = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", min_length=1, max_length=64)
]

# From issue 19: product defect, process, communication, billing, third party, customer error,
# not actionable.
DEFAULT_ROOT_CAUSES: tuple[str, ...] = (
    "product_defect",
    "process",
    "communication",
    "billing",
    "third_party",
    "customer_error",
    "not_actionable",
)


class ResolutionPolicy(BaseModel):
    """The root causes a resolution may name, and the severities (the item's current one) that
    must give a root cause or a post-escalation review to be resolved."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    root_causes: list[RootCauseSlug] = Field(
        default_factory=lambda: list(DEFAULT_ROOT_CAUSES), min_length=1
    )
    root_cause_required: list[Severity] = Field(
        default_factory=lambda: [Severity.YELLOW, Severity.RED]
    )
    review_required: list[Severity] = Field(default_factory=lambda: [Severity.RED])

    @model_validator(mode="after")
    def _unique(self) -> ResolutionPolicy:
        repeated = sorted({c for c in self.root_causes if self.root_causes.count(c) > 1})
        if repeated:
            raise ValueError(f"root_causes must be unique; repeated: {repeated}")
        return self

    def needs_root_cause(self, severity: str | None) -> bool:
        return severity in {s.value for s in self.root_cause_required}

    def needs_review(self, severity: str | None) -> bool:
        return severity in {s.value for s in self.review_required}
