"""Reply and update templates: what the team writes to an item's author, account or owner.

A JSON file (default: `service/replies/reply_templates.json`; `TRIAGE_REPLY_TEMPLATES` names
another) with a version and a list of templates, validated on load like the routing policy: an
invalid file refuses to load with a message naming the bad template. Each template has a kind,
match conditions, an optional subject and a body in Jinja2, rendered in a sandbox with only the
fields of `CONTEXT_FIELDS`. For one item and kind, the matching template with the most
conditions wins; among equals, the first in the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, nodes
from jinja2.meta import find_undeclared_variables
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from core.errors import TriageError
from model.labels import Category, Severity
from service.enums import ReplyKind, ResponseRule
from service.routing.policy import describe_error

DEFAULT_TEMPLATES = Path(__file__).resolve().parent / "reply_templates.json"

# What a template may use: every name is always present (None when the item lacks it).
CONTEXT_FIELDS: dict[str, str] = {
    "item_id": "the item's id",
    "excerpt": "the feedback text, whitespace collapsed, cut at 280 characters with '…'",
    "source": "the channel (g2, trustpilot, email...), or None",
    "external_id": "the item's id on its channel, or None",
    "author": "who wrote it, or None",
    "rating": "the rating 1-5, or None",
    "language": "the language code given with it, or None",
    "category": "the current category, or None (no model)",
    "severity": "green, yellow or red, or None (no model)",
    "flags": "the red-flag families in force (a list, empty unless red)",
    "owner": "the owner function (marketing, support, sales, operations, leadership)",
    "response_rule": "the response rule routing chose",
    "status": "the item's status",
    "due_at": "when the owner must acknowledge it, as '2026-12-06 14:00 UTC'",
    "received_at": "when the service received it, as '2026-12-06 12:00 UTC'",
    "theme": "the recurring theme's label, or None",
    "incident_title": "the linked incident's title, or None",
    "incident_status": "the linked incident's status (open, monitoring, resolved), or None",
    "incident_status_text": "the incident's published status text, or None until published",
    "account_id": "the account's id, or None",
    "account_tier": "strategic, enterprise, smb or unknown, or None",
    "company_name": "TRIAGE_REPLY_COMPANY_NAME (may be empty)",
    "team_name": "TRIAGE_REPLY_TEAM_NAME",
    "contact": "TRIAGE_REPLY_CONTACT: where authors reach the team privately (may be empty)",
}

# Every template is tried on these at load, so a template that fails on a missing field (None)
# or on a full item is refused before the service starts.
FULL_SAMPLE: dict[str, Any] = {
    "item_id": 42,
    "excerpt": "The export has been failing since Monday's update.",
    "source": "g2",
    "external_id": "g2-123",
    "author": "Dana",
    "rating": 2,
    "language": "en",
    "category": "service_issue",
    "severity": "red",
    "flags": ["legal"],
    "owner": "support",
    "response_rule": "private_outreach",
    "status": "routed",
    "due_at": "2026-12-06 14:00 UTC",
    "received_at": "2026-12-06 12:00 UTC",
    "theme": "export failures",
    "incident_title": "Exports failing",
    "incident_status": "open",
    "incident_status_text": "We are aware of an issue: Exports failing.",
    "account_id": "acct-7",
    "account_tier": "enterprise",
    "company_name": "Example Ltd",
    "team_name": "The customer team",
    "contact": "care@example.com",
}
SPARSE_SAMPLE: dict[str, Any] = {name: None for name in CONTEXT_FIELDS} | {
    "item_id": 1,
    "excerpt": "Hi",
    "flags": [],
    "owner": "marketing",
    "response_rule": "public_reply",
    "status": "new",
    "due_at": "2026-12-06 14:00 UTC",
    "received_at": "2026-12-06 12:00 UTC",
    "company_name": "",
    "team_name": "",
    "contact": "",
}

# The kind of the draft an item's response rule calls for (GET /v1/items/{id}/draft without a
# kind). Evidence collection (misinformation, competitor claims) answers in public with a
# holding reply that asks for details while the team checks the facts; an item held with
# `no_public_reply_until_reviewed` gets, once reviewed, a private holding message.
PRIMARY_KIND: dict[ResponseRule, ReplyKind] = {
    ResponseRule.PUBLIC_REPLY: ReplyKind.PUBLIC_REPLY,
    ResponseRule.PRIVATE_OUTREACH: ReplyKind.OUTREACH,
    ResponseRule.EVIDENCE_COLLECTION: ReplyKind.PUBLIC_REPLY,
    ResponseRule.NO_PUBLIC_REPLY_UNTIL_REVIEWED: ReplyKind.OUTREACH,
}
# Response rules that need a catch-all template of their primary kind; the held one has no
# draft before review and need not have one after.
RULES_WITH_DEFAULT = tuple(
    r for r in ResponseRule if r is not ResponseRule.NO_PUBLIC_REPLY_UNTIL_REVIEWED
)


class TemplatesError(TriageError):
    """The reply templates file is unreadable or invalid."""


def _environment() -> ImmutableSandboxedEnvironment:
    """Plain text out (no HTML escaping: replies are not web pages), every name checked
    (StrictUndefined), Python internals out of reach (the sandbox refuses `__class__` and the
    like, and methods that change a value), no globals (lipsum, range...)."""
    env = ImmutableSandboxedEnvironment(
        autoescape=False,
        undefined=StrictUndefined,
        # A missing field (None) prints as nothing, not "None".
        finalize=lambda value: "" if value is None else value,
    )
    env.globals.clear()
    return env


ENV = _environment()


def _private_names(tree: nodes.Template) -> list[str]:
    """Attribute and key names starting with `_`: the sandbox refuses them when rendered;
    refusing them at load says so before the service starts."""
    found = [node.attr for node in tree.find_all(nodes.Getattr) if node.attr.startswith("_")]
    for node in tree.find_all(nodes.Getitem):
        if isinstance(node.arg, nodes.Const) and str(node.arg.value).startswith("_"):
            found.append(str(node.arg.value))
    return sorted(set(found))


def check_source(source: str) -> Template:
    """The compiled template, or ValueError saying what is wrong: a syntax error (with its
    line), an unknown field, an underscore attribute, or a failure on the sample items."""
    try:
        tree = ENV.parse(source)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise ValueError(f"{'line ' + str(line) + ': ' if line else ''}{exc}") from None
    unknown = sorted(find_undeclared_variables(tree) - CONTEXT_FIELDS.keys())
    if unknown:
        raise ValueError(f"unknown fields {unknown}; known: {sorted(CONTEXT_FIELDS)}")
    private = _private_names(tree)
    if private:
        raise ValueError(f"uses private attributes {private}: the sandbox refuses them")
    compiled = ENV.from_string(source)
    for label, sample in (
        ("a full item", FULL_SAMPLE),
        ("an item missing every option", SPARSE_SAMPLE),
    ):
        try:
            compiled.render(sample)
        except Exception as exc:  # a template is code: anything it raises refuses the file
            raise ValueError(f"fails to render for {label}: {exc}") from None
    return compiled


class Match(BaseModel):
    """When a template applies: every condition given must hold; none given matches all."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    response_rule: ResponseRule | None = None
    category: list[Category] | None = Field(default=None, min_length=1)
    severity: list[Severity] | None = Field(default=None, min_length=1)

    @property
    def specificity(self) -> int:
        """How many conditions it sets: the most specific matching template wins."""
        return sum(c is not None for c in (self.response_rule, self.category, self.severity))

    def holds(self, facts: MatchFacts) -> bool:
        if self.response_rule is not None and facts.response_rule != self.response_rule.value:
            return False
        if self.category is not None and facts.category not in self.category:
            return False
        return self.severity is None or facts.severity in self.severity


