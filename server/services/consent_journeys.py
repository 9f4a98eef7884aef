"""Switching the built-in consent journeys on and off (`server.consent_journeys`).

The workspace's choice is a workspace setting (`consent_journeys`): for each built-in, on or
off and the journey Wayline made for it, plus the sender's name and how to withdraw, which
the journey's texts carry. Switching one on the first time makes its templates and journey
and publishes it (approvals or not: the law asks for it, and the switch is a publisher's);
later, it resumes the journey it made, as the team may have edited it. Off pauses it.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from sqlalchemy.orm import Session

from builder.validation import Issue
from runtime.errors import InvalidInputError
from runtime.messaging.workspace import load_setting, save_setting
from runtime.run import lifecycle
from runtime.store.audit import Actor, record
from runtime.store.models import Journey, JourneyStatus
from server.consent_journeys import BUILT, KINDS
from server.context import Wayline
from server.services.journeys import publish_in
from server.starters import instantiate

KEY = "consent_journeys"
"""The workspace setting's key."""


class ConsentJourneys(msgspec.Struct, kw_only=True):
    """The built-in consent journeys as the workspace has them."""

    sender_name: Annotated[str, msgspec.Meta(max_length=40)] = ""
    withdraw: Annotated[str, msgspec.Meta(max_length=120)] = ""
    on: dict[str, bool] = msgspec.field(default_factory=dict)
    journeys: dict[str, int] = msgspec.field(default_factory=dict)


class ConsentJourneyOut(msgspec.Struct):
    """One built-in: on or off, and its journey (id, status) once made."""

    kind: str
    on: bool
    journey_id: int | None
    status: str | None


class ConsentJourneysOut(msgspec.Struct):
    """The built-ins, and the texts' sender name and way to withdraw."""

    sender_name: str
    withdraw: str
    journeys: list[ConsentJourneyOut]


def get_consent_journeys(wl: Wayline) -> ConsentJourneysOut:
    """Each built-in consent journey: on or off, and its journey."""
    with wl.reading() as session:
        saved = load_setting(session, KEY, ConsentJourneys)
        status = {journey.id: journey.status.value for journey in session.query(Journey)
                  .filter(Journey.id.in_(list(saved.journeys.values())))}
    return ConsentJourneysOut(saved.sender_name, saved.withdraw, [
        ConsentJourneyOut(kind, saved.on.get(kind, False), saved.journeys.get(kind),
                          status.get(saved.journeys.get(kind, 0))) for kind in KINDS])


def switch_consent_journey(wl: Wayline, actor: Actor, kind: str, on: bool,
                           sender_name: str = "", withdraw: str = "") -> ConsentJourneysOut:
    """Switch one built-in on (making or resuming its journey) or off (pausing it); 422 naming
    each missing or wrong field."""
    _check(kind, on, sender_name, withdraw)
    with wl.writing() as session:
        saved = load_setting(session, KEY, ConsentJourneys)
        if on:
            saved.sender_name, saved.withdraw = sender_name.strip(), withdraw.strip()
        journey = session.get(Journey, saved.journeys.get(kind, 0))
        if journey is not None and journey.status is JourneyStatus.ARCHIVED:
            journey = None  # archived by the team: make a fresh one
        now = wl.now()
        if on and journey is None:
            saved.journeys[kind] = _make(wl, session, actor, kind, saved)
        elif on and journey.status is JourneyStatus.PAUSED:
            lifecycle.resume(session, journey.id, now)
        elif on and journey.status is JourneyStatus.DRAFT:
            publish_in(wl, session, actor, journey.id)
        elif not on and journey is not None and journey.status is JourneyStatus.LIVE:
            lifecycle.pause(session, journey.id, now, "Built-in consent journey switched off")
        saved.on[kind] = on
        save_setting(session, KEY, saved, now)
        record(session, actor, "consent_journeys.changed", object_kind="workspace",
               object_id=KEY, object_name=f"consent {kind}",
               summary=f"consent {kind} journey switched {'on' if on else 'off'}", at=now)
    wl.sweep_soon()
    return get_consent_journeys(wl)


def _make(wl: Wayline, session: Session, actor: Actor, kind: str,
          saved: ConsentJourneys) -> int:
    """Make the built-in's templates and journey, and publish it; the journey's id."""
    starter = BUILT[kind](saved.sender_name, saved.withdraw)
    now = wl.now()
    journey = Journey(name=starter.name, description=starter.description,
                      draft=instantiate(session, starter, None, actor, now),
                      status=JourneyStatus.DRAFT, created_at=now, updated_at=now)
    session.add(journey)
    session.flush()
    record(session, actor, "journey.created", object_kind="journey", object_id=journey.id,
           object_name=journey.name, summary=f"built-in consent {kind} journey", at=now)
    publish_in(wl, session, actor, journey.id)
    return journey.id


def _check(kind: str, on: bool, sender_name: str, withdraw: str) -> None:
    issues = []
    if kind not in KINDS:
        issues.append(Issue(code="consent_journeys.invalid", field="kind", message=(
            f"There is no built-in consent journey {kind!r}; use one of: {', '.join(KINDS)}.")))
    if on and not 1 <= len(sender_name.strip()) <= 40:
        issues.append(Issue(code="consent_journeys.invalid", field="sender_name", message=(
            "Sender name: the texts must say who sends (1–40 characters), e.g. the company's "
            "or the service's name.")))
    if on and not 1 <= len(withdraw.strip()) <= 120:
        issues.append(Issue(code="consent_journeys.invalid", field="withdraw", message=(
            "How to withdraw: the texts must say how to refuse (1–120 characters), e.g. "
            "무료수신거부 080-123-4567.")))
    if issues:
        raise InvalidInputError("The consent journey was not switched: " +
                                " ".join(issue.message for issue in issues), issues)
