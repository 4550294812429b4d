"""API keys: create, list, revoke (admin only)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from service.access.keys import create_key, list_keys, revoke_key
from service.access.schemas import KeyCreated, KeyIn, KeyPublic, KeyRevoked
from service.contract import KEYED, NOT_FOUND, WITH_BODY, JsonRoute, KeyId
from service.db import transaction
from service.deps import Admin, RuntimeDep

router = APIRouter(prefix="/v1", tags=["admin"], route_class=JsonRoute, responses=KEYED)


@router.post("/keys", status_code=201, responses=WITH_BODY)
def new_key(body: KeyIn, response: Response, runtime: RuntimeDep, _: Admin) -> KeyCreated:
    """Create an API key; the key is in this response only, sent with `Cache-Control: no-store`."""
    response.headers["Cache-Control"] = "no-store"
    with transaction(runtime.factory) as session:
        created = create_key(session=session, role=body.role, name=body.name)
    return KeyCreated(id=created.id, name=created.name, role=created.role, key=created.key)


@router.get("/keys")
def keys(runtime: RuntimeDep, _: Admin) -> list[KeyPublic]:
    with transaction(runtime.factory) as session:
        return [
            KeyPublic.model_validate(key, from_attributes=True)
            for key in list_keys(session=session)
        ]


@router.delete("/keys/{key_id}", responses=NOT_FOUND)
def revoke(key_id: KeyId, runtime: RuntimeDep, _: Admin) -> KeyRevoked:
    with transaction(runtime.factory) as session:
        record = revoke_key(session=session, key_id=key_id)
        assert record.revoked_at is not None  # revoke_key sets it
        result = KeyRevoked(id=record.id, revoked_at=record.revoked_at)
    runtime.key_cache.clear()  # the revoked key stops working now, not in a few seconds
    return result
