"""Previews on the canvas: who enters, why or why not, one customer's path, and the dry run.

The canvas asks through its own callback (`onPreview`, JSON text `{op, id, revision, ...}`), not
the one that saves, so a dry run over a large audience never holds up autosave: ReactPy runs the
events of one handler one after another. Each answer is kept under its op with the request's id
and the draft revision it was asked on, so the canvas can tell a fresh answer from a stale one.
Previews only read; they go through the same services the preview API calls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import msgspec
from reactpy import use_effect, use_ref, use_state

from builder.i18n import Words, words
from builder.ui.bridge import (
    AudiencePreview,
    BadCommandError,
    DryRunPreview,
    ExplainPreview,
    PathPreview,
    decode_preview,
)
from builder.ui.reactpy_glue import use_words
from builder.ui.service_words import said
from builder.ui.services import Json, UiError, UiServices

log = logging.getLogger(__name__)

AUDIENCE_PAGE = 12
"""Sample customers shown per page in the audience panel."""

HORIZON_DAYS = 30
"""How far ahead the dry run looks unless the marketer picks another horizon."""

DRY_RUN_SAMPLE = 5_000
"""Customers the canvas's dry run simulates at most: a larger audience is sampled and the counts
scaled, each with its margin (±1.4 points at worst), so the answer comes in seconds."""

PREVIEWS: dict[type, Callable[[UiServices, int, Any], Json]] = {
    AudiencePreview: lambda s, j, c: s.journey_audience(j, AUDIENCE_PAGE, c.after),
    ExplainPreview: lambda s, j, c: s.explain_customer(j, c.external_id),
    PathPreview: lambda s, j, c: s.preview_path(j, c.external_id, c.events),
    DryRunPreview: lambda s, j, c: s.dry_run(j, c.horizon_days or HORIZON_DAYS, DRY_RUN_SAMPLE),
}
"""What each preview op asks of the services."""


def use_previews(services: UiServices, journey_id: int) -> tuple[Json, Callable[[str], Any]]:
    """The answers so far, by op, and the handler the canvas sends preview requests to."""
    answers, set_answers = use_state({})
    running = use_ref(set())
    _ = use_words()

    @use_effect(dependencies=[])
    def stop_on_close() -> Callable[[], None]:
        # The page went away (closed, or its connection dropped): nobody waits for answers.
        return lambda: [task.cancel() for task in list(running.current)]

    async def answer(raw: str) -> None:
        op, result = await asyncio.to_thread(run_preview, services, journey_id, raw, _)
        set_answers(lambda old: {**old, op: merged(old.get(op), result)})

    async def handle_preview(raw: str) -> None:
        # A task per request: a slow dry run must not queue a path preview behind it.
        task = asyncio.create_task(answer(raw))
        running.current.add(task)
        task.add_done_callback(running.current.discard)

    return answers, handle_preview


def run_preview(services: UiServices, journey_id: int, raw: str,
                _: Words | None = None) -> tuple[str, Json]:
    """Answer one preview request (JSON text): (its op, {id, revision, data} or {id,
    revision, error}; `more` when it is a next page of the audience); an error in `_`'s
    language (English when not given)."""
    _ = _ or words("en")
    try:
        command = decode_preview(raw)
    except BadCommandError as error:
        # Still an answer under the op and id asked, or the canvas would wait for it forever.
        loose = _loose(raw)
        return str(loose.get("op")), {"id": loose.get("id"), "revision": loose.get("revision"),
                                      "error": str(error)}
    op = command.__struct_config__.tag
    base = {"id": command.id, "revision": command.revision}
    if isinstance(command, AudiencePreview) and command.after:
        base["more"] = True
    try:
        return op, {**base, "data": PREVIEWS[type(command)](services, journey_id, command)}
    except UiError as error:
        return op, {**base, "error": said(_, error.message), "issues": error.issues}
    except Exception:  # an answer, whatever happens: the canvas would wait for it forever
        log.exception("preview %s of journey %s failed: %r", op, journey_id, raw)
        return op, {**base, "error": _("This preview could not be worked out because of an "
                                       "error in Wayline (the server log has the details). Try "
                                       "again; if it keeps failing, tell your Wayline "
                                       "administrator.")}


def merged(old: Json | None, new: Json) -> Json:
    """A next page of the audience (`more`) adds to the customers shown; any other answer
    replaces."""
    more = new.pop("more", False)
    if not more or "data" not in new or not old or "data" not in old:
        return new
    customers = old["data"]["customers"] + new["data"]["customers"]
    return {**new, "data": {**new["data"], "customers": customers}}


def _loose(raw: str) -> Json:
    """Whatever object `raw` holds (for answering a request that is not a valid one)."""
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return {}
    return value if isinstance(value, dict) else {}
