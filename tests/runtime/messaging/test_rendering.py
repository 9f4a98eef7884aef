"""Rendering: Liquid templates plus a customer become the content stored on a message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from nodes.kit.profile import Profile
from runtime.messaging.rendering import (
    RenderError,
    TemplateCache,
    render_message,
    template_variables,
)
from runtime.store.models import Template

MINJI = Profile(
    id=1, external_id="c-100", created_at=datetime(2023, 3, 1, 9, 30, tzinfo=UTC),
    email="minji@example.kr", phone="+821012345678", timezone="Asia/Seoul", locale="ko-KR",
    attributes={"first_name": "민지", "plan": "pro", "points": 1200, "email": "old@example.kr"},
    tags=frozenset({"vip", "newsletter"}),
)
NOBODY = Profile(id=2, external_id="c-200", created_at=datetime(2024, 1, 1, tzinfo=UTC))


def template(channel: str = "email", source: str = "", *, subject: str | None = None,
             id: int | None = 1, version: int = 1, **options: Any) -> Template:
    """An unsaved Template row (rendering needs no database)."""
    return Template(id=id, version=version, channel=channel, name="t", subject=subject,
                    source=source, options=options)


def render(tpl: Template, profile: Profile = MINJI, payload: dict[str, Any] | None = None,
           **kwargs: Any) -> dict[str, Any]:
    """Render with a fresh cache, so tests never see each other's compiled templates."""
    return render_message(tpl, profile, payload or {}, cache=TemplateCache(), **kwargs)


def test_an_email_uses_attributes_payload_and_korean_text():
    tpl = template(
        subject="{{ customer.first_name }}님, 장바구니에 {{ payload.items | size }}개가 있어요",
        source="{{ customer.attributes.plan }} 회원 {{ customer.first_name }}님, "
               "{{ event.items | join: ', ' }} / 포인트 {{ customer.points | plus: 100 }} / "
               "{{ customer.tags | join: ',' }} / {{ customer.created_at | date: '%Y-%m-%d' }}",
        html="<p>{{ customer.first_name }}님 {{ payload.note }}</p>",
    )
    content = render(tpl, payload={"items": ["가방", "신발"], "note": "<script>"})
    assert content == {
        "to": "minji@example.kr",
        "subject": "민지님, 장바구니에 2개가 있어요",
        "text": "pro 회원 민지님, 가방, 신발 / 포인트 1300 / newsletter,vip / 2023-03-01",
        "html": "<p>민지님 &lt;script&gt;</p>",  # values are escaped in HTML, not in text
    }


def test_profile_fields_win_over_attributes_of_the_same_name():
    variables = template_variables(MINJI, {"a": 1})
    assert variables["customer"]["email"] == "minji@example.kr"
    assert variables["customer"]["attributes"]["email"] == "old@example.kr"
    assert variables["event"] == variables["payload"] == {"a": 1}


def test_a_subject_is_one_line():
    content = render(template(subject="Hello\n  {{ customer.first_name }}\n", source="x"))
    assert content["subject"] == "Hello 민지"


@pytest.mark.parametrize(("channel", "to"), [
    ("sms", "+821012345678"), ("kakao", "+821012345678"), ("push", "c-100")])
def test_short_channels_carry_a_recipient_and_text(channel, to):
    content = render(template(channel, "{{ customer.first_name }}님 안녕하세요"))
    assert content == {"to": to, "text": "민지님 안녕하세요"}


def test_a_push_subject_becomes_its_title():
    content = render(template("push", "본문", subject="{{ customer.first_name }}님께"))
    assert content == {"to": "c-100", "title": "민지님께", "text": "본문"}


def test_a_webhook_renders_url_headers_and_a_json_body():
    tpl = template(
        "webhook",
        '{"customer": {{ customer.external_id | json }}, "name": {{ customer.first_name | json }},'
        ' "order": {{ payload.order | json }}, "since": {{ customer.created_at | json }}}',
        url="https://crm.test/customers/{{ customer.external_id }}/events",
        method="put", headers={"Authorization": "Bearer {{ payload.token }}"})
    content = render(tpl, payload={"order": {"id": 9, "total": 12000}, "token": "t0k"})
    assert content == {
        "url": "https://crm.test/customers/c-100/events", "method": "PUT",
        "headers": {"Authorization": "Bearer t0k"},
        "body": {"customer": "c-100", "name": "민지", "order": {"id": 9, "total": 12000},
                 "since": "2023-03-01T09:30:00+00:00"},
    }


