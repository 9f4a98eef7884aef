"""A batch of runs on SQLite and PostgreSQL: what it writes, and how it treats its sends.

Step and message rows are copied in; a row that somehow exists already makes the batch redo
itself with insert-or-ignore. Messages on channels whose adapter only records are written
sent in the batch; the others are written queued, leased to the delivery job queued after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from runtime.run.batch import advance_runs
from runtime.run.lifecycle import publish
from runtime.run.sweeper import STALE_CLAIM, claim_due_runs, new_token
from runtime.store.models import Message, MessageStatus, Run, RunStatus, Step
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey, add_template, drain


class Provider:
    """A provider that keeps what it is sent, standing in for a real one (not records-only)."""

    idempotent = True

    def __init__(self) -> None:
        self.sent: list[int] = []

    def send(self, message_id: int, channel: str, content: Mapping[str, Any]) -> str:
        self.sent.append(message_id)
        return f"provider-{message_id}"


def welcome(email: int, sms: int) -> dict[str, Any]:
    """Entry → email → SMS."""
    return document(
        [node("entry", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}}),
         node("mail", "action.send", "Mail", {"channel": "email", "template": email}),
         node("text", "action.send", "Text", {"channel": "sms", "template": sms})],
        [edge("entry", "mail"), edge("mail", "text", "next")])


def start(rt, customers: int = 3) -> list[int]:
    with rt.sessions() as session:
        ids = add_customers(session, customers, rt.clock.now())
        email = add_template(session, subject="Hi", source="Hello {{ customer.external_id }}")
        sms = add_template(session, channel="sms", name="Text", subject=None, source="Hi")
        publish(session, add_journey(session, welcome(email, sms)), rt.clock.now())
        session.commit()
    return ids


def messages(rt) -> dict[tuple[int, str], Message]:
    with rt.sessions() as session:
        return {(message.customer_id, message.channel): message
                for message in session.scalars(select(Message))}


def test_recording_channels_are_sent_in_the_batch_and_others_by_delivery_jobs(wayline):
    rt = wayline
    provider = Provider()
    rt.adapters["email"] = provider  # sms keeps the records-only outbox adapter
    ids = start(rt)
    drain(rt)
    written = messages(rt)
    assert sorted(provider.sent) == sorted(written[customer, "email"].id for customer in ids)
    for customer in ids:
        mail, text = written[customer, "email"], written[customer, "sms"]
        assert (mail.status, mail.provider_id, mail.attempts) == (
            MessageStatus.SENT, f"provider-{mail.id}", 1)
        assert (text.status, text.provider_id, text.attempts, text.sent_at) == (
            MessageStatus.SENT, f"outbox-{text.id}", 1, rt.clock.now())
        assert text.next_attempt_at is None


def test_a_step_row_that_exists_already_is_kept_and_the_batch_still_completes(wayline):
    rt = wayline
    ids = start(rt)
    now = rt.clock.now()
    token = new_token()
    with rt.sessions() as session:
        claimed = claim_due_runs(session, now, token)
        first = session.get(Run, claimed[0])
        session.add(Step(run_id=first.id, node_id="mail", visit=1, port="next",
                         outcome="passed", detail="written before", entered_at=now,
                         left_at=now))
        session.commit()
    with rt.sessions() as session:
        result = advance_runs(session, claimed, token, now, recorders=rt.recorders)
    assert (result.advanced, result.steps) == (len(ids), 3 * len(ids))
    with rt.sessions() as session:
        assert session.scalar(select(Step.detail).where(
            Step.run_id == first.id, Step.node_id == "mail")) == "written before"
        assert len(session.scalars(select(Step)).all()) == 3 * len(ids)
        assert {run.status for run in session.scalars(select(Run))} == {RunStatus.DONE}
    assert len(messages(rt)) == 2 * len(ids)


def test_a_duplicate_batch_job_does_nothing(wayline):
    rt = wayline
    ids = start(rt)
    now = rt.clock.now()
    token = new_token()
    with rt.sessions() as session:
        claimed = claim_due_runs(session, now, token)
        session.commit()
    with rt.sessions() as session:
        first = advance_runs(session, claimed, token, now, recorders=rt.recorders)
    with rt.sessions() as session:  # RQ ran the same job again
        again = advance_runs(session, claimed, token, now, recorders=rt.recorders)
    assert (first.advanced, first.steps) == (len(ids), 3 * len(ids))
    assert (again.advanced, again.skipped, again.steps, again.messages) == (0, len(ids), 0, [])
    with rt.sessions() as session:
        assert len(session.scalars(select(Step)).all()) == 3 * len(ids)
        assert {run.version for run in session.scalars(select(Run))} == {2}  # bumped once
    assert len(messages(rt)) == 2 * len(ids)


def test_a_stale_job_leaves_runs_to_the_sweep_that_reclaimed_them(wayline):
    rt = wayline
    start(rt)
    now = rt.clock.now()
    lost, fresh = new_token(), new_token()
    with rt.sessions() as session:
        claimed = claim_due_runs(session, now, lost)
        session.commit()
    later = now + STALE_CLAIM + timedelta(seconds=1)  # the job was lost; a sweep re-claims
    with rt.sessions() as session:
        assert claim_due_runs(session, later, fresh) == claimed
        session.commit()
    with rt.sessions() as session:  # the lost job turns up after all
        stale = advance_runs(session, claimed, lost, later, recorders=rt.recorders)
    with rt.sessions() as session:
        current = advance_runs(session, claimed, fresh, later, recorders=rt.recorders)
    assert (stale.advanced, stale.steps) == (0, 0)
    assert (current.advanced, current.steps) == (len(claimed), 3 * len(claimed))
    assert len(messages(rt)) == 2 * len(claimed)
