"""Delivery from the outbox on SQLite and PostgreSQL, through real local SMTP and HTTP servers.

The clock is injected: every call gets `now`, and retries are driven by moving it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from runtime.messaging.adapters import OutboxAdapter
from runtime.messaging.calls import MAX_ATTEMPTS, backoff
from runtime.messaging.channels import SMTP_CONNECTIONS, SmtpAdapter, WebhookAdapter
from runtime.messaging.delivery import deliver, due_messages, lease
from runtime.messaging.providers import HttpProviderAdapter
from runtime.store.models import (
    Customer,
    Journey,
    JourneyVersion,
    Message,
    MessageStatus,
    Run,
    Template,
)
from tests.runtime import providers as servers

NOW = datetime(2024, 5, 10, 3, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
smtp_server = servers.smtp_server  # the local SMTP and HTTP servers, shared as fixtures
http_server = servers.http_server

EMAIL = {"to": "minji@example.kr", "subject": "주문이 접수되었어요", "text": "감사합니다"}


@pytest.fixture
def run(session) -> Run:
    """One customer's run through a one-version journey, for messages to hang off."""
    customer = Customer(external_id="c-1", email="minji@example.kr", timezone="Asia/Seoul",
                        consent={channel: True for channel in ("email", "sms", "webhook", "fax")})
    journey = Journey(name="Welcome", draft={})
    session.add_all([customer, journey])
    session.flush()
    version = JourneyVersion(journey_id=journey.id, number=1, document={})
    session.add(version)
    session.flush()
    run = Run(journey_id=journey.id, journey_version_id=version.id, customer_id=customer.id,
              entry_key="once", node_id="send")
    session.add(run)
    session.flush()
    return run


def queue(session, run: Run, channel: str = "email", content: dict[str, Any] | None = None,
          **fields: Any) -> int:
    """A queued message on `run`, as the batch writes it; each gets its own visit."""
    visit = session.query(Message).filter_by(run_id=run.id).count() + 1
    template = Template(channel=channel, name=f"t{visit}-{channel}", source="")
    session.add(template)
    session.flush()
    message = Message(run_id=run.id, node_id="send", visit=visit, journey_id=run.journey_id,
                      customer_id=run.customer_id, channel=channel, template_id=template.id,
                      content=EMAIL if content is None else content, **fields)
    session.add(message)
    session.commit()
    return message.id


def row(session, message_id: int) -> Message:
    """The message as the database has it now."""
    session.expire_all()
    return session.get(Message, message_id)


@pytest.fixture
def adapters():
    """Adapters for local servers, closed after the test."""
    made: list[Any] = []

    def make(mailbox=None, timeout: float = 2.0) -> dict[str, Any]:
        found: dict[str, Any] = {"webhook": WebhookAdapter(timeout=timeout, allow=servers.LOCAL),
                                 "sms": OutboxAdapter()}
        if mailbox is not None:
            found["email"] = SmtpAdapter.from_url(mailbox.url, "Shop <news@shop.test>")
        made.extend(found.values())
        return found

    yield make
    for adapter in made:
        if hasattr(adapter, "close"):
            adapter.close()


def test_a_queued_email_is_sent_and_recorded(session, run, smtp_server, adapters):
    mailbox = smtp_server()
    message_id = queue(session, run)

    report = deliver(session, [message_id], adapters(mailbox), NOW, leased_until=None)

    assert (report.sent, report.retried, report.failed) == ([message_id], [], [])
    sent = row(session, message_id)
    assert sent.status is MessageStatus.SENT
    assert sent.provider_id == f"<wayline.{message_id}@shop.test>"
    assert (sent.sent_at, sent.attempts, sent.reason, sent.next_attempt_at) == (NOW, 1, None,
                                                                               None)
    [email] = mailbox.received
    assert email["X-Wayline-Message-Id"] == str(message_id)
    assert email["Subject"] == "주문이 접수되었어요"


