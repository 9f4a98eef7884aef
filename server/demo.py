"""Demo data: a realistic synthetic audience and the four starter journeys, for a first look.

Customers are half Korean, half English-speaking (names from Faker's ko_KR and en_US
providers), in their own time zones, with per-channel consents, birthdays, and purchase
histories whose events (signup, product_viewed, cart_add, order_completed) agree with their
attributes (orders, total_spent, last_purchase_at) and tags (vip, newsletter). Everything is
seeded, so two loads make the same people; loading again adds nothing twice (customers by
external id, events by dedup key, journeys by name).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from runtime.store.models import Customer, CustomerTag, Event, Journey, JourneyStatus
from runtime.store.sql import insert_rows
from server.starters import STARTERS, instantiate

CHUNK = 5_000
"""Customers written per transaction (with their events and tags)."""

NAME_POOL = 400
"""Distinct first and last names drawn per locale; combined at random, they read as real."""

TIMEZONES = {"ko_KR": ["Asia/Seoul"] * 9 + ["Asia/Tokyo"],
             "en_US": ["America/New_York", "America/Los_Angeles", "America/Chicago",
                       "Europe/London", "Europe/Berlin", "Asia/Singapore"]}
PRODUCTS = [("SKU-101", "Linen shirt", 39_000), ("SKU-202", "Running shoes", 129_000),
            ("SKU-303", "Ceramic mug", 18_000), ("SKU-404", "Wool scarf", 59_000),
            ("SKU-505", "Wireless earbuds", 189_000), ("SKU-606", "Face serum", 42_000)]
VIP_SPEND = 1_000_000
"""Customers who spent at least this (KRW) carry the `vip` tag."""

Progress = Callable[[int, int], None]


@dataclass
class DemoReport:
    """What a demo load added."""

    customers: int = 0
    events: int = 0
    journeys: int = 0


class _People:
    """Seeded generator of demo customers and their histories."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.random, self.now = random.Random(seed), now
        self.names = {}
        for locale in TIMEZONES:
            fake = Faker(locale)
            fake.seed_instance(seed)
            self.names[locale] = ([fake.first_name() for _ in range(NAME_POOL)],
                                  [fake.last_name() for _ in range(NAME_POOL)])

    def customer(self, index: int) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
        """(customer row, its events, its tags) for the index-th demo customer."""
        rnd = self.random
        locale = "ko_KR" if rnd.random() < 0.5 else "en_US"
        firsts, lasts = self.names[locale]
        first, last = rnd.choice(firsts), rnd.choice(lasts)
        created = self.now - timedelta(days=rnd.uniform(0, 720))
        events, orders, spent, last_order = self._history(created)
        external = f"demo-{index:06d}"
        attributes = {
            "first_name": first, "last_name": last, "country": "KR" if locale == "ko_KR" else
            rnd.choice(["US", "GB", "DE", "SG"]), "birthday": self._birthday(),
            "orders": orders, "total_spent": spent, "plan": rnd.choice(["free", "free", "plus"]),
            "signup_source": rnd.choice(["web", "app", "store", "referral"]),
            "kakao_user": locale == "ko_KR" and rnd.random() < 0.85}
        if last_order:
            attributes["last_purchase_at"] = last_order.isoformat(timespec="seconds")
        row = {"external_id": external, "email": f"{external}@example.com",
               "phone": (f"+8210{rnd.randrange(10**8):08d}" if locale == "ko_KR"
                         else f"+1212555{rnd.randrange(10**4):04d}"),
               "timezone": rnd.choice(TIMEZONES[locale]), "locale": locale.replace("_", "-"),
               "attributes": attributes, "consent": self._consent(locale),
               "created_at": created, "updated_at": created}
        tags = [tag for tag, has in (("vip", spent >= VIP_SPEND),
                                     ("newsletter", rnd.random() < 0.4)) if has]
        return row, [{**event, "dedup_key": f"{external}:{number}"}
                     for number, event in enumerate(events)], tags

    def _history(self, created: datetime) -> tuple[list[dict[str, Any]], int, int, datetime | None]:
        """Events up to now, and the orders, spend and last order time they add up to."""
        rnd, events = self.random, [{"name": "signup", "properties": {}, "occurred_at": created}]
        for _ in range(rnd.choice([0, 0, 1, 1, 2, 3, 5])):
            sku, product, price = rnd.choice(PRODUCTS)
            at = created + (self.now - created) * rnd.random()
            events.append({"name": "product_viewed", "occurred_at": at,
                           "properties": {"sku": sku, "product": product}})
            if rnd.random() < 0.5:
                at += timedelta(minutes=rnd.uniform(1, 30))
                events.append({"name": "cart_add", "occurred_at": at,
                               "properties": {"sku": sku, "product": product, "price": price}})
                if rnd.random() < 0.6:
                    at += timedelta(minutes=rnd.uniform(5, 300))
                    events.append({"name": "order_completed", "occurred_at": at, "properties": {
                        "sku": sku, "product": product,
                        "total": price * rnd.choice([1, 1, 2, 3])}})
        events = [event for event in events if event["occurred_at"] <= self.now]
        orders = [event for event in events if event["name"] == "order_completed"]
        last_order = max((event["occurred_at"] for event in orders), default=None)
        return events, len(orders), sum(e["properties"]["total"] for e in orders), last_order

    def _birthday(self) -> str:
        rnd = self.random
        return f"{rnd.randint(1960, 2006)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"

    def _consent(self, locale: str) -> dict[str, bool]:
        rnd = self.random
        return {"email": rnd.random() < 0.7, "sms": rnd.random() < 0.5,
                "kakao": locale == "ko_KR" and rnd.random() < 0.65, "push": rnd.random() < 0.4}


