"""What the team endpoints take and give: sign-in, users, API keys, the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from runtime.store.team_models import KeyScope, Role
from server.schemas.flight import Moves

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, description=(
    "The person's email address: what they sign in with."))]
PersonName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Password = Annotated[str, msgspec.Meta(max_length=256)]
Comment = Annotated[str, msgspec.Meta(max_length=2000)]


class SignInIn(msgspec.Struct, forbid_unknown_fields=True):
    """Email and password."""

    email: Email
    password: Password


class UserOut(msgspec.Struct):
    """A person in the workspace (never their password)."""

    id: int
    email: str
    name: str
    role: Role
    active: bool
    has_password: bool
    last_sign_in_at: datetime | None
    created_at: datetime
    language: str | None = None
    """The language they chose ("ko", "en"); None: as their browser asks."""


class SessionOut(msgspec.Struct):
    """Who is signed in, and the token state-changing requests send as X-CSRF-Token."""

    user: UserOut
    csrf_token: str
    expires_at: datetime


class AccountIn(msgspec.Struct, forbid_unknown_fields=True):
    """A change the signed-in person makes to their own account: the language they read
    Wayline in ("ko", "en"; null: as their browser asks)."""

    language: Literal["ko", "en"] | None = None


class UserCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new person: they sign in the first time with the one-time link the answer carries."""

    email: Email
    name: PersonName
    role: Role = Role.EDITOR


class UserUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """A change to a person: name, role, or `active: false` to disable them (signed out now)."""

    name: PersonName | None = None
    role: Role | None = None
    active: bool | None = None


class SignInLinkOut(msgspec.Struct):
    """A one-time sign-in link for a person (share it with them privately)."""

    user: UserOut
    link: str
    expires_at: datetime


class KeyCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new API key: a name saying what uses it, and what it may do."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    scopes: Annotated[list[KeyScope], msgspec.Meta(min_length=1, max_length=3, description=(
        "ingest: customers, events, journey entries, receipts in; read: what a viewer sees, "
        "contact data unmasked; manage: what editors and publishers do."))]
    rate_limit: Annotated[int, msgspec.Meta(ge=1, le=10_000_000, description=(
        "Requests per minute (default: WAYLINE_KEY_RATE_LIMIT)."))] | None = None


class KeyOut(msgspec.Struct):
    """An API key as lists show it: never the key itself."""

    id: int
    name: str
    prefix: str
    scopes: list[str]
    rate_limit: int | None
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class KeyCreated(msgspec.Struct):
    """A new key, with the key itself: shown this once, kept only as a hash."""

    key: str
    detail: KeyOut


class AuditEventOut(msgspec.Struct):
    """One change, who made it and what changed."""

    id: int
    at: datetime
    last_at: datetime
    count: int
    actor_kind: str
    actor_id: str | None
    actor_name: str
    action: str
    object_kind: str
    object_id: str | None
    object_name: str
    summary: str
    before: Any
    after: Any
    ip: str | None


class AuditPage(msgspec.Struct):
    """A page of the audit trail, newest first; `next_before` continues it."""

    items: list[AuditEventOut]
    next_before: int | None


class WorkspaceSettings(msgspec.Struct, forbid_unknown_fields=True):
    """Settings of the whole workspace an admin changes."""

    approvals_required: Annotated[bool, msgspec.Meta(description=(
        "Every publish needs a publisher's approval of a request (someone else's than the "
        "requester's); nobody publishes directly."))] = False


class PublishRequestIn(msgspec.Struct, forbid_unknown_fields=True):
    """A request to publish the draft as it is now, with a note for the publisher."""

    comment: Comment = ""


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    """A publisher's decision's comment (required to reject)."""

    comment: Comment = ""


class ApproveIn(DecisionIn, forbid_unknown_fields=True):
    """Approving: the comment, and the map for the customers in flight (as
    `POST /api/journeys/{id}/publish` takes it)."""

    moves: Moves | None = None


class PublishRequestOut(msgspec.Struct):
    """A request to publish: which draft revision, by whom, what changed, who it reaches."""

    id: int
    journey_id: int
    journey_name: str
    draft_revision: int
    status: str
    requested_by: str
    requested_at: datetime
    comment: str
    changes: str
    audience: int | None
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_comment: str = ""
    version_number: int | None = None
    current: bool = True
    requested_by_id: int | None = None
    """The requester's user id (None when a key asked, or the person was removed)."""