def test_a_busy_mail_server_is_retried_with_backoff(session, run, smtp_server,
                                                    adapters):
    mailbox = smtp_server(busy=2)
    found = adapters(mailbox)
    message_id = queue(session, run)

    assert deliver(session, [message_id], found, NOW, leased_until=None).retried == [message_id]
    first = row(session, message_id)
    assert first.status is MessageStatus.QUEUED
    assert NOW + 30 * SECOND <= first.next_attempt_at <= NOW + 33 * SECOND  # 10% jitter at most
    assert first.reason.startswith("retrying: the mail server refused the customer's address: 451")
    assert first.provider_answer == "4.3.0 mailbox busy, try again later"

    early = NOW + 29 * SECOND
    assert due_messages(session, early, 10) == []
    assert deliver(session, [message_id], found, early, leased_until=None).skipped == [message_id]
    assert row(session, message_id).attempts == 1

    second_try = first.next_attempt_at
    assert due_messages(session, second_try, 10) == [message_id]
    report = deliver(session, [message_id], found, second_try, leased_until=None)
    assert report.retried == [message_id]
    third_try = row(session, message_id).next_attempt_at
    assert second_try + 60 * SECOND <= third_try <= second_try + 66 * SECOND

    assert deliver(session, [message_id], found, third_try, leased_until=None).sent == [message_id]
    done = row(session, message_id)
    assert (done.status, done.attempts, done.sent_at, done.reason) == (
        MessageStatus.SENT, 3, third_try, None)
    assert len(mailbox.received) == 1


def test_retries_give_up_after_the_last_attempt(session, run, smtp_server, adapters):
    found = adapters(smtp_server(busy=100))
    message_id = queue(session, run)
    at, waits = NOW, []
    for _ in range(MAX_ATTEMPTS - 1):
        assert deliver(session, [message_id], found, at, leased_until=None).retried == [message_id]
        waits.append(row(session, message_id).next_attempt_at - at)
        at = row(session, message_id).next_attempt_at
    for wait, base in zip(waits, (30, 60, 120, 240), strict=True):
        assert base * SECOND <= wait <= base * 1.1 * SECOND

    assert deliver(session, [message_id], found, at, leased_until=None).failed == [message_id]
    failed = row(session, message_id)
    assert failed.status is MessageStatus.FAILED
    assert failed.attempts == MAX_ATTEMPTS
    assert failed.reason.startswith(
        f"gave up after {MAX_ATTEMPTS} attempts: the mail server refused the customer's "
        "address: 451")
    assert failed.provider_answer == "4.3.0 mailbox busy, try again later"
    assert failed.next_attempt_at is None
    assert due_messages(session, at + timedelta(days=1), 10) == []


def test_a_refused_recipient_fails_at_once(session, run, smtp_server, adapters):
    found = adapters(smtp_server(unknown=frozenset({"minji@example.kr"})))
    message_id = queue(session, run)
    assert deliver(session, [message_id], found, NOW, leased_until=None).failed == [message_id]
    failed = row(session, message_id)
    assert (failed.status, failed.attempts) == (MessageStatus.FAILED, 1)
    assert failed.reason == "the mail server refused the customer's address: 550"
    assert failed.provider_answer == "5.1.1 <minji@example.kr>: no such user"


def test_a_failing_webhook_is_retried_with_the_same_key(session, run, http_server,
                                                        adapters):
    endpoint = http_server(answers=[(500, {}, "oops"), (502, {}, "")])
    found = adapters()
    message_id = queue(session, run, "webhook", {"url": endpoint.url, "method": "POST",
                                                 "headers": {}, "body": {"order": 9}})
    at = NOW
    for expected in ("retried", "retried", "sent"):
        report = deliver(session, [message_id], found, at, leased_until=None)
        assert getattr(report, expected) == [message_id]
        at = row(session, message_id).next_attempt_at or at

    assert row(session, message_id).provider_id == f"webhook-{message_id}"
    assert [request.headers["Idempotency-Key"] for request in endpoint.requests] == [
        str(message_id)] * 3
    assert all(request.body == {"order": 9} for request in endpoint.requests)


