"""The item page's reply panel: the suggested draft of a chosen kind in an editable form, and
recording what was sent (the same service functions and roles as the API)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from service.access.keys import Principal
from service.console.flash import Flash, set_flash
from service.console.navigation import form_filters, form_position
from service.enums import ReplyKind, ResponseRule
from service.errors import ConflictError, NotFoundError
from service.replies import flows
from service.replies.drafts import TemplateRenderError
from service.replies.schemas import ReplyIn
from service.replies.templates import PRIMARY_KIND
from service.runtime import Runtime

KINDS = [k.value for k in ReplyKind]


def reply_panel(
    runtime: Runtime, item_id: int, response_rule: str, asked: str | None
) -> dict[str, Any]:
    """What the panel shows: the kinds to choose from, the chosen one (default: what the
    response rule calls for), its draft, and why there is none. `blocked`: no reply of this
    kind may be drafted now (an item held until reviewed); otherwise a person may still write
    one from scratch."""
    kind = ReplyKind(asked) if asked in KINDS else PRIMARY_KIND[ResponseRule(response_rule)]
    panel: dict[str, Any] = {
        "kinds": KINDS,
        "kind": kind.value,
        "draft": None,
        "refusal": None,
        "blocked": False,
    }
    try:
        panel["draft"] = flows.draft(runtime, item_id, kind)
    except ConflictError as exc:
        panel |= {"refusal": exc.detail, "blocked": True}
    except (NotFoundError, TemplateRenderError) as exc:
        panel["refusal"] = exc.detail
    return panel


def record_from_form(runtime: Runtime, item_id: int, form: Any, principal: Principal) -> None:
    """Record the reply the form sends; a refused one raises as the API would."""
    reply = ReplyIn(
        kind=str(form.get("reply_kind") or ""),  # type: ignore[arg-type]
        subject=str(form.get("reply_subject") or "") or None,
        body=str(form.get("reply_body") or ""),
        template=str(form.get("template") or "") or None,
        channel=str(form.get("channel") or "") or None,
    )
    flows.record_reply(runtime, item_id, reply, principal.actor)


def recorded(request: Request, item_id: int, form: Any) -> Response:
    """303 back to the item (not on to the next one of the queue), with a notice."""
    position = form_position(form)
    _, chosen = form_filters(form)
    query = urlencode(({"pos": position} if position is not None else {}) | chosen)
    response = RedirectResponse(
        f"/ui/items/{item_id}" + (f"?{query}" if query else "") + "#history", status_code=303
    )
    set_flash(response, request, Flash("done", item_id, step="reply recorded"))
    return response
