"""The reply templates file: the shipped defaults, validation on load (each problem names its
template), the sandbox, and which template wins for an item."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from service.enums import ReplyKind, ResponseRule
from service.replies.templates import (
    DEFAULT_TEMPLATES,
    FULL_SAMPLE,
    MatchFacts,
    TemplatesError,
    load_templates,
    parse_templates,
)


def defaults() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEFAULT_TEMPLATES.read_text(encoding="utf-8"))
    return data


def with_template(**fields: Any) -> dict[str, Any]:
    """The default file with one more template (a public reply for complaints unless told)."""
    data = defaults()
    template = {
        "name": "extra",
        "kind": "public_reply",
        "when": {"category": ["complaint"]},
        "body": "Hello",
    } | fields
    data["templates"].append(template)
    return data


def refusal(data: Any) -> str:
    with pytest.raises(TemplatesError) as caught:
        parse_templates(data, source="t.json")
    return str(caught.value)


def test_the_shipped_file_loads_with_a_default_for_every_rule_but_the_held_one() -> None:
    templates = load_templates()
    assert templates.version == "replies.v1"
    kinds = {t.kind for t in templates.templates}
    assert kinds == set(ReplyKind)
    for rule, kind in [
        (ResponseRule.PUBLIC_REPLY, ReplyKind.PUBLIC_REPLY),
        (ResponseRule.PRIVATE_OUTREACH, ReplyKind.OUTREACH),
        (ResponseRule.EVIDENCE_COLLECTION, ReplyKind.PUBLIC_REPLY),
    ]:
        # An item of any category and severity under this rule gets a draft.
        chosen = templates.choose(kind, MatchFacts(rule.value, "competitor_claim", "yellow"))
        assert chosen is not None and chosen.when.category is None, rule
    held = MatchFacts(ResponseRule.NO_PUBLIC_REPLY_UNTIL_REVIEWED.value, "complaint", "red")
    assert templates.choose(ReplyKind.OUTREACH, held) is not None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": "Hi {{ author }"}, "templates[13] ('extra').body: Value error, line 1: "),
        ({"body": "{% if author %}Hi"}, "templates[13] ('extra').body: Value error, line 1: "),
        (
            {"subject": "Re: {{ ticket_number }}"},
            "templates[13] ('extra').subject: Value error, unknown fields ['ticket_number']",
        ),
        ({"body": "{{ range(3) }}"}, "unknown fields ['range']"),
        ({"body": "{{ lipsum() }}"}, "unknown fields ['lipsum']"),
        ({"body": "{{ rating + 1 }}"}, "fails to render for an item missing every option"),
        ({"body": "{{ author.nickname }}"}, "fails to render for a full item"),
        ({"kind": "tweet"}, "templates[13] ('extra').kind: Input should be"),
        (
            {"when": {"severity": ["purple"]}},
            "templates[13] ('extra').when.severity[0]: Input should be 'green'",
        ),
        ({"when": {"category": []}}, "when.category: List should have at least 1 item"),
        ({"when": {"rule": "public_reply"}}, "when.rule: Extra inputs are not permitted"),
        ({"body": ""}, "templates[13] ('extra').body: String should have at least 1 character"),
        ({"name": "outreach-default"}, "names must be unique; repeated: ['outreach-default']"),
    ],
)
def test_an_invalid_template_refuses_the_file_naming_it(
    fields: dict[str, Any], message: str
) -> None:
    text = refusal(with_template(**fields))
    assert text.startswith("invalid reply templates t.json: ")
    assert message in text


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ excerpt.__class__.__mro__ }}",
        "{{ flags['__class__'] }}",
        "{{ author._private }}",
    ],
)
def test_private_attributes_are_refused_on_load(source: str) -> None:
    assert "uses private attributes" in refusal(with_template(body=source))


@pytest.mark.parametrize(
    "source",
    [
        "{{ (excerpt|attr('__class__')).__name__ }}",
        "{{ excerpt|attr('__class__') }}",
        "{{ flags.append('x') }}",
        "{{ excerpt.format.__globals__ }}",
    ],
)
def test_the_sandbox_refuses_what_the_static_check_cannot_see(source: str) -> None:
    text = refusal(with_template(body=source))
    assert "fails to render" in text or "uses private attributes" in text
    assert "unsafe" in text or "private" in text


def test_a_rule_without_a_default_refuses_the_file() -> None:
    data = defaults()
    data["templates"] = [t for t in data["templates"] if t["name"] != "evidence-collection-default"]
    text = refusal(data)
    assert "file: Value error, no default public_reply template for response rule " in text
    assert "'evidence_collection'" in text
    # A catch-all of the right kind (no conditions at all) is a default for every rule.
    data["templates"].append({"name": "any", "kind": "public_reply", "body": "Thanks"})
    assert parse_templates(data).named("any") is not None


def test_the_held_rule_needs_no_default() -> None:
    data = defaults()
    data["templates"] = [t for t in data["templates"] if not t["name"].startswith("held-")]
    assert (
        parse_templates(data).choose(
            ReplyKind.OUTREACH, MatchFacts("no_public_reply_until_reviewed", "complaint", "red")
        )
        is None
    )


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(TemplatesError, match="not found"):
        load_templates(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(TemplatesError, match="not readable JSON"):
        load_templates(broken)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(defaults()), encoding="utf-8")
    assert load_templates(good).version == "replies.v1"


def test_the_most_specific_match_wins_and_ties_go_to_the_first() -> None:
    data = defaults()
    body = "{{ category }}"
    data["templates"][:0] = [
        {
            "name": "rule-only",
            "kind": "outreach",
            "when": {"response_rule": "private_outreach"},
            "body": body,
        },
        {"name": "red-any-rule", "kind": "outreach", "when": {"severity": ["red"]}, "body": body},
        {"name": "red-too", "kind": "outreach", "when": {"severity": ["red"]}, "body": body},
        {
            "name": "red-service-issue",
            "kind": "outreach",
            "when": {"category": ["service_issue"], "severity": ["red"]},
            "body": body,
        },
        {
            "name": "all-three",
            "kind": "outreach",
            "when": {
                "response_rule": "private_outreach",
                "category": ["service_issue"],
                "severity": ["red"],
            },
            "body": body,
        },
    ]
    templates = parse_templates(data)

    def chosen(rule: str, category: str | None, severity: str | None) -> str | None:
        found = templates.choose(ReplyKind.OUTREACH, MatchFacts(rule, category, severity))
        return found.name if found else None

    assert chosen("private_outreach", "service_issue", "red") == "all-three"
    assert chosen("public_reply", "service_issue", "red") == "red-service-issue"
    # One condition each: the first in the file wins.
    assert chosen("public_reply", "complaint", "red") == "red-any-rule"
    assert chosen("private_outreach", "complaint", "red") == "rule-only"
    # The file's own outreach-service-issue has two conditions: above rule-only.
    assert chosen("private_outreach", "service_issue", "yellow") == "outreach-service-issue"
    assert chosen("public_reply", "complaint", "green") is None
    assert chosen("public_reply", None, None) is None


def test_rendering_is_plain_text_and_missing_fields_print_as_nothing() -> None:
    data = with_template(
        kind="update_email",
        subject="Re: {{ source }}",
        body="<b>{{ author }}</b>|{{ rating }}|{{ flags|join(',') }}",
    )
    template = parse_templates(data).named("extra")
    assert template is not None
    context = copy.deepcopy(FULL_SAMPLE) | {"author": "<Ann & Bo>", "rating": None, "source": None}
    assert template.render(context) == ("Re:", "<b><Ann & Bo></b>||legal")