def test_a_quoted_webhook_value_is_json_encoded_whatever_it_holds():
    tpl = template("webhook", '{"name": "{{ payload.name }}"}', url="https://crm.test/x")
    assert render(tpl, payload={"name": 'say "hi"'})["body"] == {"name": 'say "hi"'}


@pytest.mark.parametrize(("options", "says"), [
    ({}, "has no URL"),
    ({"url": "crm.test/{{ customer.external_id }}"}, "not an http:// or https:// address"),
    ({"url": "https://crm.test", "method": "DELETE"}, "use POST or PUT"),
])
def test_a_webhook_template_must_say_where_and_how(options, says):
    with pytest.raises(RenderError, match=says):
        render(template("webhook", "{}", **options))


@pytest.mark.parametrize(("channel", "says"), [
    ("email", "customer c-200 has no email address"),
    ("sms", "customer c-200 has no phone number"),
    ("kakao", "customer c-200 has no phone number"),
])
def test_a_missing_recipient_is_a_render_error(channel, says):
    with pytest.raises(RenderError, match=says):
        render(template(channel, "hi", subject="s"), NOBODY)


def test_an_email_template_needs_a_subject():
    with pytest.raises(RenderError, match="no subject"):
        render(template("email", "hi", subject="  "))


def test_liquid_mistakes_say_where_they_are():
    with pytest.raises(RenderError) as caught:
        render(template("sms", "안녕하세요\n{% if %}VIP{% endif %}"))
    assert caught.value.reason.startswith("Message, line 2: ")
    assert caught.value.reason.endswith("; fix the template")
    with pytest.raises(RenderError, match=r"^Subject, line 1: divided_by: can't divide by 0"):
        render(template(subject="{{ 1 | divided_by: 0 }}", source="x"))


def test_unknown_channels_are_render_errors():
    with pytest.raises(RenderError, match="'fax' is not one Wayline sends on"):
        render(template("fax", "x"))


def test_a_missing_value_is_an_error_never_a_blank():
    tpl = template("sms", "안녕하세요 {{ customer.nickname }}님")
    assert render(tpl, strict=False)["text"] == "안녕하세요 님"  # lenient: previews only
    with pytest.raises(RenderError) as caught:
        render(tpl)
    assert caught.value.reason == (
        'Message, line 1: this customer has no customer.nickname; give it a fallback, e.g. '
        '{{ customer.nickname | default: "…" }}, or send only to customers who have it')


def test_strict_still_allows_fallbacks_and_tests():
    tpl = template("sms", '{{ customer.nickname | default: "고객" }}님'
                          '{% if customer.coupon %} 쿠폰: {{ customer.coupon }}{% endif %}')
    assert render(tpl, strict=True)["text"] == "고객님"


def test_compiled_templates_are_cached_by_id_and_version():
    cache = TemplateCache()
    tpl = template("sms", "{{ customer.first_name }}님", id=5, version=1)
    assert render_message(tpl, MINJI, {}, cache=cache)["text"] == "민지님"
    assert (cache.hits, cache.misses) == (0, 1)
    assert render_message(tpl, MINJI, {}, cache=cache)["text"] == "민지님"
    assert (cache.hits, cache.misses) == (1, 1)

    edited = template("sms", "{{ customer.plan }}", id=5, version=2)
    assert render_message(edited, MINJI, {}, cache=cache)["text"] == "pro"
    assert (cache.hits, cache.misses) == (1, 2)
    render_message(tpl, MINJI, {}, cache=cache, strict=False)  # lenient compiles its own
    assert cache.misses == 3


def test_broken_templates_are_cached_too_and_previews_are_not():
    cache = TemplateCache()
    broken = template("sms", "{% if %}", id=6)
    for _ in range(3):
        with pytest.raises(RenderError):
            render_message(broken, MINJI, {}, cache=cache)
    assert (cache.hits, cache.misses) == (2, 1)

    preview = template("sms", "hi", id=None)
    render_message(preview, MINJI, {}, cache=cache)
    render_message(preview, MINJI, {}, cache=cache)
    assert (cache.hits, cache.misses) == (2, 1)


def test_the_cache_keeps_the_most_recently_used():
    cache = TemplateCache(size=2)
    first, second, third = (template("sms", str(n), id=n) for n in (1, 2, 3))
    for tpl in (first, second, first, third):  # `second` is the least recently used
        render_message(tpl, MINJI, {}, cache=cache)
    render_message(first, MINJI, {}, cache=cache)
    render_message(second, MINJI, {}, cache=cache)
    assert (cache.hits, cache.misses) == (2, 4)
