"""SQL models of the team that works in Wayline: users, their sessions and one-time sign-in
links, API keys, the audit trail, and requests to publish (DESIGN.md §11, security model).

Secrets are never stored: sessions, sign-in links and API keys are kept as the SHA-256 of the
random token the browser or the caller holds, passwords as Argon2 hashes. The audit trail is
append-only: rows are inserted, and a coalesced row (repeated draft saves) only counts on.
These tables register on `runtime.store.models.Base` (imported at the end of
runtime/store/models.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from runtime.store.models import Base, Id, Json, UTCDateTime, str_enum, utcnow


class Role(StrEnum):
    """What a person may do in the workspace; each role can do everything the one before can."""

    VIEWER = "viewer"        # journeys, stats, masked contact data
    EDITOR = "editor"        # drafts, templates, segments, previews
    PUBLISHER = "publisher"  # publish, pause, resume, archive, send rules
    ADMIN = "admin"          # users, keys, workspace settings, indexed attributes

    @property
    def rank(self) -> int:
        """0 for viewer up to 3 for admin."""
        return list(Role).index(self)

    def can_act_as(self, least: Role) -> bool:
        """True when this role includes `least`."""
        return self.rank >= least.rank


class KeyScope(StrEnum):
    """What an API key may do."""

    INGEST = "ingest"  # customers, events, journey entries, delivery receipts in
    READ = "read"      # what a viewer sees, unmasked contact data included
    MANAGE = "manage"  # what an editor and a publisher do (never users, keys or settings)


class User(Base):
    """A person who signs in: email (the sign-in name), display name, role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(8))  # None: as the browser asks
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class UserSession(Base):
    """A signed-in browser: the hash of its cookie's token, its CSRF token and its expiry."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie token
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # absolute: never extended
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class SignInLink(Base):
    """A one-time sign-in link (first start, a reset): the hash of its token, used at most once."""

    __tablename__ = "sign_in_links"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the link's token
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiKey(Base):
    """A named key for another system, with its scopes; shown once, kept as a hash."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # its first characters, to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(Json, default=list)
    rate_limit: Mapped[int | None] = mapped_column(Integer)  # requests per minute; None: default
    created_by_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """One change and who made it (a user, a key, the system), with what changed."""

    __tablename__ = "audit_events"
    # Each index serves one reader: the page by time, the lockout by email and by address
    # (and coalescing), the page filtered to an object or to an actor, newest first.
    __table_args__ = (
        Index(None, "at"),
        Index(None, "action", "object_id", "at"),
        Index(None, "action", "ip", "at"),
        Index(None, "object_kind", "object_id", "id"),
        Index(None, "actor_kind", "actor_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the last of `count` coalesced
    count: Mapped[int] = mapped_column(Integer, default=1)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    object_kind: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(254))
    object_name: Mapped[str] = mapped_column(String(254), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[Any] = mapped_column(Json, nullable=True)
    after: Mapped[Any] = mapped_column(Json, nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64))


class RequestStatus(StrEnum):
    """Where a request to publish is."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class PublishRequest(Base):
    """An editor's request to publish one revision of a journey's draft, and its decision."""

    __tablename__ = "publish_requests"
    __table_args__ = (Index(None, "journey_id", "status"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    journey_id: Mapped[int] = mapped_column(Id, ForeignKey("journeys.id", ondelete="CASCADE"))
    draft_revision: Mapped[int] = mapped_column(Integer)
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus),
                                                  default=RequestStatus.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("users.id", ondelete="SET NULL"))
    requested_by: Mapped[str] = mapped_column(String(254))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str] = mapped_column(Text, default="")
    version_number: Mapped[int | None] = mapped_column(Integer)
