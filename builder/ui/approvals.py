"""Publishing in the editor, by role: who may publish directly, who asks, who approves; the
journey's pending request to publish, and its published versions.

A publisher publishes; an editor (anyone, when the workspace requires approvals) asks a
publisher instead, with a comment. A publisher opening a journey someone asked to publish sees
who asked, what changed, how many it reaches and whether the draft is still what was asked,
and approves (it publishes) or rejects with a reason; the person who asked may withdraw. The
server enforces all of it (approving one's own request, a stale revision, the role); this only
offers what the role can do. Refreshed while the editor is open, and after each decision.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from reactpy import use_async_effect, use_ref, use_state

from builder.i18n import Words, words
from builder.ui.bridge import Approve, Reject, RequestPublish, Withdraw
from builder.ui.services import Json, UiError, UiServices
from builder.ui.session import ends_polling

APPROVALS_SECONDS = 10.0
"""How often an open editor looks for requests made or decided elsewhere."""


def permissions(services: UiServices, approvals_required: bool | None) -> dict[str, bool]:
    """What the editor offers this role; publish and ask stay hidden until the workspace's
    approval setting is known (`None`)."""
    publisher = services.may("journeys.publish")
    known = approvals_required is not None
    return {"publish": known and publisher and not approvals_required,
            "request": known and services.may("journeys.request")
            and (bool(approvals_required) or not publisher),
            "approve": services.may("journeys.approve"), "pause": publisher,
            "previews": services.may("previews"), "required": bool(approvals_required)}


def load_publishing(services: UiServices, journey_id: int, me: int | None,
                    audiences: dict[tuple[int, int], int | None]) -> Json:
    """{can, approval (the pending request, `mine` when the user `me` asked), versions}. The
    request's audience is counted once per request and revision (`audiences` remembers it),
    and only for a role that may preview: a count over a million customers is not free."""
    required = services.get_workspace_settings()["approvals_required"]
    pending = services.list_requests(journey_id)
    request = pending[0] if pending else None
    if request is not None and services.may("previews"):
        seen = (request["id"], request["draft_revision"])
        if seen not in audiences:
            audiences[seen] = services.get_request(request["id"])["audience"]
        request = {**request, "audience": audiences[seen]}
    return {"can": permissions(services, required),
            "approval": ({**request, "mine": me is not None and request["requested_by_id"] == me}
                         if request else None),
            "versions": services.list_versions(journey_id)}


def use_publishing(services: UiServices, journey_id: int, detail: Json | None
                   ) -> tuple[Json, Callable[[], Awaitable[None]]]:
    """The editor's publishing state, kept fresh; and a function that reloads it now."""
    state, set_state = use_state(None)
    me = use_ref(None)
    audiences = use_ref({})
    journey = (detail or {}).get("journey") or {}
    moved = f"{journey.get('draft_revision')}:{journey.get('status')}:" \
            f"{journey.get('live_version')}"

    async def reload() -> None:
        if me.current is None:
            me.current = (await asyncio.to_thread(services.whoami))["id"]
        set_state(await asyncio.to_thread(load_publishing, services, journey_id, me.current,
                                          audiences.current))

    @use_async_effect(dependencies=[journey_id, moved])
    async def refresh() -> None:
        while True:
            try:
                await reload()
            except UiError as error:
                if ends_polling(error):
                    return  # the session is over: the editor sends the browser to sign in
            await asyncio.sleep(APPROVALS_SECONDS)

    if state is None:
        return {"can": permissions(services, None), "approval": None, "versions": []}, reload
    return state, reload


APPROVAL_OPS: dict[type, tuple[Callable[[UiServices, int, Any], Json],
                              Callable[[Json, Words], str]]] = {
    RequestPublish: (lambda s, j, c: s.request_publish(j, c.comment),
                     lambda r, _: _("Asked to publish revision {revision}: a publisher "
                                    "approves or rejects it here.",
                                    revision=r["draft_revision"])),
    Withdraw: (lambda s, j, c: s.withdraw_request(c.id),
               lambda r, _: _("Request withdrawn: nothing is published.")),
    Approve: (lambda s, j, c: s.approve_request(c.id, c.comment, c.moves),
              lambda r, _: _("Approved: published as version {version}.",
                             version=r["version_number"])),
    Reject: (lambda s, j, c: s.reject_request(c.id, c.comment),
             lambda r, _: _("Rejected: nothing is published. They can change the draft and "
                            "ask again.")),
}
"""Commands about requests to publish: the service call and what to tell the person (in
the language of the `Words` it is given)."""


def run_approval(services: UiServices, journey_id: int,
                 command: RequestPublish | Withdraw | Approve | Reject,
                 _: Words | None = None) -> str:
    """Do an approval command from the canvas; what to tell the person, in `_`'s language
    (English when not given). UiError when refused: not theirs, a changed draft, a missing
    reason (`service_words.said` says its message in the page's language)."""
    call, message = APPROVAL_OPS[type(command)]
    return message(call(services, journey_id, command), _ or words("en"))
