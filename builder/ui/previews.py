"""Previews on the canvas: who enters, why or why not, one customer's path, and the dry run.

The canvas asks through its own callback (`onPreview`, JSON text `{op, id, revision, ...}`), not
the one that saves, so a dry run over a large audience never holds up autosave: ReactPy runs the
events of one handler one after another. Each answer is kept under its op with the request's id
and the draft revision it was asked on, so the canvas can tell a fresh answer from a stale one.
Previews only read; they go through the same services the preview API calls.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from reactpy import use_effect, use_ref, use_state

from builder.ui.services import Json, UiError, UiServices

log = logging.getLogger(__name__)

AUDIENCE_PAGE = 12
"""Sample customers shown per page in the audience panel."""

HORIZON_DAYS = 30
"""How far ahead the dry run looks unless the marketer picks another horizon."""

DRY_RUN_SAMPLE = 5_000
"""Customers the canvas's dry run simulates at most: a larger audience is sampled and the counts
scaled, each with its margin (±1.4 points at worst), so the answer comes in seconds."""

PREVIEWS: dict[str, Callable[[UiServices, int, Json], Json]] = {
    "audience": lambda s, j, c: s.journey_audience(j, AUDIENCE_PAGE, c.get("after")),
    "explain": lambda s, j, c: s.explain_customer(j, str(c["external_id"])),
    "path": lambda s, j, c: s.preview_path(j, str(c["external_id"]), c.get("events") or []),
    "dry_run": lambda s, j, c: s.dry_run(j, int(c.get("horizon_days") or HORIZON_DAYS),
                                         DRY_RUN_SAMPLE),
}
"""What each preview op asks of the services."""


def use_previews(services: UiServices, journey_id: int) -> tuple[Json, Callable[[str], Any]]:
    """The answers so far, by op, and the handler the canvas sends preview requests to."""
    answers, set_answers = use_state({})
    running = use_ref(set())

    @use_effect(dependencies=[])
    def stop_on_close() -> Callable[[], None]:
        # The page went away (closed, or its connection dropped): nobody waits for answers.
        return lambda: [task.cancel() for task in list(running.current)]

    async def answer(command: Json) -> None:
        op, result = await asyncio.to_thread(run_preview, services, journey_id, command)
        set_answers(lambda old: {**old, op: merged(old.get(op), result, command)})

    async def handle_preview(raw: str) -> None:
        # A task per request: a slow dry run must not queue a path preview behind it.
        task = asyncio.create_task(answer(json.loads(raw)))
        running.current.add(task)
        task.add_done_callback(running.current.discard)

    return answers, handle_preview


def run_preview(services: UiServices, journey_id: int, command: Json) -> tuple[str, Json]:
    """Answer one preview request: (its op, {id, revision, data} or {id, revision, error})."""
    op = str(command.get("op"))
    base = {"id": command.get("id"), "revision": command.get("revision")}
    if op not in PREVIEWS:
        return op, {**base, "error": f"Unknown preview {op!r}."}
    try:
        return op, {**base, "data": PREVIEWS[op](services, journey_id, command)}
    except UiError as error:
        return op, {**base, "error": error.message, "issues": error.issues}
    except Exception:  # an answer, whatever happens: the canvas would wait for it forever
        log.exception("preview %s of journey %s failed: %r", op, journey_id, command)
        return op, {**base, "error": "This preview could not be worked out because of an error "
                                     "in Wayline (the server log has the details). Try again; "
                                     "if it keeps failing, tell your Wayline administrator."}


def merged(old: Json | None, new: Json, command: Json) -> Json:
    """A next page of the audience adds to the customers shown; any other answer replaces."""
    if command.get("op") != "audience" or not command.get("after") or "data" not in new \
            or not old or "data" not in old:
        return new
    customers = old["data"]["customers"] + new["data"]["customers"]
    return {**new, "data": {**new["data"], "customers": customers}}
