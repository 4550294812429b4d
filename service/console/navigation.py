"""Where the console goes after a change (Post/Redirect/Get): the next item of the queue, in
the queue page's order and filters, or back to the item with a conflict; and the queue
filters, read the same way from an address or from a form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from model.labels import CATEGORIES, SEVERITIES
from service.access.keys import skills_of
from service.console.flash import Flash, set_flash
from service.db import transaction
from service.enums import Owner
from service.items.schemas import Source
from service.items.views import ItemFilters, queue

FILTERS = ("severity", "category", "owner", "source")
# What a reviewer typed or chose in the step forms, kept when a conflict refuses the change.
ATTEMPT_FIELDS = (
    "action",
    "category",
    "severity",
    "note",
    "reason",
    "action_taken",
    "internal_change",
    "root_cause",
    "what_happened",
    "what_failed",
    "prevent_recurrence",
    "flag_note",
    "reply_kind",
    "reply_subject",
    "reply_body",
    "channel",
)


def queue_filters(params: Mapping[str, Any]) -> tuple[ItemFilters, dict[str, str]]:
    """The queue filters in the address (or a form's); a value that is no known label (or no
    storable source) is dropped, as if not chosen."""
    known = {
        "severity": {s.value for s in SEVERITIES},
        "category": {c.value for c in CATEGORIES},
        "owner": {o.value for o in Owner},
    }
    chosen = {name: str(params.get(name) or "") for name in FILTERS}
    for name, values in known.items():
        if chosen[name] not in values:
            chosen[name] = ""
    try:
        source = TypeAdapter(Source).validate_python(chosen["source"])
    except ValidationError:
        source = chosen["source"] = ""
    filters = ItemFilters(
        severity=[chosen["severity"]] if chosen["severity"] else [],
        category=[chosen["category"]] if chosen["category"] else [],
        owner=[chosen["owner"]] if chosen["owner"] else [],
        source=[source] if source else [],
    )
    return filters, {k: v for k, v in chosen.items() if v}


def form_filters(form: Any) -> tuple[ItemFilters, dict[str, str]]:
    """The queue filters a form carries (as q_<name>, apart from its own category/severity)."""
    return queue_filters({name: form.get(f"q_{name}") for name in FILTERS})


def form_position(form: Any) -> int | None:
    position = str(form.get("pos") or "")
    return int(position) if position.isdigit() else None


def onward(
    request: Request,
    item_id: int,
    form: Any,
    *,
    key_id: int,
    leaves_queue: bool,
    after_review: bool,
) -> tuple[str, bool]:
    """Where to go after a step, and whether the queue had nothing left.

    After a review, and after any step taken while working the queue (the form carries the
    item's queue position), the next item of the queue in the queue page's order and filters
    (`item_views.queue`, the filters travel as q_<name>): the item that now sits at the
    reviewed one's position when it left the queue, else the one after it; the top of the
    queue for an item opened on its own. Nothing left: the queue page. A workflow step on an
    item opened on its own stays on the item.
    """
    filters, chosen = form_filters(form)
    position = form_position(form)
    if position is None and not after_review:
        return f"/ui/items/{item_id}", False
    offset = 0 if position is None else position + (0 if leaves_queue else 1)
    with transaction(request.app.state.runtime.factory) as db:
        skills = skills_of(session=db, key_id=key_id)  # the queue page's order is theirs
        rows, _ = queue(session=db, filters=filters, limit=2, offset=offset, skills=skills)
    following = [(offset + i, row.id) for i, row in enumerate(rows) if row.id != item_id]
    if not following:
        return f"/ui/queue?{urlencode(chosen)}", True
    next_position, next_id = following[0]
    return f"/ui/items/{next_id}?{urlencode({'pos': next_position, **chosen})}", False


def done_redirect(
    request: Request,
    item_id: int,
    form: Any,
    step: str,
    *,
    key_id: int,
    leaves_queue: bool,
    after_review: bool,
) -> Response:
    """303 to the next place, with a notice of what was done (and a link back to the item)."""
    target, empty = onward(
        request,
        item_id,
        form,
        key_id=key_id,
        leaves_queue=leaves_queue,
        after_review=after_review,
    )
    response = RedirectResponse(target, status_code=303)
    set_flash(response, request, Flash("done", item_id, step=step, queue_empty=empty))
    return response


def back_to_item(
    request: Request, item_id: int, form: Any, kind: Literal["conflict", "error"], detail: str
) -> Response:
    """303 back to the item's page (never left on the POST address), which shows why the
    change was not saved (a conflict also shows the other decision) and the reviewer's unsaved
    change, so nothing typed is lost."""
    attempt = {name: str(form.get(name)) for name in ATTEMPT_FIELDS if form.get(name)}
    if form.get("flags_sent"):  # the correct form's red-flag boxes, several values
        attempt["flags"] = ", ".join(str(family) for family in form.getlist("flags")) or "none"
    position = form_position(form)
    _, chosen = form_filters(form)
    query = urlencode(({"pos": position} if position is not None else {}) | chosen)
    response = RedirectResponse(
        f"/ui/items/{item_id}" + (f"?{query}" if query else ""), status_code=303
    )
    set_flash(response, request, Flash(kind, item_id, detail=detail, attempt=attempt))
    return response
