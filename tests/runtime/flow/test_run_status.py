"""The run-status table: what may follow what, and that a finished run never changes."""

from __future__ import annotations

import pytest

from runtime.flow.run_status import TRANSITIONS, RunStatusError, after, changeable
from runtime.store.models import RunStatus


def test_a_waiting_run_wakes_and_an_unfinished_one_can_end_or_exit() -> None:
    assert after(RunStatus.WAITING, "wake") is RunStatus.ACTIVE
    for status in (RunStatus.ACTIVE, RunStatus.WAITING):
        assert after(status, "end") is RunStatus.DONE
        assert after(status, "exit") is RunStatus.EXITED


@pytest.mark.parametrize("status", [RunStatus.DONE, RunStatus.EXITED])
@pytest.mark.parametrize("event", sorted({event for _, event in TRANSITIONS}))
def test_a_finished_run_never_changes(status: RunStatus, event: str) -> None:
    with pytest.raises(RunStatusError, match=f"a {status.value} run can't {event}"):
        after(status, event)


def test_an_active_run_cannot_wake() -> None:
    with pytest.raises(RunStatusError):
        after(RunStatus.ACTIVE, "wake")


def test_the_sql_names_the_statuses_an_event_applies_to() -> None:
    compiled = changeable("exit").compile(compile_kwargs={"literal_binds": True})
    assert "'active'" in str(compiled) and "'waiting'" in str(compiled)
    assert "'done'" not in str(compiled)
