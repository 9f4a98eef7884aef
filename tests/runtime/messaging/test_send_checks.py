"""Issues on send steps that need the workspace to see: a template reading event values in a
journey entered with no event, a payload field the API entry doesn't require, and a marketing
text with no opt-out line set. They warn (a value may have a default) and never block publishing;
a message written for another channel than its step is an error, since it could never be sent.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from runtime.messaging.compliance import current_rules, install_rules
from runtime.run.lifecycle import check_journey, publish
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_journey, add_template

SEGMENT = {"rule": {"type": "attr", "field": "plan", "op": "eq", "value": "pro"}}


@pytest.fixture
def opt_out_line():
    """Set the workspace's opt-out line for a test (the rules are the process's)."""
    previous = current_rules()

    def set_line(line: str) -> None:
        install_rules(replace(previous, opt_out_line=line))
    yield set_line
    install_rules(previous)


def journey(entry: dict[str, Any], template: int, channel: str = "email",
            purpose: str = "marketing") -> dict[str, Any]:
    return document(
        [entry, node("send", "action.send", "Offer", {"channel": channel, "template": template,
                                                       "purpose": purpose}),
         node("done", "flow.exit", "Done")],
        [edge("entry", "send"), edge("send", "done", "next")])


def send_warnings(rt, draft: dict[str, Any]) -> list[tuple[str, str, str]]:
    with rt.sessions() as session:
        return [(issue.code, issue.node_id, issue.message)
                for issue in check_journey(session, draft) if issue.code.startswith("send.")]


def test_event_values_in_a_journey_entered_from_an_audience(wayline):
    with wayline.sessions() as session:
        reads_event = add_template(session, source="You left {{ event.sku }} behind")
        reads_customer = add_template(session, name="Plain", source="Hi {{ customer.plan }}")
        session.commit()
    audience = node("entry", "entry.segment", "Pro plan", SEGMENT)
    [(code, node_id, message)] = send_warnings(wayline, journey(audience, reads_event))
    assert (code, node_id) == ("send.no_payload", "send")
    assert "'Reminder' reads 'sku'" in message and "from an audience" in message
    assert send_warnings(wayline, journey(audience, reads_customer)) == []
    on_a_date = node("entry", "entry.date", "Birthday", {"attribute": "birthday"})
    [(code, _, message)] = send_warnings(wayline, journey(on_a_date, reads_event))
    assert code == "send.no_payload" and "on a date" in message
    # An entry whose config is invalid is left to the validator's own issue.
    broken = node("entry", "entry.date", "Birthday", {"attribute": 7})
    assert send_warnings(wayline, journey(broken, reads_event)) == []
    # Entered with an event, the event's properties are there to read.
    by_event = node("entry", "entry.event", "Added to cart", {"event": "cart_add"})
    assert send_warnings(wayline, journey(by_event, reads_event)) == []


def test_payload_fields_the_api_entry_does_not_require(wayline):
    with wayline.sessions() as session:
        template = add_template(session, source="Order {{ payload.order_id }}: "
                                                "{{ payload.coupon }}")
        session.commit()
    api = node("entry", "entry.api", "Order placed", {"required_fields": ["order_id"]})
    [(code, _, message)] = send_warnings(wayline, journey(api, template))
    assert code == "send.payload_not_required"
    assert "'coupon'" in message and "'order_id'" not in message
    # A field in the sample payload alone is not required: a real call may lack it.
    sampled = node("entry", "entry.api", "Order placed", {
        "required_fields": ["order_id"], "sample_payload": {"order_id": "A-1", "coupon": "X"}})
    [(code, _, _)] = send_warnings(wayline, journey(sampled, template))
    assert code == "send.payload_not_required"
    required = node("entry", "entry.api", "Order placed",
                    {"required_fields": ["order_id", "coupon"]})
    assert send_warnings(wayline, journey(required, template)) == []


def test_marketing_texts_without_an_opt_out_line(wayline, opt_out_line):
    with wayline.sessions() as session:
        text = add_template(session, channel="sms", subject=None, source="Sale today")
        session.commit()
    audience = node("entry", "entry.segment", "Pro plan", SEGMENT)
    opt_out_line("")
    [(code, _, message)] = send_warnings(wayline, journey(audience, text, "sms"))
    assert code == "send.no_opt_out_line" and "WAYLINE_OPT_OUT_LINE" in message
    assert send_warnings(wayline, journey(audience, text, "sms", "transactional")) == []
    opt_out_line("무료수신거부 080-123-4567")
    assert send_warnings(wayline, journey(audience, text, "sms")) == []


def test_warnings_do_not_block_publishing(wayline, opt_out_line):
    opt_out_line("")
    with wayline.sessions() as session:
        template = add_template(session, channel="sms", subject=None,
                                source="{{ event.sku | default: 'Your cart' }} is waiting")
        draft = journey(node("entry", "entry.segment", "Pro plan", SEGMENT), template, "sms")
        journey_id = add_journey(session, draft)
        assert {issue.code for issue in check_journey(session, draft)} >= {
            "send.no_payload", "send.no_opt_out_line"}
        version = publish(session, journey_id, wayline.clock.now())
        session.commit()
    assert version.number == 1


def test_a_message_for_another_channel_is_an_error_and_blocks_publishing(wayline):
    from runtime.errors import InvalidInputError

    with wayline.sessions() as session:
        email = add_template(session, "email", "Welcome mail")
        text = add_template(session, "sms", "Welcome text", None, "Welcome!")
        session.commit()
    audience = node("entry", "entry.segment", "Pro plan", SEGMENT)
    with wayline.sessions() as session:
        [issue] = [issue for issue in check_journey(session, journey(audience, email, "sms"))
                   if issue.code.startswith("send.")]
    assert (issue.code, issue.severity, issue.node_id, issue.field) == (
        "send.wrong_channel", "error", "send", "config.template")
    assert issue.message == ("Offer: the message 'Welcome mail' is written for Email, but this "
                             "step sends SMS: choose a message for this channel, or change the "
                             "step's channel.")
    assert [code for code, _, _ in send_warnings(wayline, journey(audience, text, "sms"))] == [
        "send.no_opt_out_line"]  # the right channel: only the opt-out warning is left
    with wayline.sessions() as session:
        mismatched = add_journey(session, journey(audience, email, "sms"))
        with pytest.raises(InvalidInputError) as refused:
            publish(session, mismatched, wayline.clock.now())
    assert [issue.code for issue in refused.value.issues] == ["send.wrong_channel"]
