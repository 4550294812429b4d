"""The routing policy: who owns an item, which response rule applies, when it is due.

A JSON file (default: `service/routing/routing_policy.json`; `TRIAGE_ROUTING_POLICY` names another)
validated on load: an invalid policy refuses to load with a message naming the bad entry.
Rules are tried in order and the first whose conditions all hold wins; the last rule must
have no conditions, so every item gets an owner.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.errors import TriageError
from model.labels import AccountTier, Category, FlagFamily, Severity
from service.enums import Owner, ResponseRule

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


class RoutingPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1, max_length=64)
    description: str = ""
    repeat_window_days: int = Field(default=30, gt=0)
    rules: list[RoutingRule] = Field(min_length=1)
    escalation: dict[Owner, Owner]
    escalated_acknowledge_within_minutes: int = Field(gt=0)

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


def _describe(error: Any, data: Any) -> str:
    """`rules[3] ('red-other').owner: Input should be ...` from one pydantic error."""
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
    where = ".".join(parts) or "policy"
    return f"{where}: {error['msg']}"


def parse_policy(data: Any, *, source: str = "policy") -> RoutingPolicy:
    try:
        return RoutingPolicy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(e, data) for e in exc.errors())
        raise PolicyError(f"invalid routing policy {source}: {problems}") from None


def load_policy(path: Path | None = None) -> RoutingPolicy:
    path = path or DEFAULT_POLICY
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"routing policy {path} not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PolicyError(f"routing policy {path} is not readable JSON: {exc}") from None
    return parse_policy(data, source=str(path))
