"""action.send: one Send effect, a template reference, and the optional Failed exit."""

from __future__ import annotations

from nodes.action_send import SPEC, Config
from nodes.kit.fields import Channel, Purpose
from nodes.kit.spec import Go, Port, Ref, Send, StepContext


def test_run_queues_one_message(ctx: StepContext) -> None:
    config = Config(channel=Channel.EMAIL, template=3, purpose=Purpose.TRANSACTIONAL)
    decision = SPEC.run(config, ctx)
    assert decision == Go("next", effects=(Send("email", 3, "transactional"),),
                          why="sending template 3 by email")
    assert type(decision.effects[0].channel) is str


def test_the_template_is_a_reference_and_failed_is_optional() -> None:
    assert SPEC.refs(SPEC.example) == [Ref("template", 12, "template")]
    assert SPEC.ports_for(SPEC.example) == (
        Port("next", "Next"), Port("failed", "Failed", optional=True))


def test_marketing_is_the_default_purpose() -> None:
    assert SPEC.parse({"channel": "sms", "template": 1}).purpose is Purpose.MARKETING
