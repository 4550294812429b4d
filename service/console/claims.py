"""The console's Claim and Release buttons on an item page: the same service functions as
`POST`/`DELETE /v1/items/{id}/claim`, then back to the item (its queue position and filters
kept) with a notice. Someone else's live claim comes back as an error naming them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from service.actors import Actor
from service.console.flash import Flash, set_flash
from service.console.navigation import form_filters, form_position
from service.db import transaction
from service.items.claims import claim_item, release_claim
from service.runtime import Runtime

CLAIM_STEPS = ("claim", "release")


def claim_step(
    request: Request, runtime: Runtime, step: str, item_id: int, form: Any, actor: Actor
) -> Response:
    """Claim (or renew) or release the item; raises the service's errors for the caller."""
    with transaction(runtime.factory) as db:
        if step == "claim":
            claim_item(
                session=db, item_id=item_id, actor=actor, minutes=runtime.settings.claim_minutes
            )
            done = "claimed"
        else:
            released = release_claim(session=db, item_id=item_id, actor=actor)
            done = "released" if released else "had no live claim to release"
    position = form_position(form)
    _, chosen = form_filters(form)
    query = urlencode(({"pos": position} if position is not None else {}) | chosen)
    response = RedirectResponse(
        f"/ui/items/{item_id}" + (f"?{query}" if query else ""), status_code=303
    )
    set_flash(response, request, Flash("done", item_id, step=done))
    return response