def test_a_rejected_webhook_fails_and_a_throttled_one_waits_as_asked(
        session, run, http_server, adapters):
    rejected = http_server(otherwise=(400, {}, '{"error": "bad customer"}'))
    throttled = http_server(otherwise=(429, {"Retry-After": "300"}, ""))
    found = adapters()
    bad = queue(session, run, "webhook", {"url": rejected.url, "body": {}})
    slow = queue(session, run, "webhook", {"url": throttled.url, "body": {}})

    report = deliver(session, [bad, slow], found, NOW, leased_until=None)

    assert (report.failed, report.retried) == ([bad], [slow])
    origin = rejected.url.removesuffix("/hooks/order")
    assert row(session, bad).reason == f"POST {origin} answered 400 Bad Request"
    assert row(session, bad).provider_answer == '{"error": "bad customer"}'
    assert row(session, slow).provider_answer is None  # it answered with an empty body
    # as asked, not the 30 s backoff; plus jitter
    assert NOW + 300 * SECOND <= row(session, slow).next_attempt_at <= NOW + 330 * SECOND
    assert row(session, slow).reason.startswith("retrying: ")
    assert "429" in row(session, slow).reason


def test_a_channel_without_an_adapter_fails_with_how_to_configure_it(session, run, adapters):
    found = adapters()  # no SMTP server: no email adapter
    email = queue(session, run, "email")
    fax = queue(session, run, "fax", {"to": "02"})
    report = deliver(session, [email, fax], found, NOW, leased_until=None)
    assert report.failed == [email, fax]
    assert "set WAYLINE_SMTP_URL" in row(session, email).reason
    assert row(session, fax).reason.startswith("no way to send 'fax' messages is configured")


def test_an_adapter_error_is_recorded_and_retried_not_lost(session, run, http_server,
                                                           adapters):
    endpoint = http_server()
    found = adapters()
    broken = queue(session, run, "webhook", {"url": endpoint.url, "headers": {"X-Count": 5}})
    fine = queue(session, run, "sms", {"to": "+8210", "text": "hi"})

    report = deliver(session, [broken, fine], found, NOW, leased_until=None)

    assert (report.retried, report.sent) == ([broken], [fine])
    assert row(session, broken).reason.startswith(
        "retrying: unexpected error in the webhook adapter: TypeError(")
    assert row(session, fine).provider_id == f"outbox-{fine}"


def test_due_messages_are_queued_and_due_oldest_first(session, run):
    late = queue(session, run, "sms", created_at=NOW - 1 * SECOND)
    early = queue(session, run, "sms", created_at=NOW - 9 * SECOND)
    queue(session, run, "sms", next_attempt_at=NOW + SECOND)
    retry_due = queue(session, run, "sms", next_attempt_at=NOW, created_at=NOW)
    queue(session, run, "sms", status=MessageStatus.SENT, created_at=NOW - 99 * SECOND)
    queue(session, run, "sms", status=MessageStatus.FAILED, created_at=NOW - 99 * SECOND)

    assert due_messages(session, NOW, 10) == [early, late, retry_due]
    assert due_messages(session, NOW, 2) == [early, late]


def test_a_lease_hides_messages_from_the_next_sweep_until_it_runs_out(session, run, adapters):
    found = adapters()
    first, second = queue(session, run, "sms"), queue(session, run, "sms")

    held = lease(session, due_messages(session, NOW, 10), NOW, 60)
    session.commit()
    assert held.ids == [first, second]
    assert held.until == NOW + 60 * SECOND
    assert due_messages(session, NOW + 59 * SECOND, 10) == []
    assert lease(session, [first, second], NOW, 60).ids == []  # a second sweeper gets nothing

    # A job without the lease leaves the rows alone; the job given the lease sends them.
    unleased = deliver(session, held.ids, found, NOW + SECOND, leased_until=None)
    assert unleased.skipped == [first, second]
    report = deliver(session, held.ids, found, NOW + SECOND, leased_until=held.until)
    assert report.sent == [first, second]
    assert row(session, first).provider_id == f"outbox-{first}"


def test_a_sweep_can_lease_more_messages_than_one_statement_takes(session, run):
    ids = [queue(session, run, "sms") for _ in range(3)]
    many = ids + list(range(10**9, 10**9 + 40_000))  # ids that do not exist are left out
    assert lease(session, many, NOW, 60).ids == ids


