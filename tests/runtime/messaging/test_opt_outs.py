"""The 080 loop end to end: a provider's 080 list (a real local HTTP server) is fetched by the
opt-outs sync; the numbers go on the opt-out list and their customers are refused advertising
on the phone channels; the next marketing text to them is suppressed by delivery with the
reason, while a customer who did not call still gets theirs."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Sequence
from datetime import datetime

import pytest
from sqlalchemy import select

from runtime.customers.consent_history import phone_channels
from runtime.flow.ingest import ingest_event
from runtime.messaging.compliance import MessageRules, install_rules
from runtime.messaging.gateways import OptOut
from runtime.messaging.providers import HttpProviderAdapter
from runtime.run.jobs import provider_sync_job
from runtime.run.lifecycle import publish
from runtime.store.consent_models import ConsentChangeRow, OptOutNumber
from runtime.store.models import Customer, Message, MessageStatus, Template
from runtime.store.sender_models import Sender
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey, dispatch, drain


class LineProvider(HttpProviderAdapter):
    """The outside world's stand-in: an SMS provider that also keeps its 080 line's callers,
    listed by a local HTTP server (JSON: [{phone, at, number}])."""

    def __init__(self, url: str, list_url: str) -> None:
        super().__init__("sms", url, "key", {"sender": "0212345678"}, timeout=5)
        self.list_url = list_url

    def opt_outs(self, since: datetime, lines: Sequence[str] = ()) -> list[OptOut]:
        asked = {"since": since.isoformat(), "lines": list(lines)}
        request = urllib.request.Request(self.list_url, method="POST",
                                         data=json.dumps(asked).encode())
        with urllib.request.urlopen(request, timeout=5) as answer:
            listed = json.loads(answer.read())
        return [OptOut(item["phone"], datetime.fromisoformat(item["at"]),
                       opt_out_number=item["number"]) for item in listed]


LISTED = [{"phone": "010-0000-0000", "at": "2026-03-01T05:00:00+00:00", "number": "0801234567"},
          {"phone": "010-9999-8888", "at": "2026-03-01T06:00:00+00:00", "number": "0801234567"},
          {"phone": "not-a-number", "at": "2026-03-01T06:00:00+00:00", "number": "0801234567"}]


@pytest.fixture
def line(wayline, http_server):
    """SMS through a local provider whose 080 list is another local server."""
    texts, listing = http_server(), http_server()
    listing.otherwise = (200, {"Content-Type": "application/json"}, json.dumps(LISTED))
    wayline.adapters["sms"] = LineProvider(texts.url, listing.url)
    previous = install_rules(MessageRules())  # no advertising label: not what this tests
    yield texts, listing
    install_rules(previous)
    wayline.adapters["sms"].close()


def test_callers_of_the_080_line_get_no_more_advertising(wayline, line):
    texts, listing = line
    now = wayline.clock.now()
    with wayline.sessions() as session:
        add_customers(session, 2, now)  # c0 is +821000000000, c1 +821000000001
        session.add(Template(channel="sms", name="Sale", source="봄 세일 20%"))
        session.flush()
        template_id = session.scalar(select(Template.id))
        journey = add_journey(session, document(
            [node("in", "entry.event", "Visited", {"event": "visit"}),
             node("sms", "action.send", "Sale text",
                  {"channel": "sms", "template": template_id, "purpose": "marketing"})],
            [edge("in", "sms")]))
        publish(session, journey, now)
        session.add(Sender(kind="phone", value="0212345678", name="샵", status="pending",
                           opt_out_number="0801234567", created_at=now, updated_at=now))
        session.commit()

    done = provider_sync_job(force=True)
    assert done["opt_outs"] == {"numbers": 2, "customers": 1, "skipped": 1, "failed": 0}
    assert datetime.fromisoformat(listing.requests[0].body["since"]) < now
    assert listing.requests[0].body["lines"] == ["0801234567"]  # the senders' 080 lines
    assert provider_sync_job(force=True)["opt_outs"] == {"numbers": 0, "customers": 0,
                                                          "skipped": 1, "failed": 0}
    with wayline.sessions() as session:
        assert set(session.scalars(select(OptOutNumber.phone))) == {"+821000000000",
                                                                    "+821099998888"}
        sources = {(row.channel, row.purpose, row.source) for row in session.scalars(
            select(ConsentChangeRow))}
        assert sources == {(channel, "advertising", "080") for channel in phone_channels()}

        started = []
        for external_id in ("c0", "c1"):
            started += ingest_event(session, external_id, "visit", {}, now, now).runs_to_dispatch
        session.commit()
    dispatch(wayline, started)
    drain(wayline)

    with wayline.sessions() as session:
        sent = {customer: (status, reason) for customer, status, reason in session.execute(
            select(Customer.external_id, Message.status, Message.reason)
            .join(Customer, Customer.id == Message.customer_id))}
    assert sent["c0"] == (MessageStatus.SUPPRESSED,
                          "refused advertising through 080-123-4567 on 2026-03-01")
    assert sent["c1"][0] is MessageStatus.SENT
    assert [request.body["to"] for request in texts.requests] == ["+821000000001"]


class LineDown:
    """A provider whose 080 list does not answer."""

    def opt_outs(self, since: datetime, lines: Sequence[str] = ()) -> list[OptOut]:
        raise OSError("connection refused")


def test_a_provider_whose_list_is_down_does_not_stop_the_others(wayline, line):
    wayline.adapters["push"] = LineDown()
    done = provider_sync_job(force=True)
    assert done["opt_outs"] == {"numbers": 2, "customers": 0, "skipped": 1, "failed": 1}
    with wayline.sessions() as session:
        assert len(set(session.scalars(select(OptOutNumber.phone)))) == 2
