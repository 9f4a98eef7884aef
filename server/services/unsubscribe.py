"""Unsubscribe links followed: the confirmation page's facts, and the one-click unsubscribe.

The link in a marketing email (`runtime.messaging.unsubscribe`) names a customer and a channel
under a
signature. Showing the page changes nothing (mail scanners follow links); the POST — the page's
button, or the mail client's one-click request (RFC 8058) — turns marketing consent off and
records the `unsubscribed` event, whose journeys then move at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from nodes.kit.channel import default_channels
from runtime.errors import NotFoundError
from runtime.messaging.tracking import secret_for
from runtime.messaging.unsubscribe import (
    BadLinkError,
    customer_for,
    last_journey,
    read_token,
    unsubscribe,
)
from runtime.run.jobs import watch_guardrails
from server.context import Wayline


def _what(channel: str) -> str:
    """How the page names what the customer stops receiving (`ChannelSpec.consent_noun`)."""
    spec = default_channels().get(channel)
    return (spec.consent_noun if spec is not None else None) or channel


@dataclass(frozen=True)
class LinkFacts:
    """What the confirmation page says: whose link, which channel, already off or not."""

    channel: str
    what: str
    already: bool


def read_link(wl: Wayline, token: str) -> LinkFacts:
    """What this link would do; 404 when it is not one of ours or its customer is gone."""
    with wl.reading() as session:
        customer_id, channel = _read(wl, token)
        customer = customer_for(session, customer_id)
        if customer is None:
            raise NotFoundError("customer", customer_id)
        given = (customer.consent or {}).get(channel)
        marketing = given.get("marketing") if isinstance(given, dict) else given
        return LinkFacts(channel, _what(channel), marketing is False)


def follow_link(wl: Wayline, token: str, via: str) -> LinkFacts:
    """Unsubscribe the link's customer from marketing on its channel (repeats are harmless)."""
    with wl.writing() as session:
        customer_id, channel = _read(wl, token)
        customer = customer_for(session, customer_id)
        if customer is None:
            raise NotFoundError("customer", customer_id)
        done = unsubscribe(session, customer, channel, via, wl.now())
        journey = last_journey(session, customer_id, channel) if done.changed else None
    wl.move_now(done.runs_to_dispatch)
    if journey is not None:  # the unsubscribe counts against the journey that sent last
        watch_guardrails(wl.runtime, {journey: {"unsubscribed": 1}})
    return LinkFacts(channel, _what(channel), True)


def _read(wl: Wayline, token: str) -> tuple[int, str]:
    try:
        return read_token(secret_for(wl.settings), token)
    except BadLinkError:
        raise NotFoundError("unsubscribe link", token[:40]) from None