def load_demo(sessions: sessionmaker[Session], now: datetime, customers: int = 100_000,
              seed: int = 7, timezone: str = "Asia/Seoul",
              progress: Progress | None = None) -> DemoReport:
    """Load the demo audience (in chunks, each committed) and the starter journeys."""
    people, report = _People(seed, now), DemoReport()
    for start in range(0, customers, CHUNK):
        batch = [people.customer(index) for index in range(start, min(start + CHUNK, customers))]
        with sessions.begin() as session:
            added = _write(session, batch, now)
        report.customers += added[0]
        report.events += added[1]
        if progress:
            progress(min(start + CHUNK, customers), customers)
    with sessions.begin() as session:
        report.journeys = add_starters(session, now, timezone)
    return report


def _write(session: Session, batch: list[tuple[dict, list[dict], list[str]]],
           now: datetime) -> tuple[int, int]:
    """Insert customers (skipping existing ones), then their events and tags; (added, events)."""
    rows = insert_rows(session, Customer.__table__, [row for row, _, _ in batch],
                       returning=(Customer.id, Customer.external_id))
    ids = {external: customer_id for customer_id, external in rows}
    events, tags = [], []
    for row, history, labels in batch:
        customer_id = ids.get(row["external_id"])
        if customer_id is None:
            continue  # loaded before: its events and tags are there too
        events += [{"customer_id": customer_id, "received_at": now, **event} for event in history]
        tags += [{"customer_id": customer_id, "tag": tag} for tag in labels]
    insert_rows(session, Event.__table__, events)
    insert_rows(session, CustomerTag.__table__, tags)
    return len(ids), len(events)


def add_starters(session: Session, now: datetime, timezone: str) -> int:
    """Create each starter journey as a draft, unless one with its name exists; how many."""
    existing = set(session.scalars(select(Journey.name)))
    added = 0
    for starter in STARTERS.values():
        if starter.name in existing:
            continue
        session.add(Journey(name=starter.name, description=starter.description,
                            draft=instantiate(session, starter, timezone),
                            status=JourneyStatus.DRAFT, created_at=now, updated_at=now))
        added += 1
    session.flush()
    return added
