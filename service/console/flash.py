"""One-time notices carried across a redirect (Post/Redirect/Get) in a signed cookie.

A POST that changes an item answers 303 and sets the notice; the next console page shows it
and deletes the cookie, so a reload neither repeats the notice nor resubmits the form. The
cookie is signed with the console secret (a notice cannot be forged), HTTP-only, SameSite
Strict, on /ui only, and lives two minutes. It holds no secret: what was done to which item,
or a conflict's message with the reviewer's unsaved change (so nothing typed is lost).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import Response

FLASH_COOKIE = "triage_flash"
MAX_AGE_SECONDS = 120
# Browsers drop cookies over about 4,096 bytes; the encoded notice stays under this.
MAX_COOKIE_BYTES = 3800
SHORTENED = " […]"

Kind = Literal["done", "conflict", "error"]
KINDS: tuple[Kind, ...] = ("done", "conflict", "error")


@dataclass(frozen=True, slots=True)
class Flash:
    """`done`: `step` (reviewed, acknowledged...) happened to `item_id`; `queue_empty` when no
    item was left to go to. `conflict` (someone else changed the item first) or `error` (the
    input was refused): the change to `item_id` was not saved, because of `detail`; `attempt`
    is the reviewer's unsaved change (action, category, severity, note...)."""

    kind: Kind
    item_id: int
    step: str = ""
    queue_empty: bool = False
    detail: str = ""
    attempt: dict[str, str] = field(default_factory=dict)

    @property
    def shortened(self) -> bool:
        return any(text.endswith(SHORTENED) for text in self.attempt.values())


def _sign(secret: bytes, payload: bytes) -> str:
    return hmac.new(secret, b"flash:" + payload, hashlib.sha256).hexdigest()


def _encode(secret: bytes, flash: Flash) -> str:
    # Without the "=" padding, which a cookie value would have to quote.
    payload = base64.urlsafe_b64encode(
        json.dumps(asdict(flash), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    ).rstrip(b"=")
    return f"{payload.decode('ascii')}.{_sign(secret, payload)}"


def encode(secret: bytes, flash: Flash) -> str:
    """The cookie value; texts too long for a cookie are shortened, longest first, and end
    with " […]" so the page can say so."""
    value = _encode(secret, flash)
    attempt = dict(flash.attempt)
    while len(value) > MAX_COOKIE_BYTES and attempt:
        longest = max(attempt, key=lambda name: len(attempt[name]))
        text = attempt[longest].removesuffix(SHORTENED)
        if not text:  # nothing left to cut from the longest: drop it
            del attempt[longest]
            value = _encode(secret, Flash(**(asdict(flash) | {"attempt": attempt})))
            continue
        # base64 of UTF-8 takes at most about 5.4 bytes per character: cut enough at once.
        cut = max(16, (len(value) - MAX_COOKIE_BYTES) // 5 + 1)
        attempt[longest] = text[: max(0, len(text) - cut)] + SHORTENED
        value = _encode(secret, Flash(**(asdict(flash) | {"attempt": attempt})))
    return value


def decode(secret: bytes, value: str | None) -> Flash | None:
    """The notice in a cookie, or None when it is missing, forged or malformed."""
    if not value or "." not in value:
        return None
    payload, signature = value.rsplit(".", 1)
    if not hmac.compare_digest(_sign(secret, payload.encode("ascii", "replace")), signature):
        return None
    try:
        data: dict[str, Any] = json.loads(
            base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        )
        attempt = {str(k): str(v) for k, v in dict(data.get("attempt") or {}).items()}
        kind = next(k for k in KINDS if k == data["kind"])
        return Flash(
            kind=kind,
            item_id=int(data["item_id"]),
            step=str(data.get("step", "")),
            queue_empty=bool(data.get("queue_empty", False)),
            detail=str(data.get("detail", "")),
            attempt=attempt,
        )
    except (ValueError, KeyError, TypeError, StopIteration):
        return None


def set_flash(response: Response, request: Request, flash: Flash) -> None:
    response.set_cookie(
        FLASH_COOKIE,
        encode(request.app.state.ui_secret, flash),
        max_age=MAX_AGE_SECONDS,
        path="/ui",
        secure=request.app.state.runtime.settings.ui_cookie_secure,
        httponly=True,
        samesite="strict",
    )


def take_flash(request: Request) -> Flash | None:
    """The notice this request carries (the caller deletes the cookie with `drop_flash`)."""
    return decode(request.app.state.ui_secret, request.cookies.get(FLASH_COOKIE))


def drop_flash(response: Response, request: Request) -> None:
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(
            FLASH_COOKIE,
            path="/ui",
            secure=request.app.state.runtime.settings.ui_cookie_secure,
            httponly=True,
            samesite="strict",
        )
