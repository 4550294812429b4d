"""The routing policy: who owns an item, which response rule applies, when it is due.

A JSON file (default: `service/routing/routing_policy.json`; `TRIAGE_ROUTING_POLICY` names another)
validated on load: an invalid policy refuses to load with a message naming the bad entry.
Rules are tried in order and the first whose conditions all hold wins; the last rule must
have no conditions, so every item gets an owner.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from string import Formatter
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from core.errors import TriageError
from model.labels import AccountTier, Category, FlagFamily, Severity
from service.enums import IncidentKind, Owner, ResponseRule
from service.routing.resolution import ResolutionPolicy
from service.routing.thresholds import Threshold, unique_names

DEFAULT_POLICY = Path(__file__).resolve().parent / "routing_policy.json"


class PolicyError(TriageError):
    """The routing policy file is unreadable or invalid."""


class Conditions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    category: list[Category] | None = None
    severity: list[Severity] | None = None
    account_tier: list[AccountTier] | None = None
    flags_any: list[FlagFamily] | None = None
    # At least this many service issues from the same account within the repeat window,
    # this one included.
    repeat_at_least: int | None = Field(default=None, ge=2)


class RoutingRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=128)
    when: Conditions
    owner: Owner
    response_rule: ResponseRule
    acknowledge_within_minutes: int = Field(gt=0, le=60 * 24 * 30)


Cosine = Annotated[float, Field(ge=-1.0, le=1.0)]
# The placeholders an incident's status-text template may use (service/incidents/records.py).
STATUS_TEXT_FIELDS = frozenset({"title", "opened_at", "kind", "owner", "count"})
DEFAULT_STATUS_TEXT = (
    "We are aware of an issue: {title}. Our team has been investigating since {opened_at} "
    "and will post an update here as soon as we know more."
)


class DetectorThresholds(BaseModel):
    """The burst detector's thresholds (model/incidents/types.py `BurstConfig`); a field left
    out keeps the library's default. Durations are in minutes or hours, as named."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_minutes: float | None = Field(default=None, gt=0)
    alpha: float | None = Field(default=None, gt=0, lt=1)
    min_count: int | None = Field(default=None, ge=1)
    min_ratio: float | None = Field(default=None, gt=0)
    baseline_half_life_hours: float | None = Field(default=None, gt=0)
    prior_rate_per_hour: float | None = Field(default=None, ge=0)
    prior_hours: float | None = Field(default=None, gt=0)
    peak_factor: float | None = Field(default=None, gt=0)
    warmup_hours: float | None = Field(default=None, ge=0)
    group_threshold: Cosine | None = None
    link_threshold: Cosine | None = None
    link_floor: Cosine | None = None
    link_odds: float | None = Field(default=None, gt=0)
    history_size: int | None = Field(default=None, ge=1)
    history_stride: int | None = Field(default=None, ge=1)
    max_recent: int | None = Field(default=None, ge=1)
    mean_items: int | None = Field(default=None, ge=1)
    idle_close_hours: float | None = Field(default=None, gt=0)
    campaign_min_authors: int | None = Field(default=None, ge=2)
    campaign_threshold: Cosine | None = None
    campaign_categories: list[Category] | None = None
    campaign_category_share: float | None = Field(default=None, ge=0, le=1)
    max_evidence: int | None = Field(default=None, ge=1)


def _default_due_hours() -> dict[IncidentKind, float]:
    return {IncidentKind.BURST: 4.0, IncidentKind.CAMPAIGN: 8.0, IncidentKind.MANUAL: 24.0}


