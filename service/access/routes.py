"""API keys: create, list, change skills, revoke (admin only)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from service.access.keys import create_key, list_keys, revoke_key, set_skills
from service.access.schemas import KeyCreated, KeyIn, KeyPatch, KeyPublic, KeyRevoked
from service.access.skills import skills_from_stored
from service.contract import KEYED, NOT_FOUND, WITH_BODY, JsonRoute, KeyId
from service.db import transaction
from service.deps import Admin, RuntimeDep

router = APIRouter(prefix="/v1", tags=["admin"], route_class=JsonRoute, responses=KEYED)


@router.post("/keys", status_code=201, responses=WITH_BODY)
def new_key(body: KeyIn, response: Response, runtime: RuntimeDep, _: Admin) -> KeyCreated:
    """Create an API key; the key is in this response only, sent with `Cache-Control: no-store`."""
    response.headers["Cache-Control"] = "no-store"
    with transaction(runtime.factory) as session:
        created = create_key(session=session, role=body.role, name=body.name, skills=body.skills)
    return KeyCreated(
        id=created.id,
        name=created.name,
        role=created.role,
        key=created.key,
        skills=skills_from_stored(body.skills.stored()),
    )


@router.get("/keys")
def keys(runtime: RuntimeDep, _: Admin) -> list[KeyPublic]:
    with transaction(runtime.factory) as session:
        return [
            KeyPublic.model_validate(key, from_attributes=True)
            for key in list_keys(session=session)
        ]


@router.patch("/keys/{key_id}", responses=WITH_BODY | NOT_FOUND)
def change_key(key_id: KeyId, body: KeyPatch, runtime: RuntimeDep, _: Admin) -> KeyPublic:
    """Replace a key's skills (unknown families, languages or categories get 422)."""
    with transaction(runtime.factory) as session:
        record = set_skills(session=session, key_id=key_id, skills=body.skills)
        return KeyPublic.model_validate(record, from_attributes=True)


@router.delete("/keys/{key_id}", responses=NOT_FOUND)
def revoke(key_id: KeyId, runtime: RuntimeDep, _: Admin) -> KeyRevoked:
    with transaction(runtime.factory) as session:
        record = revoke_key(session=session, key_id=key_id)
        assert record.revoked_at is not None  # revoke_key sets it
        result = KeyRevoked(id=record.id, revoked_at=record.revoked_at)
    runtime.key_cache.clear()  # the revoked key stops working now, not in a few seconds
    return result
