"""Drafts for one item: the fields a template sees, which template applies, and when an item
may have no draft or no public reply yet.

An item routed with `no_public_reply_until_reviewed` (a red item with a legal, security, fraud
or safety flag, or another red item: "stop; the owners meet and decide", DOMAIN.md) gets no
draft for the author until a reviewer has confirmed or corrected it; its escalation note is
internal and always offered. Once reviewed, its draft is a private holding message, and a
public holding reply may be drafted on request. Recording a sent public reply on such an item
before review is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.settings import Settings
from service.clock import as_utc
from service.enums import ReplyKind, ResponseRule
from service.errors import ConflictError, NotFoundError, ServiceError
from service.replies.templates import PRIMARY_KIND, MatchFacts, ReplyTemplate, ReplyTemplates
from service.tables import Incident, Item

EXCERPT_CHARS = 280


class TemplateRenderError(ServiceError):
    """A template failed on this item although it passed the checks on load (500)."""

    status_code = 500


@dataclass(frozen=True, slots=True)
class Draft:
    template: str
    template_version: str
    kind: ReplyKind
    subject: str | None
    body: str


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The text on one line, cut at a word boundary near `limit` characters, with '…'."""
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def context_for(item: Item, incident: Incident | None, settings: Settings) -> dict[str, Any]:
    """The values of `templates.CONTEXT_FIELDS` for `item` (None where it has none)."""
    return {
        "item_id": item.id,
        "excerpt": excerpt(item.text),
        "source": item.source,
        "external_id": item.external_id,
        "author": item.author,
        "rating": item.rating,
        "language": item.language,
        "category": item.category,
        "severity": item.severity,
        "flags": list(item.flags or []),
        "owner": item.owner,
        "response_rule": item.response_rule,
        "status": item.status,
        "due_at": _when(item.due_at),
        "received_at": _when(item.received_at),
        "theme": item.theme.label if item.theme is not None else None,
        "incident_title": incident.title if incident is not None else None,
        "incident_status": incident.status if incident is not None else None,
        # Only what was published: a draft status text is not for customers yet.
        "incident_status_text": incident.published_text if incident is not None else None,
        "account_id": item.account_id,
        "account_tier": item.account_tier,
        "company_name": settings.reply_company_name,
        "team_name": settings.reply_team_name,
        "contact": settings.reply_contact,
    }


def item_context(session: Session, item: Item, settings: Settings) -> dict[str, Any]:
    incident = session.get(Incident, item.incident_id) if item.incident_id is not None else None
    return context_for(item, incident, settings)


def held_for_review(item: Item) -> bool:
    """No public reply yet: the item waits for a reviewer's confirmation or correction."""
    return (
        item.response_rule == ResponseRule.NO_PUBLIC_REPLY_UNTIL_REVIEWED.value
        and not item.reviewed
    )


def draft_refusal(item: Item, kind: ReplyKind) -> str | None:
    """Why no draft of `kind` may be offered for `item` now, or None."""
    if held_for_review(item) and kind is not ReplyKind.ESCALATION_NOTE:
        return (
            f"item {item.id} is held with no_public_reply_until_reviewed and not reviewed yet: "
            f"no {kind.value} draft until a reviewer confirms or corrects it "
            "(its escalation_note is available)"
        )
    return None


def send_refusal(item: Item, kind: ReplyKind) -> str | None:
    """Why a sent reply of `kind` may not be recorded on `item` now, or None."""
    if held_for_review(item) and kind is ReplyKind.PUBLIC_REPLY:
        return (
            f"item {item.id} is held with no_public_reply_until_reviewed and not reviewed yet: "
            "a public reply needs a reviewer's confirmation or correction first"
        )
    return None


def default_kind(item: Item) -> ReplyKind:
    """The kind of draft the item's response rule calls for."""
    return PRIMARY_KIND[ResponseRule(item.response_rule)]


def render(
    template: ReplyTemplate, context: dict[str, Any], *, item_id: int
) -> tuple[str | None, str]:
    try:
        return template.render(context)
    except Exception as exc:  # a template is code: whatever it raises is the template's fault
        raise TemplateRenderError(
            f"template {template.name!r} failed to render for item {item_id}: {exc}"
        ) from None


def draft_for(
    item: Item, kind: ReplyKind | None, templates: ReplyTemplates, context: dict[str, Any]
) -> Draft:
    """The draft of `kind` (default: the one the item's response rule calls for): 409 when
    the item may have none yet, 404 when no template applies."""
    kind = kind or default_kind(item)
    refusal = draft_refusal(item, kind)
    if refusal is not None:
        raise ConflictError(refusal)
    facts = MatchFacts(item.response_rule, item.category, item.severity)
    template = templates.choose(kind, facts)
    if template is None:
        raise NotFoundError(
            f"no {kind.value} template applies to item {item.id} (response rule "
            f"{item.response_rule}, category {item.category}, severity {item.severity}); "
            "GET /v1/templates lists them"
        )
    subject, body = render(template, context, item_id=item.id)
    return Draft(template.name, templates.version, kind, subject, body)
