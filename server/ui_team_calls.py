"""The canvas's calls for the team's pages and approvals: people, keys, the audit trail,
workspace settings, and requests to publish (a part of `server.ui_services.CALLS`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from builder.ui.services import Json
from runtime.store.team_models import RequestStatus
from server.schemas.team import ApproveIn, KeyCreate, UserCreate, UserUpdate, WorkspaceSettings
from server.services import approvals, audit, journeys, keys, users, workspace_settings
from server.ui_calls import Acting, Call, Do, Entry, convert, plain

AUDIT_PAGE = 100
"""Audit rows the audit page shows at a time."""


def _list_audit(me: Acting, filters: Json, before: int | None) -> Json:
    where = audit.AuditFilter(
        actor=filters.get("actor") or None, action=filters.get("action") or None,
        object_kind=filters.get("object_kind") or None,
        object_id=filters.get("object_id") or None,
        since=_moment(filters.get("since")), until=_moment(filters.get("until")))
    return plain(audit.list_events(me.wl, where, AUDIT_PAGE, before))


def _approve_request(me: Acting, request_id: int, comment: str,
                     moves: Json | None = None) -> Json:
    decision = convert({"comment": comment, "moves": moves}, ApproveIn, "approval")
    return plain(approvals.approve(me.wl, me.actor, request_id, decision.comment,
                                   decision.moves))


def _list_requests(me: Acting, journey_id: int | None) -> list[Json]:
    return plain(approvals.list_requests(me.wl, RequestStatus.PENDING, journey_id))


def _get_request(me: Acting, request_id: int) -> Json:
    return plain(approvals.get_request(me.wl, request_id, count=me.may("previews")))


TEAM_CALLS: dict[str, Entry] = {
    "list_users": Call(users.list_users),
    "add_user": Call(users.add_user, acts=True, data=UserCreate, what="person"),
    "update_user": Call(users.update_user, acts=True, data=UserUpdate, what="change"),
    "sign_in_link": Call(users.reset_link, acts=True),
    "list_keys": Call(keys.list_keys),
    "create_key": Call(keys.create_key, acts=True, data=KeyCreate, what="key"),
    "revoke_key": Call(keys.revoke_key, acts=True),
    "list_audit": Do(_list_audit),
    "get_workspace_settings": Call(workspace_settings.get_workspace_settings),
    "save_workspace_settings": Call(workspace_settings.update_workspace_settings, acts=True,
                                    data=WorkspaceSettings, what="workspace settings"),
    "list_versions": Call(journeys.list_versions),
    "request_publish": Call(approvals.request_publish, acts=True),
    "withdraw_request": Call(approvals.withdraw, acts=True),
    "list_requests": Do(_list_requests),
    "get_request": Do(_get_request),
    "approve_request": Do(_approve_request),
    "reject_request": Call(approvals.reject, acts=True),
}
"""The team's and approvals' canvas calls → how the server answers them (see
`server.ui_services.CALLS`, which includes them)."""


def _moment(value: Any) -> datetime | None:
    """A date or time the audit page's filter gives (ISO 8601), or None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.astimezone()
