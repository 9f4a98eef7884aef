"""API keys: an admin makes one per system that talks to Wayline, scoped to what it does.

The key is shown once, in the answer that makes it; Wayline keeps its hash. Revoking is
immediate: the next request with it is refused.
"""

from __future__ import annotations

from sqlalchemy import select

from runtime.errors import NotFoundError, WrongStateError
from runtime.store.audit import Actor, record
from runtime.store.team_models import ApiKey, User
from server.context import Wayline
from server.schemas.team import KeyCreate, KeyCreated, KeyOut
from server.security.keys import new_key


def key_out(key: ApiKey, created_by: str | None) -> KeyOut:
    """A key as lists show it (never the key itself)."""
    return KeyOut(id=key.id, name=key.name, prefix=key.prefix, scopes=list(key.scopes),
                  rate_limit=key.rate_limit, created_by=created_by, created_at=key.created_at,
                  last_used_at=key.last_used_at, revoked_at=key.revoked_at)


def list_keys(wl: Wayline) -> list[KeyOut]:
    """Every key, live ones first, newest first."""
    with wl.reading() as db:
        rows = db.execute(select(ApiKey, User.email)
                          .outerjoin(User, User.id == ApiKey.created_by_id)
                          .order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())).all()
        return [key_out(key, email) for key, email in rows]


def create_key(wl: Wayline, actor: Actor, data: KeyCreate) -> KeyCreated:
    """A new key with these scopes; the answer is the only time the key is shown."""
    key, prefix, hashed = new_key()
    scopes = sorted({scope.value for scope in data.scopes})
    with wl.writing() as db:
        row = ApiKey(name=data.name.strip(), prefix=prefix, key_hash=hashed, scopes=scopes,
                     rate_limit=data.rate_limit, created_at=wl.now(),
                     created_by_id=int(actor.id) if actor.kind == "user" and actor.id else None)
        db.add(row)
        db.flush()
        record(db, actor, "key.created", object_kind="key", object_id=row.id,
               object_name=row.name, at=wl.now(), after={"scopes": scopes, "prefix": prefix},
               summary=f"made key '{row.name}' ({', '.join(scopes)})")
        creator = db.get(User, row.created_by_id) if row.created_by_id else None
        return KeyCreated(key=key, detail=key_out(row, creator.email if creator else None))


def revoke_key(wl: Wayline, actor: Actor, key_id: int) -> KeyOut:
    """Revoke a key: every request with it is refused from now on."""
    with wl.writing() as db:
        row = db.get(ApiKey, key_id, with_for_update=True)
        if row is None:
            raise NotFoundError("API key", key_id)
        if row.revoked_at is not None:
            raise WrongStateError(f"Key '{row.name}' was already revoked.")
        row.revoked_at = wl.now()
        record(db, actor, "key.revoked", object_kind="key", object_id=row.id,
               object_name=row.name, at=wl.now(), summary=f"revoked key '{row.name}'")
        creator = db.get(User, row.created_by_id) if row.created_by_id else None
        return key_out(row, creator.email if creator else None)


def find_key(wl: Wayline, name_or_id: str) -> KeyOut:
    """A live key by id or name (for the CLI)."""
    with wl.reading() as db:
        query = select(ApiKey).where(ApiKey.revoked_at.is_(None))
        query = query.where(ApiKey.id == int(name_or_id)) if name_or_id.isdigit() else \
            query.where(ApiKey.name == name_or_id)
        rows = db.scalars(query).all()
    if len(rows) != 1:
        raise NotFoundError("live API key" if not rows else "single API key named", name_or_id)
    return key_out(rows[0], None)
