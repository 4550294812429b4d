"""Console sign-in: a signed, HTTP-only session cookie naming the API key (never the key
itself), with a per-session token against cross-site request forgery."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

SESSION_COOKIE = "triage_session"
LOGIN_CSRF_COOKIE = "triage_login_csrf"


@dataclass(frozen=True, slots=True)
class UiSession:
    key_id: int
    csrf: str
    expires: int


def _sign(secret: bytes, payload: bytes) -> str:
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()


def encode(secret: bytes, session: UiSession) -> str:
    payload = base64.urlsafe_b64encode(
        json.dumps({"k": session.key_id, "c": session.csrf, "e": session.expires}).encode()
    )
    return f"{payload.decode()}.{_sign(secret, payload)}"


def decode(secret: bytes, value: str | None, *, now: float | None = None) -> UiSession | None:
    """The session in a cookie, or None if it is missing, forged or expired."""
    if not value or "." not in value:
        return None
    payload, signature = value.rsplit(".", 1)
    if not hmac.compare_digest(_sign(secret, payload.encode()), signature):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
        session = UiSession(int(data["k"]), str(data["c"]), int(data["e"]))
    except (ValueError, KeyError, TypeError):
        return None
    if session.expires < (now if now is not None else time.time()):
        return None
    return session


def new_session(key_id: int, minutes: int) -> UiSession:
    return UiSession(key_id, secrets.token_urlsafe(24), int(time.time()) + 60 * minutes)


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
