"""Test sends (`runtime.messaging.test_sends`): a template rendered as a send step would store it
for a customer, sent now through its real channel to the person asking or to the workspace's test
recipients; each one in the audit trail, none in the ledger."""

from __future__ import annotations

from dataclasses import replace

from nodes.kit.channel import Address, default_channels
from runtime.errors import InvalidInputError
from runtime.messaging import test_sends
from runtime.messaging.adapters import ledgerless_key, send_now
from runtime.messaging.content import send_content
from runtime.messaging.rendering import RenderError
from runtime.messaging.workspace import load_wording
from runtime.store.audit import Actor, record
from runtime.store.team_models import User
from server.context import Wayline
from server.schemas.templates import TestSendIn, TestSendReport, TestSendResult
from server.services.templates import load_template, render_profile

WHERE_TO_SET = {"me": "Your account has no email address to send a test to.",
                "team": "No test recipients for this channel yet: add emails and phone "
                        "numbers under Test recipients on the Send rules page."}


def send_test(wl: Wayline, actor: Actor, template_id: int, data: TestSendIn) -> TestSendReport:
    """Render the template for the customer (or sample) and send it to each test recipient."""
    with wl.reading() as session:
        template = load_template(session, template_id)
        profile = render_profile(wl, session, data.external_id, data.sample)
        team = test_sends.load(session)
        user = session.get(User, int(actor.id)) if actor.kind == "user" and actor.id else None
        load_wording(session)
    channel = template.channel
    spec = default_channels().get(channel)
    if spec is None:
        raise _refused("to", f"Wayline does not send on '{channel}'.")
    device = spec.address is Address.DEVICE
    if device and data.to == "team":
        raise _refused("to", f"A test {spec.noun} goes to the chosen customer's device only: "
                             "pick a customer whose app you hold, and send it to 'me'.")
    to = [profile.phone or ""] if device else test_sends.recipients(
        channel, data.to, user.email if user else None, team)
    if not to:
        raise _refused("to", WHERE_TO_SET[data.to])
    try:
        # Profile id 0: an unsubscribe link in a test leads nowhere, never to the customer.
        content = send_content(template, replace(profile, id=0), data.payload,
                               purpose=data.purpose or "marketing",
                               options={} if data.fallback_text is None else
                               {"fallback": {"text": data.fallback_text}})
    except RenderError as error:
        raise _refused("external_id", f"The message can't be made for this customer: {error}") \
            from None
    adapter = wl.runtime.adapters.get(channel)
    results = []
    for recipient in to:
        problem = (f"no way to send {channel} is configured" if adapter is None else
                   send_now(adapter, ledgerless_key(wl.runtime.redis), channel,
                            test_sends.marked(channel, content, recipient)))
        results.append(TestSendResult(to=recipient or "the webhook's URL", sent=problem is None,
                                      problem=problem))
    with wl.writing() as session:
        record(session, actor, "template.test_sent", object_kind="template",
               object_id=template.id, object_name=template.name, at=wl.now(),
               summary=f"test {channel} to " + ", ".join(
                   f"{result.to}{'' if result.sent else ' (failed)'}" for result in results),
               after={"customer": profile.external_id,
                      "results": [{"to": r.to, "sent": r.sent, "problem": r.problem}
                                  for r in results]})
    return TestSendReport(channel=channel, results=results)


def _refused(field: str, message: str) -> InvalidInputError:
    return InvalidInputError(message, [{"code": "test_send.refused", "field": field,
                                        "message": message}])