class IncidentPolicy(BaseModel):
    """Incidents (issue 18): the detector's thresholds, how soon an incident's owner must act,
    a campaign's owner, and the customer-facing status text's template."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    detector: DetectorThresholds = DetectorThresholds()
    due_hours: dict[IncidentKind, float] = Field(default_factory=_default_due_hours)
    # DOMAIN.md: a campaign is evidence for the marketing owner.
    campaign_owner: Owner = Owner.MARKETING
    campaign_response_rule: ResponseRule = ResponseRule.EVIDENCE_COLLECTION
    template: str = Field(default=DEFAULT_STATUS_TEXT, min_length=1, max_length=5000)

    @model_validator(mode="after")
    def _check(self) -> IncidentPolicy:
        for kind in IncidentKind:
            hours = self.due_hours.get(kind)
            if hours is None or not 0 < hours <= 24 * 30:
                raise ValueError(f"due_hours needs {kind.value!r} between 0 and 720 hours")
        try:
            used = {name for _, name, _, _ in Formatter().parse(self.template) if name is not None}
        except ValueError as exc:
            raise ValueError(f"template is not a format string: {exc}") from None
        unknown = sorted(used - STATUS_TEXT_FIELDS)
        if unknown:
            raise ValueError(
                f"template uses unknown placeholders {unknown}; known: {sorted(STATUS_TEXT_FIELDS)}"
            )
        return self


class RoutingPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1, max_length=64)
    description: str = ""
    repeat_window_days: int = Field(default=30, gt=0)
    rules: list[RoutingRule] = Field(min_length=1)
    escalation: dict[Owner, Owner]
    escalated_acknowledge_within_minutes: int = Field(gt=0)
    incidents: IncidentPolicy = IncidentPolicy()
    # What resolving an item must record: root causes, review (service/routing/resolution.py).
    resolution: ResolutionPolicy = ResolutionPolicy()
    # Limits on the managers' metrics that raise alerts (service/routing/thresholds.py).
    thresholds: list[Threshold] = Field(default_factory=list)

    @field_validator("thresholds")
    @classmethod
    def _unique_thresholds(cls, thresholds: list[Threshold]) -> list[Threshold]:
        return unique_names(thresholds)

    @model_validator(mode="after")
    def _complete(self) -> RoutingPolicy:
        if self.rules[-1].when != Conditions():
            raise ValueError(
                f"the last rule ({self.rules[-1].name!r}) must have no conditions, so that "
                "every item gets an owner"
            )
        names = [rule.name for rule in self.rules]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"rule names must be unique; repeated: {duplicates}")
        if Owner.LEADERSHIP in self.escalation:
            raise ValueError("leadership is the top: it cannot escalate to anyone")
        for owner in Owner:
            if owner is not Owner.LEADERSHIP and owner not in self.escalation:
                raise ValueError(f"escalation has no next level for owner {owner.value!r}")
        return self

    def next_level(self, owner: Owner) -> Owner | None:
        """Who an overdue item of `owner` goes to; None at the top (leadership)."""
        return self.escalation.get(owner)


@dataclass(frozen=True, slots=True)
class RoutingFacts:
    """What routing looks at for one item."""

    category: str | None
    severity: str | None
    account_tier: str | None
    flags: frozenset[str]
    repeat_count: int  # service issues from this account in the window, this one included


@dataclass(frozen=True, slots=True)
class Route:
    owner: Owner
    response_rule: ResponseRule
    rule: str
    policy_version: str
    due_at: datetime

    def event_data(self) -> dict[str, str]:
        """What a `routed` event records about this decision."""
        return {
            "owner": self.owner.value,
            "response_rule": self.response_rule.value,
            "rule": self.rule,
            "policy_version": self.policy_version,
            "due_at": self.due_at.isoformat(),
        }


def _holds(when: Conditions, facts: RoutingFacts) -> bool:
    if when.category is not None and facts.category not in when.category:
        return False
    if when.severity is not None and facts.severity not in when.severity:
        return False
    if when.account_tier is not None and facts.account_tier not in when.account_tier:
        return False
    if when.flags_any is not None and not facts.flags & {f.value for f in when.flags_any}:
        return False
    return when.repeat_at_least is None or facts.repeat_count >= when.repeat_at_least


def route(policy: RoutingPolicy, facts: RoutingFacts, *, now: datetime) -> Route:
    """The first rule whose conditions hold decides owner, response rule and due time."""
    for rule in policy.rules:
        if _holds(rule.when, facts):
            return Route(
                owner=rule.owner,
                response_rule=rule.response_rule,
                rule=rule.name,
                policy_version=policy.version,
                due_at=now + timedelta(minutes=rule.acknowledge_within_minutes),
            )
    raise AssertionError("the policy's last rule matches everything")  # checked on load


def describe_error(error: Any, data: Any, *, root: str = "policy") -> str:
    """`rules[3] ('red-other').owner: Input should be ...` from one pydantic error (`root`
    names the whole file when the error is no one entry's)."""
    parts: list[str] = []
    node = data
    for step in error["loc"]:
        if isinstance(step, int):
            name = (
                node[step].get("name")
                if isinstance(node, list) and step < len(node) and isinstance(node[step], dict)
                else None
            )
            parts[-1] += f"[{step}]" + (f" ({name!r})" if name else "")
        else:
            parts.append(str(step))
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
    where = ".".join(parts) or root
    return f"{where}: {error['msg']}"


def parse_policy(data: Any, *, source: str = "policy") -> RoutingPolicy:
    try:
        return RoutingPolicy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(describe_error(e, data) for e in exc.errors())
        raise PolicyError(f"invalid routing policy {source}: {problems}") from None


def load_policy(path: Path | None = None) -> RoutingPolicy:
    return load_policy_file(path)[0]


def load_policy_file(path: Path | None = None) -> tuple[RoutingPolicy, str]:
    """The policy in the file at `path` (default: the shipped one) and the SHA-256 (hex) of the
    bytes it was read from, which tells a running service whether the file changed."""
    path = path or DEFAULT_POLICY
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError(f"routing policy {path} not found") from None
    except OSError as exc:
        raise PolicyError(f"routing policy {path} is not readable JSON: {exc}") from None
    digest = hashlib.sha256(raw).hexdigest()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PolicyError(f"routing policy {path} is not readable JSON: {exc}") from None
    return parse_policy(data, source=str(path)), digest
