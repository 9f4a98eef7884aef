"""API keys: named, scoped, shown once, kept as a hash; plus the two built-in credentials.

A key looks like `wl_<43 random characters>`; its first characters (`prefix`) tell keys apart
in lists. `WAYLINE_API_KEY` (or the key kept under the data dir) stays as the bootstrap ingest
key, and `WAYLINE_RECEIPT_SECRET` lets delivery-report webhooks in and nothing else.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from runtime.store.audit import Actor
from runtime.store.team_models import ApiKey, KeyScope
from server.security.permissions import RECEIPTS
from server.security.principal import Principal
from server.security.sessions import TOUCH_EVERY, token_hash

KEY_PREFIX = "wl_"
"""What every key Wayline makes starts with (so a leaked one is recognisable)."""

SHOWN_PREFIX = 10
"""Characters of a key kept in the clear to tell keys apart."""


def new_key() -> tuple[str, str, str]:
    """A fresh key: (the key, its shown prefix, its hash)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key[:SHOWN_PREFIX], token_hash(key)


def key_principal(wl_reads: Callable[[], AbstractContextManager[Session]],
                  wl_writes: Callable[[], AbstractContextManager[Session]], presented: str,
                  now: datetime, ip: str | None = None) -> Principal | None:
    """The principal of a key Wayline made, or None (unknown or revoked); its last use is
    written at most once a minute."""
    with wl_reads() as db:
        key = db.scalars(select(ApiKey).where(ApiKey.key_hash == token_hash(presented))).first()
        if key is None or key.revoked_at is not None:
            return None
        db.expunge(key)
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        with wl_writes() as db:
            db.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    return Principal(Actor("key", str(key.id), f"key '{key.name}' ({key.prefix}…)", ip),
                     scopes=frozenset(key.scopes), key_id=key.id, rate_limit=key.rate_limit)


def bootstrap_principal(presented: str, bootstrap: str,
                        ip: str | None = None) -> Principal | None:
    """The bootstrap ingest key's principal when `presented` is it (compared in constant time)."""
    if bootstrap and hmac.compare_digest(presented.encode(), bootstrap.encode()):
        return Principal(Actor("key", "bootstrap", "bootstrap key (WAYLINE_API_KEY)", ip),
                         scopes=frozenset({KeyScope.INGEST}))
    return None


def receipt_principal(presented: str, secret: str, ip: str | None = None) -> Principal | None:
    """The receipt secret's principal (delivery reports only) when `presented` is it."""
    if secret and hmac.compare_digest(presented.encode(), secret.encode()):
        return Principal(Actor("key", "receipt-secret", "receipt secret", ip),
                         scopes=frozenset({RECEIPTS}))
    return None
