"""Give a coupon: the config's rules, its reference to a pool, and the effect it asks for."""

from __future__ import annotations

import pytest

from nodes.action_coupon import OUT_OF_CODES, SPEC, IssueCoupon
from nodes.kit.spec import Go, Ref, StepContext


def test_it_asks_for_a_code_and_names_the_way_out_when_the_pool_is_empty(ctx: StepContext) -> None:
    decision = SPEC.run(SPEC.parse({"pool": 7, "attribute": "birthday_code"}), ctx)
    assert isinstance(decision, Go) and decision.port == "next"
    assert decision.effects == (IssueCoupon(7, "birthday_code", OUT_OF_CODES),)
    assert OUT_OF_CODES in {port.key for port in SPEC.ports_for(None)}


def test_it_names_its_pool_as_a_reference() -> None:
    assert SPEC.refs(SPEC.parse({"pool": 3})) == [Ref("coupon_pool", 3, "pool")]


@pytest.mark.parametrize("attribute", ["email", "phone", "external_id"])
def test_the_code_cannot_go_in_a_built_in_field(attribute: str) -> None:
    problems = SPEC.check(SPEC.parse({"pool": 1, "attribute": attribute}))
    assert [problem.field for problem in problems] == ["attribute"]


def test_the_picker_is_for_coupon_pools() -> None:
    import msgspec

    schema = msgspec.json.schema(SPEC.config)
    pool = schema["$defs"]["Config"]["properties"]["pool"]
    assert (pool["x-widget"], pool["x-ref"]) == ("picker", "coupon_pool")
