"""entry.event: the event, its property filters and the audience filter reach the trigger."""

from __future__ import annotations

from nodes.entry_event import SPEC, Config
from nodes.kit.rules import Attr, EventCount, HasTag, Op
from nodes.kit.spec import EventTrigger, Problem


def test_the_trigger_carries_event_and_filters() -> None:
    where = [Attr(field="total", op=Op.GTE, value=50_000)]
    config = Config(event="order_completed", where=where, only_if=HasTag(tag="vip"))
    assert SPEC.trigger(config) == EventTrigger(
        event="order_completed", where=tuple(where), only_if=HasTag(tag="vip"))


def test_check_reports_filter_and_audience_problems() -> None:
    config = Config(event="order_completed",
                    where=[Attr(field="total", op=Op.GTE, value=1),
                           Attr(field="coupon", op=Op.IN, value=[])],
                    only_if=EventCount(event="visit", where=[Attr(field="page", op=Op.EXISTS,
                                                                  value="x")]))
    assert SPEC.check(config) == [
        Problem("where[1]", "Event properties: 'coupon' in needs a list of one or more values"),
        Problem("only_if.where[0]", "Only customers who match: 'page' exists takes no value"),
    ]


def test_a_property_called_created_at_is_just_a_property() -> None:
    config = Config(event="signup", where=[Attr(field="created_at", op=Op.CONTAINS, value="x")])
    assert SPEC.check(config) == []
