"""flow.wait_event: wait for an event until a timeout, through Did it / Timed out."""

from __future__ import annotations

from datetime import UTC, datetime

from nodes.flow_wait_event import SPEC, Config
from nodes.kit.rules import Attr, Op
from nodes.kit.spec import Problem, StepContext, WaitForEvent
from nodes.kit.values import Duration, Unit


def test_waits_for_the_event_until_the_timeout(ctx: StepContext) -> None:
    where = [Attr(field="total", op=Op.GT, value=0)]
    config = Config(event="order_completed", where=where,
                    timeout=Duration(amount=36, unit=Unit.HOURS))
    assert SPEC.run(config, ctx) == WaitForEvent(
        "order_completed", tuple(where), datetime(2024, 5, 2, 15, 0, tzinfo=UTC),
        why="waiting up to 36 hours for 'order_completed'")


def test_check_reports_filter_problems() -> None:
    config = Config(event="order_completed", where=[Attr(field="total", op=Op.GT, value=True)],
                    timeout=Duration(amount=1))
    assert SPEC.check(config) == [Problem(
        "where[0]", "Event properties: 'total' gt needs a number or a date, not true/false")]
