"""The discovery service: contact data masked for roles that may not read it, what was
discovered reused for a minute, and data warnings checked exactly against the database."""

from __future__ import annotations

from datetime import timedelta

from runtime.store.models import Customer, Event
from server.context import Wayline
from server.services import discovery
from tests.builder.journeys import document, edge, node


def add_customer(wl: Wayline, external_id: str, attributes: dict, event: str | None = None) -> None:
    with wl.writing() as session:
        customer = Customer(external_id=external_id, email=f"{external_id}@example.kr",
                            phone="+821012345678", attributes=attributes, consent={})
        session.add(customer)
        session.flush()
        if event:
            session.add(Event(customer_id=customer.id, name=event, properties={},
                              occurred_at=wl.now() - timedelta(days=1)))


def samples(found, name: str) -> list:
    return next(fact.samples for fact in found.attributes if fact.name == name)


def test_contact_samples_are_masked_without_contacts_read(app_context: Wayline) -> None:
    discovery.forget()
    add_customer(app_context, "minji", {"work_email": "minji.kim@example.kr", "plan": "pro"})
    seen = discovery.discover_data(app_context, contacts=True)
    assert samples(seen, "email") == ["minji@example.kr"]
    hidden = discovery.discover_data(app_context, contacts=False)
    assert samples(hidden, "email") == ["m•••@example.kr"]
    assert samples(hidden, "phone") == ["+82•••5678"]
    assert samples(hidden, "work_email") == ["m•••@example.kr"]
    assert samples(hidden, "plan") == ["pro"]


def test_a_cut_sample_is_hidden_without_contacts_read(app_context: Wayline) -> None:
    discovery.forget()
    long_email = "a" * 45 + "@example.kr"  # cut at 40 characters it loses its '@'
    add_customer(app_context, "long", {"backup_email": long_email})
    assert samples(discovery.discover_data(app_context, contacts=True), "backup_email") == [
        "a" * 40 + "…"]
    assert samples(discovery.discover_data(app_context, contacts=False), "backup_email") == [
        "…"]


def test_discovery_is_reused_until_forgotten(app_context: Wayline) -> None:
    discovery.forget()
    add_customer(app_context, "a", {"plan": "pro"})
    assert discovery.discover_data(app_context, True).customers == 1
    add_customer(app_context, "b", {"plan": "pro"})
    assert discovery.discover_data(app_context, True).customers == 1  # within the minute
    discovery.forget()
    assert discovery.discover_data(app_context, True).customers == 2


def test_data_warnings_name_only_what_the_data_lacks(app_context: Wayline) -> None:
    discovery.forget()
    add_customer(app_context, "a", {"score": 5}, event="signup")
    doc = document(
        [node("in", "entry.event", "Signed up", {"event": "signup"}),
         node("check", "flow.condition", "Scored", {"rule": {"type": "and", "rules": [
             {"type": "attr", "field": "score", "op": "gte", "value": 1},
             {"type": "attr", "field": "level", "op": "exists"}]}}),
         node("wait", "flow.wait_event", "Wait", {"event": "purchase",
                                                 "timeout": {"amount": 1, "unit": "days"}}),
         node("out", "flow.exit")],
        [edge("in", "check"), edge("check", "wait", "yes"), edge("check", "out", "no"),
         edge("wait", "out", "matched"), edge("wait", "out", "timeout")])
    issues = discovery.data_warnings(app_context, doc)
    assert {(issue.code, issue.node_id, issue.field) for issue in issues} == {
        ("data.unknown_attribute", "check", "config.rule.rules[1].field"),
        ("data.unknown_event", "wait", "config.event")}
