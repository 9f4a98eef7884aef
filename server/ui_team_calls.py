"""The canvas's calls for the team's pages and approvals: people, keys, the audit trail,
workspace settings, and requests to publish (a part of `UiServicesForWayline`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from runtime.store.audit import Actor
from runtime.store.team_models import RequestStatus
from server.context import Wayline
from server.schemas.team import KeyCreate, UserCreate, UserUpdate, WorkspaceSettings
from server.services import approvals, audit, journeys, keys, users, workspace_settings
from server.ui_calls import convert, plain, ui_call

AUDIT_PAGE = 100
"""Audit rows the audit page shows at a time."""


class TeamCalls:
    """Calls about the team and approvals; `wl` and `actor` come from the socket's services."""

    wl: Wayline
    actor: Actor

    def check(self, action: str) -> None:
        """Refuse a call the signed-in person may not make (see UiServicesForWayline)."""
        raise NotImplementedError

    def may(self, action: str) -> bool:
        """True when the signed-in person may do `action` (see UiServicesForWayline)."""
        raise NotImplementedError

    @ui_call
    def list_users(self) -> list[dict[str, Any]]:
        return plain(users.list_users(self.wl))

    @ui_call
    def add_user(self, user: dict[str, Any]) -> dict[str, Any]:
        return plain(users.add_user(self.wl, self.actor, convert(user, UserCreate, "person")))

    @ui_call
    def update_user(self, user_id: int, change: dict[str, Any]) -> dict[str, Any]:
        return plain(users.update_user(self.wl, self.actor, user_id,
                                       convert(change, UserUpdate, "change")))

    @ui_call
    def sign_in_link(self, user_id: int) -> dict[str, Any]:
        return plain(users.reset_link(self.wl, self.actor, user_id))

    @ui_call
    def list_keys(self) -> list[dict[str, Any]]:
        return plain(keys.list_keys(self.wl))

    @ui_call
    def create_key(self, key: dict[str, Any]) -> dict[str, Any]:
        return plain(keys.create_key(self.wl, self.actor, convert(key, KeyCreate, "key")))

    @ui_call
    def revoke_key(self, key_id: int) -> dict[str, Any]:
        return plain(keys.revoke_key(self.wl, self.actor, key_id))

    @ui_call
    def list_audit(self, filters: dict[str, Any], before: int | None) -> dict[str, Any]:
        where = audit.AuditFilter(
            actor=filters.get("actor") or None, action=filters.get("action") or None,
            object_kind=filters.get("object_kind") or None,
            object_id=filters.get("object_id") or None,
            since=_moment(filters.get("since")), until=_moment(filters.get("until")))
        return plain(audit.list_events(self.wl, where, AUDIT_PAGE, before))

    @ui_call
    def get_workspace_settings(self) -> dict[str, Any]:
        return plain(workspace_settings.get_workspace_settings(self.wl))

    @ui_call
    def save_workspace_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        return plain(workspace_settings.update_workspace_settings(
            self.wl, self.actor, convert(settings, WorkspaceSettings, "workspace settings")))

    @ui_call
    def list_versions(self, journey_id: int) -> list[dict[str, Any]]:
        return plain(journeys.list_versions(self.wl, journey_id))

    @ui_call
    def request_publish(self, journey_id: int, comment: str) -> dict[str, Any]:
        return plain(approvals.request_publish(self.wl, self.actor, journey_id, comment))

    @ui_call
    def withdraw_request(self, request_id: int) -> dict[str, Any]:
        return plain(approvals.withdraw(self.wl, self.actor, request_id))

    @ui_call
    def list_requests(self, journey_id: int | None) -> list[dict[str, Any]]:
        return plain(approvals.list_requests(self.wl, RequestStatus.PENDING, journey_id))

    @ui_call
    def get_request(self, request_id: int) -> dict[str, Any]:
        return plain(approvals.get_request(self.wl, request_id, count=self.may("previews")))

    @ui_call
    def approve_request(self, request_id: int, comment: str) -> dict[str, Any]:
        return plain(approvals.approve(self.wl, self.actor, request_id, comment))

    @ui_call
    def reject_request(self, request_id: int, comment: str) -> dict[str, Any]:
        return plain(approvals.reject(self.wl, self.actor, request_id, comment))


def _moment(value: Any) -> datetime | None:
    """A date or time the audit page's filter gives (ISO 8601), or None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.astimezone()
