"""Guardrails: a journey whose provider fails, whose messages bounce or whose sending runs away
pauses itself with the figures, holds its unsent messages, and alerts the workspace once —
through the real runtime, a local SMS provider that fails on cue and a local alert webhook."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from builder.document import Guardrails
from runtime.messaging.channels import WebhookAdapter
from runtime.messaging.providers import HttpProviderAdapter
from runtime.run import guardrails
from runtime.run.jobs import watch_guardrails
from runtime.run.lifecycle import publish
from runtime.store.models import Journey, JourneyStatus, Message, MessageStatus
from runtime.store.team_models import AuditEvent
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey, add_template, drain
from tests.runtime.providers import LOCAL

CUSTOMERS = 1500
JOB = 500
"""Messages one delivery job sends (runtime.run.jobs.DELIVERY_BATCH): judged after each job."""
NIGHT_OWL = {"sms": {"marketing": True, "night": True}}


def blast(rt, **settings) -> int:
    """Everyone → one text, published."""
    with rt.sessions() as session:
        add_customers(session, CUSTOMERS, rt.clock.now(), consent=NIGHT_OWL)
        template = add_template(session, "sms", "Sale", None, "Spring sale starts today")
        journey = add_journey(session, document(
            [node("in", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}}),
             node("text", "action.send", "Text", {"channel": "sms", "template": template})],
            [edge("in", "text")], **settings), "Spring sale")
        publish(session, journey, rt.clock.now())
        session.commit()
    return journey


def with_alerts(rt, hook_url: str, **defaults) -> None:
    rt.adapters["webhook"] = WebhookAdapter(timeout=2.0, allow=LOCAL)
    with rt.sessions() as session:
        guardrails.save(session, guardrails.WorkspaceGuardrails(
            alert_webhook=hook_url, defaults=Guardrails(**defaults)), rt.clock.now())
        session.commit()


def test_a_provider_failing_30_percent_pauses_the_journey_and_alerts_once(wayline, http_server):
    rt = wayline
    failing = [(500, {}, "down") if index % 10 < 3 else (200, {}, "ok") for index in range(3000)]
    provider = http_server(answers=failing)
    hook = http_server()
    rt.adapters["sms"] = HttpProviderAdapter("sms", provider.url, "key", {"sender": "0212345678"},
                                             timeout=2)
    with_alerts(rt, hook.url)
    journey = blast(rt)
    drain(rt)

    with rt.sessions() as session:
        paused = session.get(Journey, journey)
        statuses = Counter(session.scalars(select(Message.status)))
        audit = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "journey.paused_by_guardrail")).all()
    assert paused.status is JourneyStatus.PAUSED
    assert paused.paused_reason.startswith("Paused by guardrail: 30% of ")
    assert "messages failed in 15 min (the limit is 20%)" in paused.paused_reason
    # It stopped after the first delivery job's calls: the rest are held, unsent, and so
    # are the 30% of that job waiting to be retried.
    assert len(provider.requests) == JOB
    assert statuses == {MessageStatus.SENT: JOB * 7 // 10,
                        MessageStatus.HELD: CUSTOMERS - JOB * 7 // 10}
    assert [row.actor_name for row in audit] == ["Guardrail"]
    assert len(hook.requests) == 1
    body = hook.requests[0].body
    assert body["event"] == "journey.paused_by_guardrail"
    assert body["journey"] == {"id": journey, "name": "Spring sale"}
    assert body["reason"] == paused.paused_reason.removeprefix("Paused by guardrail: ")


def test_a_healthy_journey_is_left_alone(wayline, http_server):
    rt = wayline
    provider, hook = http_server(), http_server()
    rt.adapters["sms"] = HttpProviderAdapter("sms", provider.url, "key", {"sender": "0212345678"},
                                             timeout=2)
    with_alerts(rt, hook.url)
    journey = blast(rt)
    drain(rt)
    with rt.sessions() as session:
        assert session.get(Journey, journey).status is JourneyStatus.LIVE
        sent = session.scalar(select(func.count()).where(Message.status == MessageStatus.SENT))
    assert sent == CUSTOMERS and len(hook.requests) == 0


def test_a_journeys_own_ceiling_on_sends_per_hour(wayline, http_server):
    rt = wayline
    provider, hook = http_server(), http_server()
    rt.adapters["sms"] = HttpProviderAdapter("sms", provider.url, "key", {"sender": "0212345678"},
                                             timeout=2)
    with_alerts(rt, hook.url)
    journey = blast(rt, guardrails={"max_sends_per_hour": 100, "max_failure_percent": None})
    drain(rt)
    with rt.sessions() as session:
        paused = session.get(Journey, journey)
        held = session.scalar(select(func.count()).where(Message.status == MessageStatus.HELD))
    # It stopped after the first delivery job: the job is at most JOB messages (the sweeper
    # and the wake job may each claim part of the entries, so it can be fewer), and every
    # message it did not send is held.
    sent = len(provider.requests)
    assert paused.status is JourneyStatus.PAUSED and 100 < sent <= JOB
    assert held == CUSTOMERS - sent
    assert "messages sent in the last hour, above the ceiling of 100" in paused.paused_reason
    assert len(hook.requests) == 1


def test_bounces_and_unsubscribes_count_against_the_journey(wayline):
    rt = wayline
    journey = blast(rt)
    now = rt.clock.now()
    watch_guardrails(rt, {journey: {"calls": 100, "sent": 100}})
    assert watch_guardrails(rt, {journey: {"unsubscribed": 4}}) == []  # 4%: under 5%
    assert watch_guardrails(rt, {journey: {"bounced": 11}}) == [journey]  # 11%: over 10%
    window = guardrails.figures(rt.redis, journey, now, 15)
    assert (window["sent"], window["bounced"], window["unsubscribed"]) == (100, 11, 4)
    with rt.sessions() as session:
        reason = session.get(Journey, journey).paused_reason
    assert reason == ("Paused by guardrail: 11% of 100 messages bounced in 15 min "
                      "(the limit is 10%)")


def test_the_rules_judge_rates_only_on_enough_messages():
    rules = Guardrails()
    assert guardrails.judge(rules, Counter(calls=49, failed=49), None) is None
    assert guardrails.judge(rules, Counter(calls=50, failed=10, sent=40), None) is None
    assert "22% of 50 messages failed" in guardrails.judge(
        rules, Counter(calls=50, failed=11, sent=39), None)
    off = Guardrails(max_failure_percent=None)
    assert guardrails.judge(off, Counter(calls=50, failed=50), None) is None
