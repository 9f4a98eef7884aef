"""Webhook templates: Liquid fills a URL's path and query only, and a JSON body is built as data,
so no customer attribute can choose the server or add keys to the body."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from nodes.kit.profile import Profile
from runtime.messaging.rendering import (
    RenderError,
    TemplateCache,
    customer_attributes_used,
    render_message,
)
from runtime.store.models import Template

HOSTILE = 'x", "admin": true, "y": "'
"""A customer attribute written to break out of a JSON string."""

MALLORY = Profile(
    id=7, external_id="c-7", created_at=datetime(2024, 1, 2, tzinfo=UTC),
    attributes={"name": HOSTILE, "points": 1200, "vip": True, "sizes": [250, 255],
                "address": {"city": "서울"}, "host": "evil.test"})


def hook(body: str, url: str = "https://crm.test/hooks", **options: Any) -> Template:
    return Template(id=None, version=1, channel="webhook", name="h", subject=None, source=body,
                    options={"url": url, **options})


def render(tpl: Template, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    return render_message(tpl, MALLORY, payload or {}, cache=TemplateCache())


def refusal(tpl: Template) -> str:
    with pytest.raises(RenderError) as caught:
        render(tpl)
    return caught.value.reason


# --- the body ----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    '{"name": "{{ customer.name }}", "role": "member"}',          # inside quotes
    '{"name": {{ customer.name }}, "role": "member"}',            # a whole value
    '{"name": {{ customer.name | json }}, "role": "member"}',     # the older form
    '{"name": "Dear {{ customer.name | upcase }}", "role": "member"}',
])
def test_a_hostile_attribute_can_never_add_keys_or_change_the_shape(body):
    rendered = render(hook(body))["body"]
    assert set(rendered) == {"name", "role"}
    assert rendered["role"] == "member" and "admin" not in rendered
    assert HOSTILE.upper() in rendered["name"].upper()


def test_a_whole_value_keeps_its_type_and_a_quoted_one_is_a_string():
    body = ('{"points": {{ customer.points }}, "vip": {{ customer.vip }}, '
            '"sizes": {{ customer.sizes }}, "address": {{ customer.address }}, '
            '"none": {{ payload.missing | default: nil }}, "text": "{{ customer.points }}", '
            '"fixed": [1, 2.5, null, true, "plain \\"quoted\\" \\n text"]}')
    assert render(hook(body))["body"] == {
        "points": 1200, "vip": True, "sizes": [250, 255], "address": {"city": "서울"},
        "none": None, "text": "1200", "fixed": [1, 2.5, None, True, 'plain "quoted" \n text']}


def test_bodies_written_the_old_way_still_render_as_before():
    body = ('{"customer": {{ customer.external_id | json }}, '
            '"name": {{- customer.name | json -}}, "order": {{ payload.order | json }}, '
            '"since": {{ customer.created_at | json }}, '
            '"greeting": "{{ payload.hi | default: "hi" }}"}')
    assert render(hook(body), {"order": {"id": 9}})["body"] == {
        "customer": "c-7", "name": HOSTILE, "order": {"id": 9},
        "since": "2024-01-02T00:00:00+00:00", "greeting": "hi"}


def test_liquid_values_are_read_like_any_other_part():
    tpl = hook('{"a": "{{ customer.name }}", "b": {{ customer.points }}}')
    assert customer_attributes_used(tpl) == {"body": {"name", "points"}}


@pytest.mark.parametrize(("body", "says"), [
    ('{\n  "a": 1,\n  "b": {% if customer.vip %}1{% endif %}\n}',
     "Webhook body, line 3: Liquid tags can only be used inside a quoted value"),
    ('{\n  "a": 1,\n  "b": 2,\n}', "Webhook body, line 4: the body is not valid JSON"),
    ('{"{{ customer.name }}": 1}', "Webhook body, line 1: a key uses Liquid"),
    ('{"a": "{{ customer.name"}', "'{{' is never closed"),
    ('{\n"a": "open}', "Webhook body, line 2: a quoted value is never closed"),
    ('{"a": "line\nbreak"}', "a quoted value is not valid JSON"),
    ('{"a": "{{ customer.nickname }}"}', "Webhook body, line 1: this customer has no "
                                         "customer.nickname"),
    ('{\n\n"a": {{ customer.nickname }}}', "Webhook body, line 3: this customer has no"),
])
def test_a_body_that_cannot_be_json_says_where(body, says):
    assert says in refusal(hook(body))


def test_an_empty_body_is_no_body():
    assert render(hook("  \n"))["body"] is None


# --- the URL -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "https://{{ customer.host }}/hooks",
    "https://crm.test{{ customer.host }}/hooks",
    "https://crm.test:{{ payload.port }}/hooks",
    "https://{{ customer.host }}@crm.test/hooks",
    "{{ customer.host }}/hooks",
    "{{ payload.scheme }}://crm.test/hooks",
    "htt{{ payload.s }}://crm.test/hooks",
])
def test_liquid_may_not_choose_the_scheme_or_the_host(url):
    reason = refusal(hook("{}", url))
    assert reason.startswith("Webhook URL: Liquid may fill the path and query, never the scheme")


def test_liquid_fills_the_path_and_query():
    tpl = hook("{}", "https://crm.test:8443/c/{{ customer.external_id }}?p={{ customer.points }}")
    assert render(tpl)["url"] == "https://crm.test:8443/c/c-7?p=1200"
    # A value cannot move the call elsewhere: after the first '/', it is only a path.
    moved = hook("{}", "https://crm.test/{{ payload.where }}")
    assert render(moved, {"where": "@evil.test/x"})["url"] == "https://crm.test/@evil.test/x"
    assert render(moved, {"where": "/evil.test"})["url"] == "https://crm.test//evil.test"


@pytest.mark.parametrize(("url", "says"), [
    ("ftp://crm.test/{{ customer.external_id }}", "not an http:// or https:// address"),
    ("crm.test/{{ customer.external_id }}", "not an http:// or https:// address"),
    ("https://crm.test\\@evil.test/{{ customer.external_id }}", "a space or a backslash"),
])
def test_an_address_that_is_not_http_is_refused(url, says):
    assert says in refusal(hook("{}", url))
