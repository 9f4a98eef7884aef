"""Customers: upsert one or many by external id, read one with their events and journeys, list.

Every value is checked and normalised by runtime.customers.fields, and written by
runtime.customers.records, the same code the CSV import uses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from msgspec import UNSET
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builder.validation import Issue
from runtime.customers.fields import (
    ConsentChange,
    FieldError,
    check_attribute_name,
    check_no_nul,
    is_phone_region,
    normalise_email,
    normalise_external_id,
    normalise_locale,
    normalise_phone,
    normalise_tag,
    normalise_timezone,
)
from runtime.customers.input_bounds import parse_instant, value_problems
from runtime.customers.records import CustomerPatch, collapse, upsert_customers
from runtime.errors import InvalidInputError, NotFoundError
from runtime.store.models import Customer, CustomerTag, Event, Journey, JourneyVersion, Run
from server.context import Wayline
from server.schemas.customers import (
    BulkResult,
    ConsentIn,
    ConsentOut,
    CustomerBulkIn,
    CustomerDetail,
    CustomerIn,
    CustomerJourney,
    CustomerPage,
    CustomerProfile,
    CustomerSummary,
    EventOut,
    UpsertResult,
)
from server.services.customer_search import matching, name_of

RECENT_EVENTS = 50
"""Events shown with a customer (newest first)."""

RECENT_RUNS = 50
"""Journey passes shown with a customer (newest first)."""

NORMALISERS: dict[str, Callable[[str], str]] = {
    "email": normalise_email, "timezone": normalise_timezone, "locale": normalise_locale}


def patch_from(external_id: str, data: CustomerIn, now: datetime
               ) -> tuple[CustomerPatch, list[Issue]]:
    """The changes `data` makes, normalised, and every problem found (field by field)."""
    issues = [Issue(code="customer.invalid", field=problem.field, message=problem.message)
              for problem in value_problems("attributes", data.attributes)]

    def check(field: str, make: Callable[[], Any]) -> Any:
        try:
            return make()
        except FieldError as problem:
            issues.append(Issue(code="customer.invalid", message=problem.message,
                                   field=problem.field or field))
            return None

    patch = CustomerPatch(external_id=check("external_id",
                                            lambda: normalise_external_id(external_id)) or "")
    if data.phone_region is not None and not is_phone_region(data.phone_region):
        issues.append(Issue(code="customer.invalid", field="phone_region", message=(
            f"'{data.phone_region}' is not a region code; use one such as KR or US.")))
    for name, normalise in NORMALISERS.items():
        value = getattr(data, name)
        if value is not UNSET:
            patch.fields[name] = None if value is None else check(name, lambda n=normalise,
                                                                  v=value: n(v))
    if data.phone is not UNSET:
        patch.fields["phone"] = None if data.phone is None else check(
            "phone", lambda: normalise_phone(data.phone, data.phone_region))
    for key, value in data.attributes.items():
        before = len(issues)
        check(f"attributes.{key}", lambda k=key: check_attribute_name(k))
        check(f"attributes.{key}", lambda k=key, v=value: check_no_nul(f"attributes.{k}", v))
        if len(issues) == before:
            patch.attributes[key] = value
    for channel, given in data.consent.items():
        if isinstance(given, ConsentIn) and given.source:
            check(f"consent.{channel}.source", lambda c=channel, g=given: check_no_nul(
                f"consent.{c}.source", g.source))
        at = check(f"consent.{channel}.at", lambda c=channel, g=given: _consent_at(c, g, now))
        patch.consent[channel] = _consent(given, at)
    if data.tags is not None:
        patch.tags_add = {tag for tag in (check("tags.add", lambda t=raw: normalise_tag(t))
                                          for raw in data.tags.add) if tag}
        patch.tags_remove = {tag for tag in (check("tags.remove", lambda t=raw: normalise_tag(t))
                                             for raw in data.tags.remove) if tag}
    return patch, issues


def _consent_at(channel: str, given: bool | ConsentIn, now: datetime) -> datetime | None:
    """When consent was given, if the call says (FieldError when it can't be right)."""
    if isinstance(given, bool) or given.at is None:
        return None
    return parse_instant(f"consent.{channel}.at", given.at, now)


def _refused(problem: str) -> Issue:
    return Issue(code="customer.invalid", field="attributes", message=problem[:1].upper() +
                    problem[1:])


def _consent(given: bool | ConsentIn, at: datetime | None) -> ConsentChange:
    if isinstance(given, bool):
        return ConsentChange(granted=given, source="api")
    return ConsentChange(granted=given.granted, at=at, source=given.source or "api",
                         transactional=given.transactional, night=given.night)


def upsert_customer(wl: Wayline, external_id: str, data: CustomerIn) -> UpsertResult:
    """Create or change one customer; 422 listing every problem with its field."""
    patch, issues = patch_from(external_id, data, wl.now())
    if issues:
        raise InvalidInputError(f"Customer {external_id!r} was not saved: " +
                                "; ".join(issue.message for issue in issues), issues)
    with wl.writing() as session:
        done = upsert_customers(session, [patch], wl.now(), "api")[patch.external_id]
    if done.problem is not None:
        raise InvalidInputError(f"Customer {external_id!r} was not saved: {done.problem}",
                                [_refused(done.problem)])
    return UpsertResult(external_id=patch.external_id, status=done.outcome.value,
                        customer_id=done.customer_id)


def upsert_bulk(wl: Wayline, data: CustomerBulkIn) -> BulkResult:
    """Create or change many customers in one transaction; a bad item never fails the rest."""
    checked = [patch_from(item.external_id, item, wl.now()) for item in data.items]
    valid = [patch for patch, issues in checked if not issues]
    with wl.writing() as session:
        done = upsert_customers(session, list(collapse(valid).values()), wl.now(), "api")
    results, seen = [], set()
    for (patch, issues), item in zip(checked, data.items, strict=True):
        if issues:
            results.append(UpsertResult(external_id=item.external_id, status="invalid",
                                        issues=issues))
            continue
        upserted = done[patch.external_id]
        if upserted.problem is not None:  # every item of that customer: they were merged
            results.append(UpsertResult(external_id=patch.external_id, status="invalid",
                                        issues=[_refused(upserted.problem)]))
            continue
        status = "merged" if patch.external_id in seen else upserted.outcome.value
        seen.add(patch.external_id)
        results.append(UpsertResult(external_id=patch.external_id, status=status,
                                    customer_id=upserted.customer_id))
    counts = {status: sum(result.status == status for result in results)
              for status in ("created", "updated", "unchanged", "merged", "invalid")}
    return BulkResult(items=results, **counts)


def get_customer(wl: Wayline, external_id: str) -> CustomerDetail:
    """One customer with their latest events and the journeys they are (or were) in."""
    with wl.reading() as session:
        customer = session.scalars(select(Customer).where(
            Customer.external_id == external_id)).one_or_none()
        if customer is None:
            raise NotFoundError("customer", external_id)
        tags = session.scalars(select(CustomerTag.tag).where(
            CustomerTag.customer_id == customer.id).order_by(CustomerTag.tag)).all()
        last_seen = session.scalar(select(func.max(Event.occurred_at)).where(
            Event.customer_id == customer.id))
        return CustomerDetail(customer=_profile(customer, list(tags), last_seen),
                              events=_recent_events(session, customer.id),
                              journeys=_journeys(wl, session, customer.id))


def list_customers(wl: Wayline, search: str | None, limit: int, after: int | None,
                   by_email: bool = True) -> CustomerPage:
    """Customers in id order, optionally those whose external id or name (and, `by_email`,
    email or phone) contains `search` (server.services.customer_search)."""
    query = select(Customer.id, Customer.external_id, Customer.email, Customer.phone,
                   Customer.created_at, Customer.updated_at, Customer.attributes
                   ).order_by(Customer.id).limit(limit + 1)
    if after is not None:
        query = query.where(Customer.id > after)
    if search:
        query = query.where(matching(search, by_contacts=by_email))
    with wl.reading() as session:
        rows = session.execute(query).all()
    items = [_summary(row._mapping) for row in rows[:limit]]
    return CustomerPage(items=items, next_after=items[-1].id if len(rows) > limit else None)


def _summary(row: Mapping[str, Any]) -> CustomerSummary:
    fields = {key: value for key, value in row.items() if key != "attributes"}
    return CustomerSummary(**fields, name=name_of(dict(row["attributes"] or {})))


def _profile(customer: Customer, tags: list[str], last_seen: datetime | None = None
             ) -> CustomerProfile:
    return CustomerProfile(
        id=customer.id, external_id=customer.external_id,
        name=name_of(dict(customer.attributes or {})), email=customer.email,
        phone=customer.phone, timezone=customer.timezone, locale=customer.locale,
        attributes=dict(customer.attributes or {}),
        consent={channel: consent_out(value) for channel, value in
                 (customer.consent or {}).items()},
        tags=tags, created_at=customer.created_at, updated_at=customer.updated_at,
        last_seen_at=last_seen)


def consent_out(value: Any) -> ConsentOut:
    """Stored consent (a boolean, or {marketing, at, source, transactional, night}) as shown."""
    if isinstance(value, Mapping):
        return ConsentOut(granted=value.get("marketing"), at=value.get("at"),
                          source=value.get("source"), transactional=value.get("transactional"),
                          night=value.get("night"))
    return ConsentOut(granted=value if isinstance(value, bool) else None)


def _recent_events(session: Session, customer_id: int) -> list[EventOut]:
    rows = session.scalars(select(Event).where(Event.customer_id == customer_id)
                           .order_by(Event.occurred_at.desc(), Event.id.desc())
                           .limit(RECENT_EVENTS))
    return [EventOut(id=event.id, name=event.name, properties=dict(event.properties or {}),
                     occurred_at=event.occurred_at, received_at=event.received_at,
                     dedup_key=event.dedup_key) for event in rows]


def _journeys(wl: Wayline, session: Session, customer_id: int) -> list[CustomerJourney]:
    """The customer's runs, newest first, each with the label of the node it is at."""
    rows = session.execute(
        select(Run, Journey.name, Journey.status, JourneyVersion.number)
        .join(Journey, Journey.id == Run.journey_id)
        .join(JourneyVersion, JourneyVersion.id == Run.journey_version_id)
        .where(Run.customer_id == customer_id)
        .order_by(Run.entered_at.desc(), Run.id.desc()).limit(RECENT_RUNS)).all()
    versions = {run.journey_version_id for run, *_ in rows}
    documents = dict(session.execute(select(JourneyVersion.id, JourneyVersion.document)
                                     .where(JourneyVersion.id.in_(versions))).all()) if rows else {}
    return [CustomerJourney(
        run_id=run.id, journey_id=run.journey_id, journey_name=name,
        journey_status=status.value, version=number, status=run.status.value,
        node_id=run.node_id, node_label=_label(wl, documents.get(run.journey_version_id),
                                               run.node_id),
        entered_at=run.entered_at, wake_at=run.wake_at, waiting_for=run.waiting_for,
        ended_at=run.ended_at, exit_reason=run.exit_reason)
        for run, name, status, number in rows]


def _label(wl: Wayline, document: Any, node_id: str) -> str:
    """The node's label on the canvas, else its kind's name, else its id."""
    nodes = document.get("nodes", []) if isinstance(document, Mapping) else []
    for node in nodes:
        if isinstance(node, Mapping) and node.get("id") == node_id:
            label = (node.get("data") or {}).get("label")
            kind = node.get("type")
            return label or (wl.registry[kind].label if kind in wl.registry else node_id)
    return node_id