def test_a_lost_job_s_lease_runs_out_and_the_messages_are_swept_again(session, run, adapters):
    message_id = queue(session, run, "sms")
    stale = lease(session, [message_id], NOW, 60)
    session.commit()

    later = NOW + 61 * SECOND
    assert due_messages(session, later, 10) == [message_id]
    fresh = lease(session, [message_id], later, 60)
    assert fresh.ids == [message_id]
    # The lost job turning up late, with its old lease, does nothing.
    late = deliver(session, [message_id], adapters(), later, leased_until=stale.until)
    assert late.skipped == [message_id]
    assert deliver(session, [message_id], adapters(), later,
                   leased_until=fresh.until).sent == [message_id]


def test_a_duplicate_job_sends_nothing_twice(session, run, http_server, adapters):
    endpoint = http_server()
    found = adapters()
    message_id = queue(session, run, "webhook", {"url": endpoint.url, "body": {}})
    assert deliver(session, [message_id], found, NOW, leased_until=None).sent == [message_id]
    assert deliver(session, [message_id], found, NOW, leased_until=None).skipped == [message_id]
    assert len(endpoint.requests) == 1


def test_a_message_being_sent_is_hidden_from_other_jobs(session, run):
    class Sweeper:
        """A second sweeper looking while the first job's provider call is under way."""

        seen: list[int] | None = None

        def send(self, message_id, channel, content):
            self.seen = due_messages(session, NOW + 60 * SECOND, 10)
            return "p-1"

    sweeper = Sweeper()
    message_id = queue(session, run, "sms")
    deliver(session, [message_id], {"sms": sweeper}, NOW, leased_until=None)
    assert sweeper.seen == []


def test_backoff_doubles_from_thirty_seconds_up_to_an_hour():
    assert [backoff(attempts) for attempts in (1, 2, 3, 4, 5)] == [
        30 * SECOND, 60 * SECOND, 120 * SECOND, 240 * SECOND, 480 * SECOND]
    assert backoff(8) == backoff(1000) == timedelta(hours=1)


def test_a_lease_must_have_a_length(session):
    with pytest.raises(ValueError, match="positive length"):
        lease(session, [1], NOW, 0)


# --- many calls in flight ----------------------------------------------------------------------


@pytest.fixture
def sms_adapter():
    """`sms_adapter(endpoint, concurrency)` → an SMS provider adapter; closed after the test."""
    made: list[HttpProviderAdapter] = []

    def make(endpoint, concurrency: int = 64) -> HttpProviderAdapter:
        adapter = HttpProviderAdapter("sms", endpoint.url, "key", {"sender": "0212345678"},
                                      timeout=2, concurrency=concurrency)
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        adapter.close()


def texts(session, run: Run, count: int) -> list[int]:
    return [queue(session, run, "sms", {"to": f"+82100000{index:04d}", "text": "세일 시작"})
            for index in range(count)]


def test_texts_to_a_slow_provider_go_together_within_the_bound(session, run, http_server,
                                                                sms_adapter):
    slow = http_server(delay=0.2)
    ids = texts(session, run, 16)

    began = time.perf_counter()
    report = deliver(session, ids, {"sms": sms_adapter(slow, concurrency=8)}, NOW,
                     leased_until=None, concurrency=8)
    took = time.perf_counter() - began

    assert report.sent == ids
    assert slow.peak == 8  # the bound, reached and never passed
    # two rounds of 0.2 s, not sixteen (3.2 s); a loaded machine adds to the two
    assert 0.4 <= took < 2.4, f"{took:.2f} s"
    assert sorted(int(r.headers["Idempotency-Key"]) for r in slow.requests) == ids
    assert all(row(session, message_id).provider_id == f"sms-{message_id}"
               for message_id in ids)


def test_one_round_carries_every_text_when_the_bound_is_higher(session, run, http_server,
                                                               sms_adapter):
    slow = http_server(delay=0.2)
    ids = texts(session, run, 12)
    began = time.perf_counter()
    assert deliver(session, ids, {"sms": sms_adapter(slow)}, NOW,
                   leased_until=None).sent == ids
    assert slow.peak == 12  # all in flight at once
    assert time.perf_counter() - began < 2.0  # one after the other: 2.4 s


