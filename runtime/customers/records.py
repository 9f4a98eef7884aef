"""Customer upserts in bulk: profiles created or changed by external id, tags added or removed.

A `CustomerPatch` says what to change (fields left out stay as they are). `upsert_customers`
applies a batch of patches in the caller's transaction with a fixed number of statements:
lock the existing rows (SELECT … FOR UPDATE on PostgreSQL; a SQLite write transaction already
holds the database), insert the new customers (INSERT … ON CONFLICT DO NOTHING RETURNING), and
update the changed ones with one UPDATE … FROM unnest (runtime.store.sql). The merge itself — custom
attributes merged key by key with null removing a key, consent per channel, tags — is one
Python function, so it means the same on both databases. Every consent cell a batch moves gets
its history row in the same transaction (`runtime.customers.consent_history`), and a customer
given a phone number on the 080 opt-out list is refused advertising on the phone channels. A
customer whose patch changes nothing is not written (its updated_at stays: segment entries
read it as "changed since").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, String, any_, delete, literal, select, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from runtime.customers.consent_history import (
    Entry,
    Source,
    entries_for,
    opted_out,
    record_changes,
    refuse_listed,
)
from runtime.customers.fields import ConsentChange, apply_consent
from runtime.customers.input_bounds import growth_problem
from runtime.store.models import Customer, CustomerTag
from runtime.store.sql import among, copy_rows, insert_rows, new_ids, update_rows

customers = Customer.__table__
customer_tags = CustomerTag.__table__

PROFILE_FIELDS = ("email", "phone", "timezone", "locale")
"""Profile columns a patch may set (None clears one)."""

UPSERT_BATCH = 2_000
"""Customers per set of statements (bounded so each statement's parameters stay small)."""


class Outcome(StrEnum):
    """What an upsert did to one customer."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REFUSED = "refused"  # the change would grow the profile past its bounds; nothing written


@dataclass
class CustomerPatch:
    """Changes to one customer, already checked and normalised (see runtime.customers.fields)."""

    external_id: str
    fields: dict[str, str | None] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)  # None removes the attribute
    consent: dict[str, ConsentChange] = field(default_factory=dict)
    tags_add: set[str] = field(default_factory=set)
    tags_remove: set[str] = field(default_factory=set)


def merge_patches(first: CustomerPatch, later: CustomerPatch) -> CustomerPatch:
    """One patch doing what `first` then `later` would (the later value wins, field by field)."""
    return CustomerPatch(
        external_id=first.external_id,
        fields={**first.fields, **later.fields},
        attributes={**first.attributes, **later.attributes},
        consent={**first.consent, **{
            channel: first.consent[channel].then(change) if channel in first.consent else change
            for channel, change in later.consent.items()}},
        tags_add=(first.tags_add - later.tags_remove) | later.tags_add,
        tags_remove=(first.tags_remove - later.tags_add) | later.tags_remove,
    )


def collapse(patches: Iterable[CustomerPatch]) -> dict[str, CustomerPatch]:
    """Patches by external id, repeats of one id merged in order."""
    merged: dict[str, CustomerPatch] = {}
    for patch in patches:
        earlier = merged.get(patch.external_id)
        merged[patch.external_id] = patch if earlier is None else merge_patches(earlier, patch)
    return merged


@dataclass(frozen=True)
class Upserted:
    """One customer after an upsert: its id, what happened, and why it was refused."""

    customer_id: int
    outcome: Outcome
    problem: str | None = None


def upsert_customers(session: Session, patches: Sequence[CustomerPatch], now: datetime,
                     source: str) -> dict[str, Upserted]:
    """Apply patches (one per external id) in the caller's transaction; results by external id.

    `source` is recorded with consent given without one ("api", "import" …).
    """
    done: dict[str, Upserted] = {}
    for start in range(0, len(patches), UPSERT_BATCH):
        done.update(_upsert_batch(session, patches[start:start + UPSERT_BATCH], now, source))
    return done


def _upsert_batch(session: Session, patches: Sequence[CustomerPatch], now: datetime,
                  source: str) -> dict[str, Upserted]:
    by_id = {patch.external_id: patch for patch in patches}
    existing = _lock_existing(session, sorted(by_id))
    fresh = [by_id[key] for key in sorted(by_id) if key not in existing]
    created = _insert_new(session, fresh, now, source)
    raced = [patch.external_id for patch in fresh if patch.external_id not in created]
    if raced:  # created by someone else since we looked: update them instead
        existing.update(_lock_existing(session, raced))
    done = {key: Upserted(customer_id, Outcome.CREATED) for key, customer_id in created.items()}
    done.update(_update_existing(session, [by_id[key] for key in existing], existing, now,
                                 source))
    # Tags of customers this transaction created can't exist yet: COPY them in.
    copy_rows(session, customer_tags, ("customer_id", "tag"),
              [(created[patch.external_id], tag) for patch in fresh
               if patch.external_id in created for tag in sorted(patch.tags_add)])
    return done


def _lock_existing(session: Session, external_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The current rows of these customers, locked until the transaction ends."""
    if not external_ids:
        return {}
    columns = (customers.c.id, customers.c.external_id, *(customers.c[name] for name in
                                                          PROFILE_FIELDS),
               customers.c.attributes, customers.c.consent)
    query = (select(*columns).where(_among_texts(session, customers.c.external_id, external_ids))
             .order_by(customers.c.id).with_for_update())
    return {row.external_id: dict(row._mapping) for row in session.execute(query)}


def _insert_new(session: Session, patches: Sequence[CustomerPatch], now: datetime,
                source: str) -> dict[str, int]:
    """Create customers that don't exist; {external_id: id} of those this call created."""
    listed = opted_out(session, (patch.fields.get("phone") for patch in patches))
    given = {patch.external_id: {channel: apply_consent(None, change, now, source)
                                 for channel, change in patch.consent.items()}
             for patch in patches}
    rows = [{
        "external_id": patch.external_id,
        **{name: patch.fields.get(name) for name in PROFILE_FIELDS},
        "attributes": {key: value for key, value in patch.attributes.items() if value is not None},
        "consent": _listed_consent(given[patch.external_id], patch.fields.get("phone"), listed),
        "created_at": now, "updated_at": now,
    } for patch in patches]
    if not rows:
        return {}
    created = _insert_rows(session, rows)
    record_changes(session, [
        entry for row in rows if row["external_id"] in created
        for entry in _consent_entries(created[row["external_id"]], {},
                                      given[row["external_id"]], row["consent"], source)], now)
    return created


def _insert_rows(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new customers' rows; {external_id: id} of those inserted."""
    if session.get_bind().dialect.name == "sqlite":
        # A SQLite write transaction holds the database from BEGIN IMMEDIATE: no one can have
        # created these customers since `_lock_existing`, so they go in as they are, with the
        # ids SQLite would give them (a plain executemany, without SQLAlchemy's per-row work).
        ids = new_ids(session, customers, len(rows))
        copy_rows(session, customers, ("id", *rows[0]),
                  [(customer_id, *row.values()) for customer_id, row in zip(ids, rows,
                                                                             strict=True)])
        return {row["external_id"]: customer_id for customer_id, row in zip(ids, rows,
                                                                             strict=True)}
    found = insert_rows(session, customers, rows,
                        returning=(customers.c.external_id, customers.c.id))
    return {external_id: customer_id for external_id, customer_id in found}


def merged_row(current: Mapping[str, Any], patch: CustomerPatch, now: datetime,
               source: str) -> dict[str, Any]:
    """The profile columns of `current` with `patch` applied."""
    attributes = dict(current["attributes"] or {})
    for key, value in patch.attributes.items():
        if value is None:
            attributes.pop(key, None)
        else:
            attributes[key] = value
    consent = dict(current["consent"] or {})
    for channel, change in patch.consent.items():
        consent[channel] = apply_consent(consent.get(channel), change, now, source)
    return {**{name: patch.fields.get(name, current[name]) for name in PROFILE_FIELDS},
            "attributes": attributes, "consent": consent}


def _update_existing(session: Session, patches: Sequence[CustomerPatch],
                     current: Mapping[str, Mapping[str, Any]], now: datetime,
                     source: str) -> dict[str, Upserted]:
    ids = [current[patch.external_id]["id"] for patch in patches]
    tags = _tags_of(session, ids)
    listed = opted_out(session, (patch.fields.get("phone") for patch in patches
                                 if "phone" in patch.fields))
    changes, additions, removals = [], [], []
    entries: list[Entry] = []
    done: dict[str, Upserted] = {}
    for patch in patches:
        row = current[patch.external_id]
        have = tags.get(row["id"], set())
        added = sorted(patch.tags_add - have)
        removed = sorted(patch.tags_remove & have)
        new = merged_row(row, patch, now, source)
        problem = growth_problem(row["attributes"] or {}, new["attributes"]) \
            if patch.attributes else None
        if problem is not None:
            done[patch.external_id] = Upserted(row["id"], Outcome.REFUSED, problem)
            continue
        given = new["consent"]
        if new["phone"] != row["phone"]:
            new["consent"] = _listed_consent(given, new["phone"], listed)
        entries += _consent_entries(row["id"], row["consent"], given, new["consent"], source)
        changed = any(new[name] != row[name] for name in new) or added or removed
        if changed:
            changes.append({"id": row["id"], **new, "updated_at": now})
        additions += [(row["id"], tag) for tag in added]
        removals += [(row["id"], tag) for tag in removed]
        done[patch.external_id] = Upserted(row["id"], Outcome.UPDATED if changed
                                           else Outcome.UNCHANGED)
    _update_rows(session, changes)
    record_changes(session, entries, now)
    _add_tags(session, additions)
    _remove_tags(session, removals)
    return done


def _listed_consent(consent: dict[str, Any], phone: str | None,
                    listed: Mapping[str, Any]) -> dict[str, Any]:
    """The consent, refused for advertising on the phone channels if `phone` is listed."""
    return refuse_listed(consent, listed[phone]) if phone in listed else consent


def _consent_entries(customer_id: int, before: Mapping[str, Any] | None,
                     given: Mapping[str, Any], final: Mapping[str, Any],
                     source: str) -> list[Entry]:
    """History entries: what the patch gave (by `source`), then what the 080 list refused."""
    path = Source(source) if source in Source.__members__.values() else Source.SYSTEM
    return [*entries_for(customer_id, before, given, path),
            *entries_for(customer_id, {**(before or {}), **given}, final, Source.OPT_OUT_LINE,
                         note="number on the 080 opt-out list")]


def _among_texts(session: Session, column: ColumnElement[str],
                 values: Sequence[str]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL one text[] parameter (as runtime.store.sql.among does)."""
    if session.get_bind().dialect.name != "postgresql":
        return column.in_(list(values))
    return column == any_(literal(list(values), postgresql.ARRAY(String)))


def _update_rows(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """runtime.store.sql.update_rows; on SQLite a plain executemany of the driver (no per-row
    SQLAlchemy work), with the values processed as the ORM would store them."""
    if not rows or session.get_bind().dialect.name != "sqlite":
        update_rows(session, customers, rows)
        return
    dialect = session.get_bind().dialect
    names = [name for name in rows[0] if name != "id"]
    process = [customers.c[name].type.dialect_impl(dialect).bind_processor(dialect)
               for name in names]
    sql = (f"UPDATE customers SET {', '.join(f'{name} = ?' for name in names)} WHERE id = ?")
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, [
            (*(value if step is None or value is None else step(value)
               for step, value in zip(process, (row[name] for name in names), strict=True)),
             row["id"]) for row in rows])
    finally:
        cursor.close()


def _tags_of(session: Session, customer_ids: Sequence[int]) -> dict[int, set[str]]:
    tags: dict[int, set[str]] = {}
    if customer_ids:
        for customer_id, tag in session.execute(
                select(customer_tags.c.customer_id, customer_tags.c.tag)
                .where(among(session, customer_tags.c.customer_id, customer_ids))):
            tags.setdefault(customer_id, set()).add(tag)
    return tags


def _add_tags(session: Session, pairs: Sequence[tuple[int, str]]) -> None:
    insert_rows(session, customer_tags, [{"customer_id": customer_id, "tag": tag}
                                         for customer_id, tag in pairs])


def _remove_tags(session: Session, pairs: Sequence[tuple[int, str]]) -> None:
    if pairs:
        session.execute(delete(customer_tags).where(
            tuple_(customer_tags.c.customer_id, customer_tags.c.tag).in_(list(pairs))))
