"""Discovery of the workspace's attributes and events, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from runtime.customers.discovery import discover, kind_of, unknown_names
from runtime.store.models import Customer, Event
from tests.runtime.harness import START


def add(session: Session, index: int, attributes: dict) -> Customer:
    customer = Customer(external_id=f"d{index}", email=f"d{index}@example.kr",
                        attributes=attributes, consent={}, created_at=START, updated_at=START)
    session.add(customer)
    session.flush()
    return customer


def event(session: Session, customer: Customer, name: str, days_ago: int,
          **properties: object) -> None:
    session.add(Event(customer_id=customer.id, name=name, properties=properties,
                      occurred_at=START - timedelta(days=days_ago)))


def facts_by_name(items: list) -> dict:
    return {item.name: item for item in items}


def test_attributes_have_types_counts_and_samples(session: Session) -> None:
    for index in range(6):
        add(session, index, {"plan": "pro" if index < 4 else "free", "score": index * 10,
                             "vip": index % 2 == 0, "birthday": "1990-05-0" + str(index + 1),
                             "tags_list": ["a"], **({"city": "Seoul"} if index < 2 else {})})
    found = discover(session, START)
    attributes = facts_by_name(found.attributes)
    assert found.customers == 6 and not found.sampled_customers
    assert {name: attributes[name].type for name in ("plan", "score", "vip", "birthday",
                                                     "tags_list", "city")} == {
        "plan": "text", "score": "number", "vip": "boolean", "birthday": "date",
        "tags_list": "list", "city": "text"}
    assert attributes["city"].customers == 2 and attributes["plan"].customers == 6
    assert attributes["plan"].samples == ["pro", "free"]  # the most common first
    assert attributes["email"].builtin and attributes["email"].customers == 6


def test_events_have_counts_last_seen_and_properties(session: Session) -> None:
    customer = add(session, 1, {})
    event(session, customer, "order_completed", 2, amount=5000, item="tea")
    event(session, customer, "order_completed", 40, amount=100)
    event(session, customer, "signup", 90)
    session.flush()
    events = facts_by_name(discover(session, START).events)
    order = events["order_completed"]
    assert (order.total, order.recent) == (2, 1)
    assert order.last_seen == START - timedelta(days=2)
    assert order.properties == ["amount", "item"]
    assert (events["signup"].total, events["signup"].recent) == (1, 0)


def test_a_big_workspace_is_sampled_and_counts_scaled(session: Session) -> None:
    for index in range(10):
        customer = add(session, index, {"plan": "pro"} if index >= 5 else {"old": 1})
        event(session, customer, "open", 1)
    session.flush()
    found = discover(session, START, sample=5)
    attributes = facts_by_name(found.attributes)
    assert found.sampled_customers and found.sampled_events
    # Only the 5 most recent customers were read: all have `plan`, scaled to the 10 there are.
    assert attributes["plan"].customers == 10 and "old" not in attributes
    assert facts_by_name(found.events)["open"].total == 10


def test_unknown_names_are_asked_exactly(session: Session) -> None:
    customer = add(session, 1, {"score": 5, "gone": None})
    event(session, customer, "signup", 400)
    session.flush()
    assert unknown_names(session, {"score", "gone", "scroe", "email"},
                         {"signup", "sign_up"}) == ({"gone", "scroe"}, {"sign_up"})


def test_kind_is_the_most_common() -> None:
    assert kind_of([1, 2, "x"]) == "number" and kind_of([]) == "text"
