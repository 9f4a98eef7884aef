"""The pure engine's guard rails: a run never takes more steps than the cap allows."""

from __future__ import annotations

from datetime import UTC, datetime

from builder.compiled import compile_journey
from nodes.kit.profile import Profile
from runtime.flow.engine import MAX_STEPS_PER_RUN, RunState, advance
from runtime.store.models import RunStatus
from tests.builder.journeys import document, edge, node

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
MINJI = Profile(id=1, external_id="c-1", created_at=NOW)


def updates(count: int):
    """Entry → `count` profile updates in a row → exit."""
    steps = [node(f"u{index}", "action.update", f"Update {index}") for index in range(count)]
    chain = ["entry", *(step["id"] for step in steps), "end"]
    return compile_journey(document(
        [node("entry", "entry.api", "API"), *steps, node("end", "flow.exit", "Done")],
        [edge(source, target, None if source == "entry" else "next")
         for source, target in zip(chain, chain[1:], strict=False)]))


def test_a_run_stops_at_the_step_cap_and_says_why():
    outcome = advance(updates(8), RunState(node_id="entry"), MINJI, NOW, max_steps=5)
    assert (outcome.status, outcome.node_id, outcome.step_count) == (RunStatus.EXITED, "u4", 5)
    assert outcome.exit_reason == "stopped after 5 steps (a journey may not loop)"
    assert [(step.node_id, step.outcome) for step in outcome.steps] == [
        ("entry", "passed"), ("u0", "passed"), ("u1", "passed"), ("u2", "passed"),
        ("u3", "passed"), ("u4", "exited")]


def test_the_cap_counts_the_steps_of_earlier_batches_too():
    state = RunState(node_id="u2", step_count=MAX_STEPS_PER_RUN)
    outcome = advance(updates(4), state, MINJI, NOW)
    assert (outcome.status, outcome.node_id) == (RunStatus.EXITED, "u2")
    assert [(step.node_id, step.outcome) for step in outcome.steps] == [("u2", "exited")]
    assert outcome.profile.attributes == {}  # u2 was never run


def test_under_the_cap_the_run_goes_to_its_end():
    outcome = advance(updates(8), RunState(node_id="entry"), MINJI, NOW)
    assert (outcome.status, outcome.step_count) == (RunStatus.EXITED, 10)
    assert outcome.exit_reason != "stopped after 10 steps (a journey may not loop)"
    assert outcome.profile.attributes["journey_touches"] == 8
