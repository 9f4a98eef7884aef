"""Coupons end to end: each customer gets one unique code exactly once, the next message reads
it, an empty pool takes "Out of codes", previews imagine the same — and a killed worker gives no
code twice. Real SQLite/PostgreSQL and Redis; real worker processes for the kill."""

from __future__ import annotations

import signal
from collections import Counter

from sqlalchemy import func, select

from builder.compiled import compile_journey
from nodes.kit.spec import Ref
from runtime.clock import SystemClock
from runtime.customers.profiles import load_profiles
from runtime.flow.effects import Effects
from runtime.run.lifecycle import publish
from runtime.run.simulation import Scenario, load_templates, simulate
from runtime.store.db import read_sessionmaker
from runtime.store.models import Customer, Journey, Message, Run, RunStatus, Step
from runtime.store.references import missing, options
from runtime.store.references.coupon_pool import CouponCode, CouponPool
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey, add_template, drain, wait_until
from tests.runtime.test_faults import add_many, progress

EVERYONE = {"type": "and", "rules": []}


def coupon_journey(pool: int, template: int) -> dict:
    """Everyone → give a code → email it; out of codes → exit "no code left"."""
    return document(
        [node("entry", "entry.segment", "Everyone", {"rule": EVERYONE}),
         node("give", "action.coupon", "Welcome coupon", {"pool": pool}),
         node("mail", "action.send", "Your code", {"channel": "email", "template": template}),
         node("done", "flow.exit", "Sent", {"reason": "sent"}),
         node("none", "flow.exit", "No code left", {"reason": "no code left"})],
        [edge("entry", "give"), edge("give", "mail", "next"),
         edge("give", "none", "out_of_codes"), edge("mail", "done", "next")])


def add_pool(session, codes: list[str], name: str = "Welcome 10%") -> int:
    pool = CouponPool(name=name)
    session.add(pool)
    session.flush()
    session.execute(CouponCode.__table__.insert(), [{"pool_id": pool.id, "code": code}
                                                    for code in codes])
    return pool.id


def published(rt, customers: int, codes: int) -> tuple[int, int]:
    """A live coupon journey for `customers` with a pool of `codes`; (journey, pool) ids."""
    with rt.sessions() as session:
        add_customers(session, customers, rt.clock.now())
        pool = add_pool(session, [f"WELCOME-{index:05d}" for index in range(codes)])
        template = add_template(session, subject="A gift",
                                source="Your code: {{ customer.coupon_code }}")
        journey = add_journey(session, coupon_journey(pool, template))
        publish(session, journey, rt.clock.now())
        session.commit()
    return journey, pool


def test_each_customer_gets_one_unique_code_and_the_rest_go_out_of_codes(wayline) -> None:
    journey, pool = published(wayline, customers=12, codes=8)
    drain(wayline)
    with wayline.sessions() as session:
        given = session.execute(select(CouponCode.customer_id, CouponCode.code, CouponCode.node_id)
                                .where(CouponCode.customer_id.is_not(None))).all()
        profiles = dict(session.execute(select(Customer.id, Customer.attributes)).all())
        reasons = Counter(session.scalars(select(Run.exit_reason)))
        ports = Counter(session.scalars(select(Step.port).where(Step.node_id == "give")))
        bodies = list(session.scalars(select(Message.content)))
    assert len(given) == 8 and len({code for _, code, _ in given}) == 8
    assert all(node_id == "give" for _, _, node_id in given)
    assert all(profiles[customer]["coupon_code"] == code for customer, code, _ in given)
    assert reasons == {"sent": 8, "no code left": 4}
    assert ports == {"next": 8, "out_of_codes": 4}
    assert sorted(body["text"].removeprefix("Your code: ") for body in bodies) == \
        sorted(code for _, code, _ in given)


def test_a_customer_keeps_their_code_of_a_pool(wayline) -> None:
    journey, pool = published(wayline, customers=2, codes=5)
    drain(wayline)
    with wayline.sessions() as session:
        first = dict(session.execute(select(CouponCode.customer_id, CouponCode.code)
                                     .where(CouponCode.customer_id.is_not(None))).all())
        # A second journey on the same pool: the same customers, the same codes.
        template = add_template(session, name="Again", subject="Again",
                                source="{{ customer.coupon_code }}")
        again = add_journey(session, coupon_journey(pool, template), "Again")
        publish(session, again, wayline.clock.now())
        session.commit()
    drain(wayline)
    with wayline.sessions() as session:
        after = dict(session.execute(select(CouponCode.customer_id, CouponCode.code)
                                     .where(CouponCode.customer_id.is_not(None))).all())
        left = session.scalar(select(func.count()).select_from(CouponCode)
                              .where(CouponCode.customer_id.is_(None)))
    assert after == first and left == 3


def test_a_preview_imagines_codes_running_out_and_takes_none(wayline) -> None:
    journey, pool = published(wayline, customers=3, codes=2)
    with wayline.sessions() as session:
        plan = compile_journey(session.get(Journey, journey).draft)
        ids = sorted(session.scalars(select(Customer.id)))
        profiles = load_profiles(session, ids, wayline.clock.now())
        templates = load_templates(session, plan)
    reading = read_sessionmaker(wayline.engine)
    scenario = Scenario(plan, templates, wayline.clock.now(), effects=Effects(reading=reading))
    ends = [simulate(scenario, profiles[customer], wayline.clock.now(), str(customer)).end_reason
            for customer in ids]
    assert ends == ["sent", "sent", "no code left"]
    with wayline.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CouponCode)
                              .where(CouponCode.customer_id.is_not(None))) == 0


def test_the_reference_kind_finds_pools_and_offers_them(wayline) -> None:
    with wayline.sessions() as session:
        pool = add_pool(session, ["A1", "A2"], "Spring")
        session.commit()
        assert missing(session, [Ref("coupon_pool", pool, "pool"),
                                 Ref("coupon_pool", pool + 1, "pool")]) == \
            {("coupon_pool", pool + 1)}
        assert options(session, "coupon_pool") == [
            {"id": pool, "name": "Spring", "given": 0, "left": 2}]


def test_a_worker_killed_mid_batch_gives_no_code_twice(wayline, workers) -> None:
    customers = 3000
    wayline.clock = SystemClock()
    with wayline.sessions() as session:
        add_many(session, customers, wayline.clock.now())
        pool = add_pool(session, [f"K{index:05d}" for index in range(customers - 500)])
        template = add_template(session, subject="A gift", source="{{ customer.coupon_code }}")
        journey = add_journey(session, coupon_journey(pool, template))
        publish(session, journey, wayline.clock.now())
        session.commit()
    first = workers()
    wait_until(lambda: progress(wayline)[1] > 0, 60, "the first worker to claim runs")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert progress(wayline)[0] < customers, "the kill should land mid-run"
    workers()
    wait_until(lambda: progress(wayline) == (customers, 0), 120, "everyone to finish")
    with wayline.sessions() as session:
        given = session.execute(select(CouponCode.customer_id, func.count())
                                .where(CouponCode.customer_id.is_not(None))
                                .group_by(CouponCode.customer_id)).all()
        codes = dict(session.execute(select(Customer.id, Customer.attributes)).all())
        reasons = Counter(session.scalars(select(Run.exit_reason)))
        statuses = Counter(session.scalars(select(Run.status)))
    assert statuses == {RunStatus.EXITED: customers}
    assert len(given) == customers - 500 and all(count == 1 for _, count in given)
    assert reasons == {"sent": customers - 500, "no code left": 500}
    assert len({attributes.get("coupon_code") for attributes in codes.values()} - {None}) == \
        customers - 500
