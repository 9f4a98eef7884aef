"""Email's own rules (nodes/channels/email.py)."""

from nodes.channels.email import CHANNEL
from tests.nodes.channels.test_contract import Draft


def test_an_email_needs_a_subject_and_something_to_say() -> None:
    problems = CHANNEL.check(Draft(subject=" ", source="", options={}))
    assert [p.field for p in problems] == ["subject", "source"]
    assert CHANNEL.check(Draft(subject="Hi", source="", options={"html": "<p>Hi</p>"})) == []


def test_the_html_body_escapes_values_and_the_subject_is_one_line() -> None:
    draft = Draft(subject="Hi", source="Hello", options={"html": "<p>{{ x }}</p>"})
    assert ("html", "<p>{{ x }}</p>", True) in list(CHANNEL.parts(draft))
    content = CHANNEL.content("a@b.kr", {"subject": "Hi\nthere", "text": "t"}, draft)
    assert content["subject"] == "Hi there"


def test_a_test_email_is_marked_and_cannot_unsubscribe() -> None:
    marked = CHANNEL.mark_test({"subject": "Sale", "unsubscribe_url": "https://u"})
    assert marked == {"subject": "[Test] Sale"}
