"""Pinned content: a published version sends its templates as they were when it was published.

Publishing copies every template the version's steps name (found through the reference
registry, `runtime.store.references`, so no node kind is named here) into the version's
`contents`: by template id (a string, as JSON keys are), its version, channel, name, subject,
source and options. The batch renders a run's sends from its version's copy
(`pinned_templates`), so saving a template changes nothing for customers already in flight until
the journey is published again, or its content is updated in flight (`pin` again).

A version published before content was pinned has no copy (None), and a copy may lack a
template (it was named by no step then): those sends render the current template, as before.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nodes import Registry
from runtime.store.models import JourneyVersion, Template
from runtime.store.references import document_refs
from runtime.store.references.template import REFERENCE as TEMPLATES


@dataclass(frozen=True)
class TemplateCopy:
    """A template detached from its session, as a version pinned it or as a simulation read it
    (what rendering needs, `TemplateLike`)."""

    id: int
    version: int
    channel: str
    name: str
    subject: str | None
    source: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ContentChange:
    """A template saved since a version pinned it: the version it pinned, and the current."""

    id: int
    name: str
    channel: str
    pinned_version: int
    current_version: int


def template_ids(document: Any, registry: Registry) -> set[int]:
    """The ids of the templates a journey document's steps name."""
    return {ref.id for _, _, ref in document_refs(document, registry)
            if ref.kind == TEMPLATES.key and isinstance(ref.id, int)}


def snapshot(session: Session, ids: Collection[int]) -> dict[str, dict[str, Any]]:
    """The current content of these templates, as a version's `contents` keeps it."""
    if not ids:
        return {}
    rows = session.scalars(select(Template).where(Template.id.in_(list(ids))))
    return {str(row.id): {"version": row.version, "channel": row.channel, "name": row.name,
                          "subject": row.subject, "source": row.source,
                          "options": dict(row.options or {})} for row in rows}


def pin(session: Session, version: JourneyVersion, registry: Registry) -> dict[str, Any]:
    """Copy the current content of every template the version sends into it; the copy."""
    version.contents = snapshot(session, template_ids(version.document, registry))
    return version.contents


def pinned_templates(session: Session,
                     version_ids: Collection[int]) -> dict[int, dict[int, TemplateCopy]]:
    """The pinned templates of these versions (one query), by version id and template id;
    a version with none pinned is left out."""
    if not version_ids:
        return {}
    rows = session.execute(select(JourneyVersion.id, JourneyVersion.contents)
                           .where(JourneyVersion.id.in_(list(version_ids))))
    return {version_id: {int(key): _pinned(int(key), value) for key, value in contents.items()}
            for version_id, contents in rows if contents}


def changes(session: Session, version: JourneyVersion) -> list[ContentChange]:
    """The templates saved since the version pinned them, by name (a template the version
    pinned nothing of, or that no longer exists, sends as it did: no change)."""
    pinned = version.contents or {}
    if not pinned:
        return []
    rows = session.scalars(select(Template).where(Template.id.in_([int(k) for k in pinned])))
    found = [ContentChange(row.id, row.name, row.channel, pinned[str(row.id)]["version"],
                           row.version)
             for row in rows if row.version != pinned[str(row.id)]["version"]]
    return sorted(found, key=lambda change: (change.name, change.id))


def _pinned(template_id: int, value: Mapping[str, Any]) -> TemplateCopy:
    return TemplateCopy(id=template_id, version=value["version"], channel=value["channel"],
                          name=value["name"], subject=value.get("subject"),
                          source=value["source"], options=value.get("options") or {})
