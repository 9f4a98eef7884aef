"""Give a coupon (`nodes/action_coupon.py`): the customer's code of the pool, or the next free one.

On a worker the free code is taken in the batch's transaction (PostgreSQL skips codes another
batch is taking), marked with the customer, run and step: it commits with the step or not at
all, so no code is given twice and none is lost to a killed worker. A customer who already holds
a code of the pool keeps it. No free code left: the step leaves by "Out of codes".
A preview reads the pool and imagines the same, counting down the codes its customers would take.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select, update

from nodes.action_coupon import IssueCoupon
from runtime.flow.effects import EffectStep, Executor
from runtime.store.references.coupon_pool import CouponCode


def give(effect: IssueCoupon, step: EffectStep) -> str | None:
    """Take the customer's code for real; the empty port when the pool has none left."""
    session = step.session
    assert session is not None, "a coupon is given on a worker, in the batch's transaction"
    code = session.scalar(select(CouponCode.code).where(
        CouponCode.pool_id == effect.pool, CouponCode.customer_id == step.profile.id).limit(1))
    if code is None:
        free = (select(CouponCode.id, CouponCode.code)
                .where(CouponCode.pool_id == effect.pool, CouponCode.customer_id.is_(None))
                .order_by(CouponCode.id).limit(1))
        if session.get_bind().dialect.name == "postgresql":
            free = free.with_for_update(skip_locked=True)
        row = session.execute(free).first()
        if row is None:
            step.why = f"coupon pool {effect.pool} has no free code left"
            return effect.empty_port
        session.execute(update(CouponCode).where(CouponCode.id == row.id).values(
            customer_id=step.profile.id, run_id=step.run_id, node_id=step.node_id,
            given_at=step.now))
        code = row.code
    _keep(effect, step, code)
    return None


def imagine(effect: IssueCoupon, step: EffectStep) -> str | None:
    """What giving would do, from the pool as it is now (codes this preview's customers would
    take counted down); nothing is taken."""
    if step.reading is None:
        _keep(effect, step, "COUPON-PREVIEW")
        return None
    pool = step.memo.get(("coupon_pool", effect.pool))
    if pool is None:
        pool = step.memo[("coupon_pool", effect.pool)] = _read_pool(effect, step)
    held = pool["held"].get(step.profile.id)
    if held is None and pool["left"] <= 0:
        step.why = f"coupon pool {effect.pool} has no free code left"
        return effect.empty_port
    if held is None:
        pool["left"] -= 1
    _keep(effect, step, held or pool["next"] or "COUPON-PREVIEW")
    return None


def _read_pool(effect: IssueCoupon, step: EffectStep) -> dict:
    assert step.reading is not None
    with step.reading() as session:
        left = session.scalar(select(func.count()).where(
            CouponCode.pool_id == effect.pool, CouponCode.customer_id.is_(None))) or 0
        first = session.scalar(select(CouponCode.code).where(
            CouponCode.pool_id == effect.pool, CouponCode.customer_id.is_(None))
            .order_by(CouponCode.id).limit(1))
        held = dict(session.execute(select(CouponCode.customer_id, CouponCode.code).where(
            CouponCode.pool_id == effect.pool, CouponCode.customer_id.is_not(None))).all())
    return {"left": left, "next": first, "held": held}


def _keep(effect: IssueCoupon, step: EffectStep, code: str) -> None:
    step.profile = replace(step.profile,
                           attributes={**step.profile.attributes, effect.attribute: code})


EXECUTOR = Executor(IssueCoupon, perform=give, imagine=imagine)
