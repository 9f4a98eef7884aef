"""The principal: who a request or a canvas connection acts for, and what they may do.

Resolved once per request by `server.security.middleware` (from the session cookie, an API key
or nothing) and read by the guard, the controllers (which pass `principal.actor` to services)
and the UI. Never taken from anything the browser says about itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runtime.store.audit import Actor
from runtime.store.team_models import Role

SCOPE_KEY = "wayline.principal"
"""Where the principal sits on the ASGI scope."""


@dataclass(frozen=True)
class Principal:
    """A signed-in user (`role`), a system with a key (`scopes`), or anonymous (neither)."""

    actor: Actor
    role: Role | None = None
    scopes: frozenset[str] = frozenset()
    session_id: str | None = None
    csrf_token: str | None = None
    user_id: int | None = None
    key_id: int | None = None
    rate_limit: int | None = None
    has_password: bool = True
    email: str | None = field(default=None)
    language: str | None = None  # the person's chosen language; None: as the browser asks

    @property
    def is_anonymous(self) -> bool:
        """True when nobody signed in and no key was sent."""
        return self.actor.kind == "anonymous"

    @property
    def is_user(self) -> bool:
        """True for a person signed in with a session."""
        return self.role is not None


def anonymous(ip: str | None = None) -> Principal:
    """Nobody: what a request without a session or a key acts as."""
    return Principal(Actor("anonymous", None, "anonymous", ip))
