"""API keys with roles. Only a key's SHA-256 is stored (keys are 32 random bytes, so a fast
hash is enough); the key itself is shown once, when it is created."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.access.skills import Skills, skills_from_stored
from service.actors import Actor
from service.enums import ActorType, Role
from service.errors import ForbiddenError, NotAuthenticatedError, NotFoundError
from service.tables import ApiKey, UiSession

KEY_PREFIX = "rt_"

# Which roles may do what; admin may do everything.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "read": frozenset({Role.HELPDESK, Role.REVIEWER, Role.ADMIN}),
    "classify": frozenset({Role.HELPDESK, Role.ADMIN}),
    "review": frozenset({Role.REVIEWER, Role.ADMIN}),
    "admin": frozenset({Role.ADMIN}),
}


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: int
    name: str
    role: Role

    @property
    def actor(self) -> Actor:
        return Actor(
            ActorType.HUMAN if self.role is not Role.HELPDESK else ActorType.SYSTEM,
            self.name,
            key_id=self.key_id,
            admin=self.role is Role.ADMIN,
        )


@dataclass(frozen=True, slots=True)
class NewKey:
    id: int
    name: str
    role: Role
    key: str  # shown once


def create_key(
    *,
    session: Session,
    role: Role,
    name: str,
    key: str | None = None,
    skills: Skills | None = None,
) -> NewKey:
    """Store a new key (random unless given, e.g. the bootstrap key) and return it once."""
    key = key or KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(
        name=name,
        role=role.value,
        key_hash=hash_key(key),
        prefix=key[:10],
        created_at=datetime.now(UTC),
        revoked_at=None,
        skills=(skills or Skills()).stored(),
    )
    session.add(record)
    session.flush()
    return NewKey(record.id, name, role, key)


def set_skills(*, session: Session, key_id: int, skills: Skills) -> ApiKey:
    """Replace a key's skills (its queue order follows at the next request)."""
    record = session.get(ApiKey, key_id)
    if record is None:
        raise NotFoundError(f"no API key with id {key_id}")
    record.skills = skills.stored()
    session.flush()
    return record


def skills_of(*, session: Session, key_id: int) -> Skills:
    """A key's skills, read afresh (the key cache would keep an admin's change for seconds)."""
    return skills_from_stored(session.scalar(select(ApiKey.skills).where(ApiKey.id == key_id)))


def revoke_key(*, session: Session, key_id: int) -> ApiKey:
    """Revoke a key and end its console sessions (the session lookup also refuses any session
    of a revoked key; ending them records when)."""
    record = session.get(ApiKey, key_id)
    if record is None:
        raise NotFoundError(f"no API key with id {key_id}")
    if record.revoked_at is None:
        record.revoked_at = datetime.now(UTC)
    session.execute(
        update(UiSession)
        .where(UiSession.key_id == key_id, UiSession.ended_at.is_(None))
        .values(ended_at=record.revoked_at)
    )
    return record


def list_keys(*, session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def seed_bootstrap_key(*, session: Session, key: str) -> bool:
    """Seed `key` as an admin key when the database has no keys at all; True if seeded.

    Hosts starting together on an empty database may all find no keys: the first to commit
    stores the key, and the others' insert of the same key (a unique hash) is undone alone
    (a savepoint), so they start too."""
    if (session.scalar(select(func.count(ApiKey.id))) or 0) > 0:
        return False
    try:
        with session.begin_nested():
            create_key(session=session, role=Role.ADMIN, name="bootstrap-admin", key=key)
    except IntegrityError:
        return False
    return True


def authenticate(*, session: Session, key: str | None) -> Principal:
    if not key:
        raise NotAuthenticatedError(
            "an API key is required: send it as 'Authorization: Bearer KEY' or 'X-API-Key: KEY'"
        )
    record = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
    if record is None or record.revoked_at is not None:
        raise NotAuthenticatedError("the API key is not valid")
    return Principal(record.id, record.name, Role(record.role))


def authorize(principal: Principal, permission: str) -> None:
    if principal.role not in PERMISSIONS[permission]:
        allowed = ", ".join(sorted(r.value for r in PERMISSIONS[permission]))
        raise ForbiddenError(
            f"role {principal.role.value!r} may not do this; it needs one of: {allowed}"
        )
