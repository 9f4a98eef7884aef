"""The workspace settings an admin changes (today: whether publishing needs an approval),
kept in `workspace_settings` under one key, with every change in the audit trail."""

from __future__ import annotations

import msgspec
from sqlalchemy.orm import Session

from runtime.store.audit import Actor, record
from runtime.store.models import WorkspaceSetting
from server.context import Wayline
from server.schemas.team import WorkspaceSettings

KEY = "workspace"
"""The workspace_settings key these settings are kept under."""


def load_settings(session: Session) -> WorkspaceSettings:
    """The workspace's settings (the defaults until an admin saves some)."""
    row = session.get(WorkspaceSetting, KEY)
    return msgspec.convert(row.value, WorkspaceSettings) if row else WorkspaceSettings()


def approvals_required(session: Session) -> bool:
    """True when every publish goes through an approved request."""
    return load_settings(session).approvals_required


def get_workspace_settings(wl: Wayline) -> WorkspaceSettings:
    """The settings in force."""
    with wl.reading() as session:
        return load_settings(session)


def update_workspace_settings(wl: Wayline, actor: Actor,
                              data: WorkspaceSettings) -> WorkspaceSettings:
    """Replace the settings; the change (before and after) goes in the audit trail."""
    with wl.writing() as session:
        before = msgspec.to_builtins(load_settings(session))
        after = msgspec.to_builtins(data)
        row = session.get(WorkspaceSetting, KEY)
        if row is None:
            session.add(WorkspaceSetting(key=KEY, value=after, updated_at=wl.now()))
        else:
            row.value, row.updated_at = after, wl.now()
        if before != after:
            record(session, actor, "workspace.settings_changed", object_kind="workspace",
                   object_id=KEY, object_name="Workspace settings", at=wl.now(),
                   before=before, after=after)
    return data
