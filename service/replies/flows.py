"""The reply steps, each in its own transaction: draft for an item, and record a sent reply as
a `reply_sent` event on it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.actors import Actor
from service.clock import utcnow
from service.db import transaction
from service.enums import EventKind, ReplyKind
from service.errors import ConflictError, UnprocessableError
from service.items.intake import record_event
from service.items.views import get_item
from service.replies.drafts import Draft, draft_for, item_context, render, send_refusal
from service.replies.schemas import ReplyIn, ReplyOut
from service.runtime import Runtime
from service.tables import Item


def draft(runtime: Runtime, item_id: int, kind: ReplyKind | None) -> Draft:
    """The item's draft of `kind` (default: the one its response rule calls for)."""
    with transaction(runtime.factory) as session:
        item = get_item(session=session, item_id=item_id)
        context = item_context(session, item, runtime.settings)
        return draft_for(item, kind, runtime.templates, context)


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").strip() == (b or "").strip()


def _edited(runtime: Runtime, session: Session, item: Item, reply: ReplyIn) -> bool:
    """Whether the reply differs from its template's draft for this item (422 for a template
    that is not loaded or is of another kind)."""
    if reply.template is None:
        return True
    template = runtime.templates.named(reply.template)
    if template is None:
        raise UnprocessableError(
            f"no template named {reply.template!r} in templates {runtime.templates.version}; "
            "GET /v1/templates lists them"
        )
    if template.kind is not reply.kind:
        raise UnprocessableError(
            f"template {reply.template!r} writes {template.kind.value}, not {reply.kind.value}"
        )
    context = item_context(session, item, runtime.settings)
    subject, body = render(template, context, item_id=item.id)
    return not (_same(subject, reply.subject) and _same(body, reply.body))


def record_reply(runtime: Runtime, item_id: int, reply: ReplyIn, actor: Actor) -> ReplyOut:
    """Record what was sent as a `reply_sent` event; a public reply on an item held until
    reviewed that is not reviewed yet is refused (409)."""
    with transaction(runtime.factory) as session:
        # Locked: a review in flight decides whether a public reply may go out.
        item = get_item(session=session, item_id=item_id, for_update=True)
        refusal = send_refusal(item, reply.kind)
        if refusal is not None:
            raise ConflictError(refusal)
        edited = _edited(runtime, session, item, reply)
        data = {
            "kind": reply.kind.value,
            "subject": reply.subject,
            "body": reply.body,
            "template": reply.template,
            "template_version": runtime.templates.version if reply.template else None,
            "edited": edited,
            "channel": reply.channel,
        }
        event = record_event(
            item,
            EventKind.REPLY_SENT,
            actor,
            now=utcnow(),
            from_status=item.status,
            to_status=item.status,
            data=data,
        )
        session.flush()
        return ReplyOut.model_validate(
            data
            | {
                "event_id": event.id,
                "item_id": item.id,
                "created_at": event.created_at,
                "actor": event.actor,
                "actor_type": event.actor_type,
            }
        )
