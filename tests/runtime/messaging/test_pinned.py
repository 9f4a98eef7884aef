"""Pinned content in the runtime: publishing copies the templates a version's steps name (found
through the kinds' refs, whatever the kind), and a batch renders its sends from the copies of
the versions in it with one query, falling back to the current template only for what a copy
lacks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from nodes import default_registry
from runtime.messaging.pinned import template_ids
from runtime.run.lifecycle import publish
from runtime.store.models import JourneyVersion, Message, Template
from tests.runtime.harness import add_customers, add_journey, add_template, golden, move


def test_the_templates_of_every_send_step_are_pinned(wayline):
    rt = wayline
    with rt.sessions() as session:
        first = add_template(session, name="Welcome", source="Welcome!")
        second = add_template(session, name="Tips", source="Some tips")
        add_template(session, name="Unused", source="Not in the journey")
        document = golden("welcome_series", first=first, second=second)
        assert template_ids(document, default_registry()) == {first, second}
        version = publish(session, add_journey(session, document), rt.clock.now())
        assert set(version.contents) == {str(first), str(second)}
        assert version.contents[str(first)] == {
            "version": 1, "channel": "email", "name": "Welcome",
            "subject": "Hi {{ customer.first_name }}", "source": "Welcome!", "options": {}}


def test_a_batch_reads_the_pinned_content_once_and_the_current_only_for_what_it_lacks(wayline):
    rt = wayline
    with rt.sessions() as session:
        add_customers(session, 3, rt.clock.now(), attributes={"plan": "free",
                                                              "first_name": "Min"})
        first = add_template(session, name="Welcome", source="Welcome v1")
        second = add_template(session, name="Tips", source="Tips v1")
        journey = add_journey(session, golden("welcome_series", first=first, second=second))
        version = publish(session, journey, rt.clock.now())
        version.contents = {key: value for key, value in version.contents.items()
                            if key == str(first)}  # as if it had pinned only the first
        for template in session.scalars(select(Template)):
            template.source, template.version = template.source.replace("v1", "v2"), 2
        session.commit()

    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(rt.engine, "before_cursor_execute", seen)
    try:
        move(rt, timedelta(minutes=1))  # the welcome mail, at once
        first_batch = list(statements)
        move(rt, timedelta(days=1, minutes=1))  # the tips mail, a day later
    finally:
        event.remove(rt.engine, "before_cursor_execute", seen)

    with rt.sessions() as session:
        texts = {template_id: {message.content["text"] for message in session.scalars(
            select(Message).where(Message.template_id == template_id))}
            for template_id in (first, second)}
    assert texts == {first: {"Welcome v1"}, second: {"Tips v2"}}
    contents_reads = [s for s in first_batch if "journey_versions.contents" in s]
    template_reads = [s for s in first_batch if "FROM templates" in s]
    assert len(contents_reads) == 1 and template_reads == []  # everything was pinned
    with rt.sessions() as session:
        assert session.get(JourneyVersion, version.id).contents[str(first)]["version"] == 1
