"""The editor's part in pinned content: a published version sends its templates as they were
when it was published, so the editor tells a publisher when some were saved since, and offers
to update the customers in flight to them (`UiServices.update_content_in_flight`)."""

from __future__ import annotations

from typing import Any

from builder.i18n import Words, words
from builder.ui.services import UiServices


def load_changes(services: UiServices, journey: dict[str, Any]) -> dict[str, Any] | None:
    """The live version's templates saved since it was published, when the person may update
    them (None otherwise, or when nothing is published)."""
    if not journey.get("live_version") or not services.may("journeys.publish"):
        return None
    return services.content_changes(journey["id"])


def banner(changes: dict[str, Any] | None, _: Words | None = None) -> str | None:
    """The editor's words when some templates changed since the live version (None if none),
    in `_`'s language (English when not given)."""
    if not changes or not changes["changes"]:
        return None
    _ = _ or words("en")
    return _.n("{n} template changed since version {version} was published: customers in "
               "flight still get the published content.",
               "{n} templates changed since version {version} was published: customers in "
               "flight still get the published content.",
               len(changes["changes"]), version=changes["version"])


def updated(result: dict[str, Any], _: Words | None = None) -> str:
    """What the editor says once the content in flight was updated (in `_`'s language,
    English when not given)."""
    _ = _ or words("en")
    names = ", ".join(f"'{row['name']}' v{row['pinned_version']} → v{row['current_version']}"
                      for row in result["updated"])
    return _("Content in flight updated: {templates}. Customers get it from their next "
             "message.", templates=names)
