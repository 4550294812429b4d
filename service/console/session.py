"""Console sessions, held on the server.

Signing in stores a `ui_sessions` row: a random token (only its SHA-256 is stored, as for API
keys), the API key it belongs to, its CSRF token and when it expires. The browser's HTTP-only
cookie carries the token with an HMAC signature under the console secret (`TRIAGE_UI_SECRET`),
a cheap first check before any query. Every console request then finds the session joined with
its API key in one query: an unknown, ended or expired session, or a revoked key, is not
signed in. Signing out ends the row, so a copied cookie stops working at once in every worker
process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from service.access.keys import Principal, hash_key
from service.enums import Role
from service.tables import ApiKey
from service.tables import UiSession as SessionRow

SESSION_COOKIE = "triage_session"
LOGIN_CSRF_COOKIE = "triage_login_csrf"


@dataclass(frozen=True, slots=True)
class UiSession:
    """A live console session as a request sees it (never its token; the row is
    `service.tables.UiSession`)."""

    id: int
    key_id: int
    csrf: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str  # goes into the cookie only; the database holds its hash
    session: UiSession


def _sign(secret: bytes, token: str) -> str:
    return hmac.new(secret, token.encode("utf-8"), hashlib.sha256).hexdigest()


def cookie_value(*, secret: bytes, token: str) -> str:
    """The cookie for a session token: the token and its signature."""
    return f"{token}.{_sign(secret, token)}"


def token_from_cookie(*, secret: bytes, value: str | None) -> str | None:
    """The session token in a cookie, or None if the cookie is missing or not signed by us."""
    if not value or "." not in value:
        return None
    token, signature = value.rsplit(".", 1)
    if not token or not hmac.compare_digest(_sign(secret, token), signature):
        return None
    return token


def start_session(
    *, session: Session, key_id: int, minutes: int, now: datetime | None = None
) -> NewSession:
    """Store a new session for the API key `key_id`, valid for `minutes`."""
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    record = SessionRow(
        token_hash=hash_key(token),
        key_id=key_id,
        csrf=secrets.token_urlsafe(24),
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
        ended_at=None,
    )
    session.add(record)
    session.flush()
    return NewSession(token, UiSession(record.id, key_id, record.csrf, record.expires_at))


def find_session(
    *, session: Session, token: str, now: datetime | None = None
) -> tuple[Principal, UiSession] | None:
    """The live session with this token and its key's principal, in one query; None when the
    session is unknown, ended or expired, or its API key is revoked."""
    now = now or datetime.now(UTC)
    row = session.execute(
        select(SessionRow, ApiKey)
        .join(ApiKey, ApiKey.id == SessionRow.key_id)
        .where(
            SessionRow.token_hash == hash_key(token),
            SessionRow.ended_at.is_(None),
            SessionRow.expires_at > now,
            ApiKey.revoked_at.is_(None),
        )
    ).one_or_none()
    if row is None:
        return None
    record, key = row
    return (
        Principal(key.id, key.name, Role(key.role)),
        UiSession(record.id, record.key_id, record.csrf, record.expires_at),
    )


def end_session(*, session: Session, token: str, now: datetime | None = None) -> bool:
    """End the session with this token; True if a live session was ended."""
    result = cast(
        CursorResult[Any],
        session.execute(
            update(SessionRow)
            .where(SessionRow.token_hash == hash_key(token), SessionRow.ended_at.is_(None))
            .values(ended_at=now or datetime.now(UTC))
        ),
    )
    return result.rowcount > 0


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
