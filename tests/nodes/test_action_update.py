"""action.update: what its changes mean (`apply_operations`) and which changes are refused."""

from __future__ import annotations

import pytest

from nodes.action_update import SPEC, Config
from nodes.kit.fields import ChangeKind, ProfileOperation
from nodes.kit.operations import apply_operations
from nodes.kit.spec import Go, Problem, StepContext, UpdateProfile


def change(op: str, name: str, value: object = None) -> ProfileOperation:
    """One profile operation, as the document would hold it."""
    return ProfileOperation(op=ChangeKind(op), name=name, value=value)


def test_set_and_unset_attributes() -> None:
    attributes, tags = apply_operations(
        {"plan": "free", "coupon": "WELCOME"}, frozenset(),
        [change("set", "plan", "pro"), change("unset", "coupon"), change("unset", "never_set")])
    assert attributes == {"plan": "pro"}
    assert tags == frozenset()


def test_increment_counts_from_zero_and_keeps_number_types() -> None:
    attributes, _ = apply_operations(
        {"visits": 2, "score": 1.5, "cleared": None}, frozenset(),
        [change("increment", "visits", 1), change("increment", "score", 2),
         change("increment", "points", 10), change("increment", "cleared", -3)])
    assert attributes == {"visits": 3, "score": 3.5, "points": 10, "cleared": -3}
    assert isinstance(attributes["visits"], int)


def test_increment_leaves_a_non_number_alone() -> None:
    attributes, _ = apply_operations({"visits": "many", "vip": True}, frozenset(),
                                     [change("increment", "visits", 1),
                                      change("increment", "vip", 1)])
    assert attributes == {"visits": "many", "vip": True}


def test_tags_are_added_and_removed() -> None:
    _, tags = apply_operations({}, frozenset({"new", "trial"}),
                               [change("add_tag", "customer"), change("add_tag", "new"),
                                change("remove_tag", "trial"), change("remove_tag", "absent")])
    assert tags == frozenset({"new", "customer"})


def test_changes_apply_in_order() -> None:
    attributes, _ = apply_operations({}, frozenset(), [
        change("set", "stage", "lead"), change("set", "touches", 5),
        change("increment", "touches", 1), change("set", "stage", "customer")])
    assert attributes == {"stage": "customer", "touches": 6}


def test_the_inputs_are_left_untouched() -> None:
    attributes, tags = {"plan": "free"}, frozenset({"trial"})
    apply_operations(attributes, tags, [change("set", "plan", "pro"), change("add_tag", "x")])
    assert attributes == {"plan": "free"}
    assert tags == frozenset({"trial"})


def test_run_asks_the_runtime_to_apply_the_changes(ctx: StepContext) -> None:
    decision = SPEC.run(SPEC.example, ctx)
    assert decision == Go("next", effects=(UpdateProfile(tuple(SPEC.example.operations)),),
                          why="updating the profile (3 change(s))")


@pytest.mark.parametrize(("operation", "problem"), [
    (change("set", "plan"), Problem("operations[0].value",
                                    "Changes: give a Value to set 'plan' to")),
    (change("increment", "visits"), Problem(
        "operations[0].value", "Changes: give a number as Value to add to 'visits' "
                               "(negative to subtract)")),
    (change("increment", "visits", "1"), Problem(
        "operations[0].value", "Changes: give a number as Value to add to 'visits' "
                               "(negative to subtract)")),
    (change("increment", "visits", True), Problem(
        "operations[0].value", "Changes: give a number as Value to add to 'visits' "
                               "(negative to subtract)")),
    (change("unset", "coupon", "x"), Problem(
        "operations[0].value", "Changes: clearing 'coupon' takes no value; leave Value "
                               "empty")),
    (change("add_tag", "vip", True), Problem(
        "operations[0].value", "Changes: tag 'vip' takes no value; leave Value empty")),
    (change("remove_tag", "vip", "x"), Problem(
        "operations[0].value", "Changes: tag 'vip' takes no value; leave Value empty")),
    (change("set", "1st_order", 1), Problem(
        "operations[0].name", "Changes: '1st_order' is not an attribute name: start with a "
                              "letter, then use letters, digits or _")),
    (change("set", "plan\n", 1), Problem(
        "operations[0].name", "Changes: 'plan\n' is not an attribute name: start with a "
                              "letter, then use letters, digits or _")),
    (change("set", "plan type", 1), Problem(
        "operations[0].name", "Changes: 'plan type' is not an attribute name: start with a "
                              "letter, then use letters, digits or _")),
    (change("set", "email", "a@b.c"), Problem(
        "operations[0].name", "Changes: 'email' is a built-in profile field and can't be "
                              "changed here")),
])
def test_check_refuses_changes_that_cannot_work(operation: ProfileOperation,
                                                problem: Problem) -> None:
    assert SPEC.check(Config(operations=[operation])) == [problem]


def test_check_accepts_sensible_changes() -> None:
    assert SPEC.check(Config(operations=[
        change("set", "등급", "골드"), change("set", "opted_in", False),
        change("increment", "score", -0.5), change("unset", "coupon"),
        change("add_tag", "vip-2024"), change("remove_tag", "Trial User")])) == []


def test_check_points_at_the_failing_change() -> None:
    problems = SPEC.check(Config(operations=[change("add_tag", "ok"), change("set", "plan")]))
    assert [problem.field for problem in problems] == ["operations[1].value"]


def test_the_schema_offers_a_choice_of_change() -> None:
    with pytest.raises(Exception, match="Invalid enum value 'rename'"):
        SPEC.parse({"operations": [{"op": "rename", "name": "plan"}]})
    with pytest.raises(Exception, match="Expected `array` of length >= 1"):
        SPEC.parse({"operations": []})
