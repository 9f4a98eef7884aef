"""/api/users, /api/keys, /api/audit: the team, other systems' keys, and who changed what."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.response import Stream

from builder.validation import Issue
from runtime.errors import InvalidInputError
from server.api.params import ActorDep, WaylineDep
from server.errors import errors
from server.schemas.team import (
    AuditPage,
    KeyCreate,
    KeyCreated,
    KeyOut,
    SignInLinkOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from server.services import audit, keys, users

Filter = Annotated[str | None, QueryParameter(max_length=254)]
RowId = Annotated[int, PathParameter(ge=1, le=2**62, description="The person's or key's id.")]


class UserController(Controller):
    """People: add them (with a one-time sign-in link), change roles, disable, reset."""

    path = "/api/users"
    tags = ["team"]

    @get("/", sync_to_thread=True)
    def index(self, wayline: WaylineDep) -> list[UserOut]:
        """Everyone in the workspace."""
        return users.list_users(wayline)

    @post("/", sync_to_thread=True, responses=errors(409, 422))
    def create(self, wayline: WaylineDep, actor: ActorDep,
               data: JSONBody[UserCreate]) -> SignInLinkOut:
        """Add someone; the answer has the one-time link they sign in with (24 hours)."""
        return users.add_user(wayline, actor, data)

    @patch("/{user_id:int}", sync_to_thread=True, responses=errors(404, 409, 422))
    def update(self, wayline: WaylineDep, actor: ActorDep, user_id: RowId,
               data: JSONBody[UserUpdate]) -> UserOut:
        """Rename, change the role, disable (`active: false`, signed out at once) or enable."""
        return users.update_user(wayline, actor, user_id, data)

    @post("/{user_id:int}/sign-in-link", sync_to_thread=True, status_code=200,
          responses=errors(404, 409, 422))
    def reset(self, wayline: WaylineDep, actor: ActorDep,
              user_id: RowId) -> SignInLinkOut:
        """A one-time link to sign in and set a new password (the old one stops working
        when it is used)."""
        return users.reset_link(wayline, actor, user_id)


class KeyController(Controller):
    """API keys for other systems, scoped: ingest, read, manage."""

    path = "/api/keys"
    tags = ["team"]

    @get("/", sync_to_thread=True)
    def index(self, wayline: WaylineDep) -> list[KeyOut]:
        """Every key, with its scopes and last use (never the key itself)."""
        return keys.list_keys(wayline)

    @post("/", sync_to_thread=True, responses=errors(422))
    def create(self, wayline: WaylineDep, actor: ActorDep,
               data: JSONBody[KeyCreate]) -> KeyCreated:
        """Make a key; the answer shows it this once (Wayline keeps only its hash)."""
        return keys.create_key(wayline, actor, data)

    @delete("/{key_id:int}", sync_to_thread=True, status_code=200,
            responses=errors(404, 409, 422))
    def revoke(self, wayline: WaylineDep, actor: ActorDep, key_id: RowId) -> KeyOut:
        """Revoke a key: requests with it are refused from now on."""
        return keys.revoke_key(wayline, actor, key_id)


class AuditController(Controller):
    """The audit trail: every change and who made it; filters, pages, CSV."""

    path = "/api/audit"
    tags = ["team"]

    @get("/", sync_to_thread=True, responses=errors(422))
    def index(self, wayline: WaylineDep, by: Filter = None, action: Filter = None,
              object_kind: Filter = None, object_id: Filter = None,
              since: FromQuery[datetime | None] = None, until: FromQuery[datetime | None] = None,
              limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
              before: Annotated[int | None, QueryParameter(ge=1, le=2**62)] = None) -> AuditPage:
        """Newest first. `by`: `user:<id>`, `key:<id>` or part of a name; `action`: a prefix
        such as `journey.`; pass `next_before` as `before` for the next page."""
        where = audit.AuditFilter(by, action, object_kind, object_id, _aware(since, "since"),
                                  _aware(until, "until"))
        return audit.list_events(wayline, where, limit, before)

    @get("/export", sync_to_thread=True, media_type="text/csv", responses=errors(422))
    def export(self, wayline: WaylineDep, by: Filter = None, action: Filter = None,
               object_kind: Filter = None, object_id: Filter = None,
               since: FromQuery[datetime | None] = None,
               until: FromQuery[datetime | None] = None) -> Response:
        """The same rows as CSV (every row the filters keep, newest first)."""
        where = audit.AuditFilter(by, action, object_kind, object_id, _aware(since, "since"),
                                  _aware(until, "until"))
        return Stream(audit.export_csv(wayline, where), media_type="text/csv; charset=utf-8",
                      headers={"Content-Disposition": 'attachment; filename="audit.csv"'})


def _aware(moment: datetime | None, name: str) -> datetime | None:
    """A filter's time, which must say its offset (a time alone is ambiguous)."""
    if moment is not None and moment.tzinfo is None:
        message = (f"'{name}' needs an offset, e.g. {moment.isoformat()}+09:00 or "
                   f"{moment.isoformat()}Z")
        raise InvalidInputError(message, [Issue(code="request.invalid", field=name,
                                                   message=message)])
    return moment