def test_a_429_stops_calls_to_that_provider_for_the_job_and_puts_the_rest_back(
        session, run, http_server, sms_adapter, adapters):
    throttled = http_server(answers=[(429, {"Retry-After": "120"}, "slow down")])
    hooked = http_server()
    found = {**adapters(), "sms": sms_adapter(throttled, concurrency=1)}
    first, *rest = texts(session, run, 6)
    hook = queue(session, run, "webhook", {"url": hooked.url, "body": {"order": 1}})

    report = deliver(session, [first, *rest, hook], found, NOW, leased_until=None,
                     concurrency=1)

    assert (report.retried, report.sent, sorted(report.held)) == ([first], [hook], rest)
    assert len(throttled.requests) == 1 and len(hooked.requests) == 1  # the others go on
    tried = row(session, first)
    assert (tried.attempts, tried.status) == (1, MessageStatus.QUEUED)
    assert NOW + 120 * SECOND <= tried.next_attempt_at <= NOW + 132 * SECOND
    waits = [row(session, message_id) for message_id in rest]
    assert all((waiting.attempts, waiting.status) == (0, MessageStatus.QUEUED)
               for waiting in waits)  # not called: no attempt counted
    assert all(NOW + 120 * SECOND <= waiting.next_attempt_at <= NOW + 132 * SECOND
               for waiting in waits)
    assert len({waiting.next_attempt_at for waiting in waits}) > 1  # jitter: not in lock-step
    assert waits[0].reason.startswith("waiting: the sms provider") and "429" in waits[0].reason
    assert report.calls_by_journey() == {run.journey_id: {"calls": 2, "failed": 1, "sent": 1}}


def test_a_provider_that_cannot_be_reached_is_retried(session, run, sms_adapter):
    nowhere = servers.Endpoint(url=f"http://127.0.0.1:{servers.free_port()}/send")
    [message_id] = texts(session, run, 1)
    report = deliver(session, [message_id], {"sms": sms_adapter(nowhere)}, NOW,
                     leased_until=None)
    assert report.retried == [message_id]
    retrying = row(session, message_id)
    assert retrying.reason.startswith("retrying: could not reach http://127.0.0.1:")
    assert (retrying.attempts, retrying.status) == (1, MessageStatus.QUEUED)
    assert NOW + 30 * SECOND <= retrying.next_attempt_at <= NOW + 33 * SECOND


def test_many_emails_go_over_a_few_kept_open_connections(session, run, smtp_server,
                                                          adapters):
    mailbox = smtp_server()
    found = adapters(mailbox)
    first = [queue(session, run) for _ in range(20)]
    assert deliver(session, first, found, NOW, leased_until=None).sent == first
    second = [queue(session, run) for _ in range(20)]
    assert sorted(deliver(session, second, found, NOW, leased_until=None).sent) == second

    assert len(mailbox.received) == 40
    connections = {id(smtp) for smtp in mailbox.sessions}
    assert 1 <= len(connections) <= SMTP_CONNECTIONS  # the second job reused them
    assert all(row(session, message_id).status is MessageStatus.SENT
               for message_id in first + second)


def test_webhooks_are_bounded_per_endpoint_not_all_together(session, run, http_server):
    first, second = http_server(delay=0.2), http_server(delay=0.2)
    webhook = WebhookAdapter(timeout=2.0, allow=servers.LOCAL, concurrency=6)
    ids = [queue(session, run, "webhook", {"url": endpoint.url, "body": {"n": index}})
           for index in range(6) for endpoint in (first, second)]
    try:
        began = time.perf_counter()
        report = deliver(session, ids, {"webhook": webhook}, NOW, leased_until=None,
                         concurrency=3)
        took = time.perf_counter() - began
    finally:
        webhook.close()
    assert report.sent == ids
    assert (first.peak, second.peak) == (3, 3)  # each endpoint has its own bound
    # two rounds of 0.2 s at both endpoints at once, not twelve calls one by one (2.4 s)
    assert took < 2.0, f"{took:.2f} s"