@dataclass(frozen=True, slots=True)
class MatchFacts:
    """What template matching looks at for one item."""

    response_rule: str
    category: str | None
    severity: str | None


class ReplyTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=128)
    kind: ReplyKind
    when: Match = Match()
    subject: str | None = Field(default=None, min_length=1, max_length=1000)
    body: str = Field(min_length=1, max_length=20_000)

    _subject: Template | None = PrivateAttr(default=None)
    _body: Template | None = PrivateAttr(default=None)

    @field_validator("subject", "body")
    @classmethod
    def _valid_jinja(cls, source: str | None) -> str | None:
        if source is not None:
            check_source(source)
        return source

    @model_validator(mode="after")
    def _compile(self) -> ReplyTemplate:
        self._subject = ENV.from_string(self.subject) if self.subject is not None else None
        self._body = ENV.from_string(self.body)
        return self

    def render(self, context: Mapping[str, Any]) -> tuple[str | None, str]:
        """(subject, body) for `context`, each stripped. Raises what the template raises."""
        assert self._body is not None  # set by _compile
        subject = self._subject.render(context).strip() if self._subject is not None else None
        return subject or None, self._body.render(context).strip()


class ReplyTemplates(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1, max_length=64)
    description: str = ""
    templates: list[ReplyTemplate] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> ReplyTemplates:
        names = [t.name for t in self.templates]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"template names must be unique; repeated: {duplicates}")
        for rule in RULES_WITH_DEFAULT:
            kind = PRIMARY_KIND[rule]
            if not any(
                t.kind is kind
                and t.when.response_rule in (None, rule)
                and t.when.category is None
                and t.when.severity is None
                for t in self.templates
            ):
                raise ValueError(
                    f"no default {kind.value} template for response rule {rule.value!r}: add "
                    "one whose `when` names at most that response rule, so every such item "
                    "gets a draft"
                )
        return self

    def named(self, name: str) -> ReplyTemplate | None:
        return next((t for t in self.templates if t.name == name), None)

    def choose(self, kind: ReplyKind, facts: MatchFacts) -> ReplyTemplate | None:
        """The matching template of `kind` with the most conditions; the first among equals."""
        best: ReplyTemplate | None = None
        for template in self.templates:
            if template.kind is not kind or not template.when.holds(facts):
                continue
            if best is None or template.when.specificity > best.when.specificity:
                best = template
        return best


def parse_templates(data: Any, *, source: str = "templates") -> ReplyTemplates:
    try:
        return ReplyTemplates.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(describe_error(e, data, root="file") for e in exc.errors())
        raise TemplatesError(f"invalid reply templates {source}: {problems}") from None


def load_templates(path: Path | None = None) -> ReplyTemplates:
    path = path or DEFAULT_TEMPLATES
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplatesError(f"reply templates {path} not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TemplatesError(f"reply templates {path} are not readable JSON: {exc}") from None
    return parse_templates(data, source=str(path))
