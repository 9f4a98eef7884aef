"""Coupon pools: made, filled (uploaded codes, or generated ones), counted, and deleted when no
journey uses them.

A pool's codes are given by "Give a coupon" steps (`nodes/action_coupon.py`, executed by
`runtime.flow.effects.coupon`); the tables and the reference kind are in
`runtime.store.references.coupon_pool`. An upload is text, one code a line (a CSV's first
column; a header named "code" is skipped): a line that isn't a code is reported with its number
and the others load; a code the pool already has is counted, not added twice. Every change is in
the audit trail.
"""

from __future__ import annotations

import csv
import re
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runtime.errors import InvalidInputError, NotFoundError, WrongStateError
from runtime.store.audit import Actor, record
from runtime.store.references.coupon_pool import CouponCode, CouponPool, counts
from runtime.store.sql import insert_rows
from server.context import Wayline
from server.schemas.coupons import (
    CodeProblem,
    CodesAdded,
    CouponPoolCreate,
    CouponPoolDetail,
    CouponPoolPage,
    CouponPoolSummary,
    GenerateCodes,
)
from server.services.usage import in_use_message, journeys_using, usage

CODE = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")
"""A code: letters, digits, - and _, up to 100 characters (what a customer can type back)."""

MAX_UPLOAD_LINES = 1_000_000
"""Lines one upload may hold; bigger lists go in several uploads."""

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Generated codes' characters: no 0/O, 1/I/L look-alikes, so a code read aloud is typed right."""


def list_pools(wl: Wayline) -> CouponPoolPage:
    """Every pool by name, with codes given and left and how many journeys use it."""
    with wl.reading() as session:
        pools = session.scalars(select(CouponPool).order_by(func.lower(CouponPool.name))).all()
        used = usage(session, wl.registry, "coupon_pool")
        figures = counts(session, [pool.id for pool in pools])
        return CouponPoolPage([_summary(pool, figures[pool.id], len(used.get(pool.id, [])))
                               for pool in pools])


def create_pool(wl: Wayline, actor: Actor, data: CouponPoolCreate) -> CouponPoolDetail:
    """Make an empty pool; 422 on a name already taken."""
    name = data.name.strip()
    with wl.writing() as session:
        if session.scalar(select(CouponPool.id).where(
                func.lower(CouponPool.name) == name.lower())) is not None:
            raise InvalidInputError(f"There is already a coupon pool called '{name}'.",
                                    [{"field": "name", "message": "already taken"}])
        pool = CouponPool(name=name, description=data.description, created_at=wl.now())
        session.add(pool)
        session.flush()
        _audit(session, actor, "coupon_pool.created", pool, wl)
        return _detail(wl, session, pool)


def get_pool(wl: Wayline, pool_id: int) -> CouponPoolDetail:
    """A pool, its counts and the journeys that use it."""
    with wl.reading() as session:
        return _detail(wl, session, _get(session, pool_id))


def delete_pool(wl: Wayline, actor: Actor, pool_id: int) -> None:
    """Delete a pool and its codes; refused (409, naming them) while journeys use it."""
    with wl.writing() as session:
        pool = _get(session, pool_id, lock=True)
        uses = journeys_using(session, wl.registry, "coupon_pool", pool.id)
        if uses:
            raise WrongStateError(in_use_message(f"the coupon pool '{pool.name}'", uses),
                                  [{"code": "coupon_pool.in_use",
                                    "message": f"Used by '{use.name}'",
                                    "node_id": use.node_ids[0]} for use in uses])
        _audit(session, actor, "coupon_pool.deleted", pool, wl, details=counts(
            session, [pool.id])[pool.id])
        session.delete(pool)


def add_codes(wl: Wayline, actor: Actor, pool_id: int, text: str) -> CodesAdded:
    """Add the codes of an upload (one a line, or a CSV's first column); bad lines reported."""
    codes, problems = parse_codes(text)
    return _add(wl, actor, pool_id, codes, problems, "coupon_pool.codes_uploaded")


def generate_codes(wl: Wayline, actor: Actor, pool_id: int, how: GenerateCodes) -> CodesAdded:
    """Add `count` new random codes (a collision, vanishingly rare, is drawn again)."""
    codes: set[str] = set()
    while len(codes) < how.count:
        codes.add(how.prefix + "".join(secrets.choice(ALPHABET) for _ in range(how.length)))
    return _add(wl, actor, pool_id, sorted(codes), [], "coupon_pool.codes_generated")


def parse_codes(text: str) -> tuple[list[str], list[CodeProblem]]:
    """The codes of an upload, in order and without repeats, and the lines that aren't codes."""
    codes: dict[str, None] = {}
    problems: list[CodeProblem] = []
    # Line by line (any of \n, \r\n, \r ends one), so a line the CSV reader refuses (a NUL,
    # a stray quote) is reported with its number and the others still load.
    for number, line in enumerate(text.splitlines(), 1):
        if number > MAX_UPLOAD_LINES:
            problems.append(CodeProblem(number, f"an upload holds at most {MAX_UPLOAD_LINES:,} "
                                                "lines; upload the rest separately"))
            break
        try:
            row = next(csv.reader([line]), [])
        except csv.Error as error:
            problems.append(CodeProblem(number, f"this line can't be read as CSV: {error}"))
            continue
        value = row[0].strip() if row else ""
        if not value or (number == 1 and value.lower() == "code"):
            continue
        if CODE.match(value):
            codes.setdefault(value)
        else:
            problems.append(CodeProblem(number, f"'{value[:40]}' is not a code: use letters, "
                                                "digits, - and _, up to 100 characters"))
    return list(codes), problems


def _add(wl: Wayline, actor: Actor, pool_id: int, codes: list[str],
         problems: list[CodeProblem], action: str) -> CodesAdded:
    with wl.writing() as session:
        pool = _get(session, pool_id, lock=True)
        added = insert_rows(session, CouponCode.__table__,
                            [{"pool_id": pool.id, "code": code} for code in codes],
                            returning=[CouponCode.__table__.c.id])
        _audit(session, actor, action, pool, wl, details={
            "added": len(added), "already_there": len(codes) - len(added),
            "refused_lines": len(problems)})
        summary = _detail(wl, session, pool).pool
    return CodesAdded(added=len(added), already_there=len(codes) - len(added),
                      problems=problems, pool=summary)


def _detail(wl: Wayline, session: Session, pool: CouponPool) -> CouponPoolDetail:
    uses = journeys_using(session, wl.registry, "coupon_pool", pool.id)
    return CouponPoolDetail(_summary(pool, counts(session, [pool.id])[pool.id], len(uses)), uses)


def _summary(pool: CouponPool, figures: dict[str, int], journeys: int) -> CouponPoolSummary:
    return CouponPoolSummary(id=pool.id, name=pool.name, description=pool.description,
                             given=figures["given"], left=figures["left"], journeys=journeys,
                             created_at=pool.created_at)


def _get(session: Session, pool_id: int, lock: bool = False) -> CouponPool:
    query = select(CouponPool).where(CouponPool.id == pool_id)
    pool = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if pool is None:
        raise NotFoundError("coupon pool", pool_id)
    return pool


def _audit(session: Session, actor: Actor, action: str, pool: CouponPool, wl: Wayline,
           details: dict | None = None) -> None:
    record(session, actor, action, object_kind="coupon_pool", object_id=pool.id,
           object_name=pool.name, at=wl.now(), **({"after": details} if details else {}))
