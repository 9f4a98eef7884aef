"""Template safety over the real app: webhook addresses Liquid cannot choose and internal ones
refused when saved, JSON bodies refused with their line, and previews past a render limit
answering 422 (never 500, never a hang)."""

from __future__ import annotations

from dataclasses import replace

import pytest

HOOK = {"channel": "webhook", "name": "CRM", "source": '{"id": "{{ customer.external_id }}"}'}


def save(client, url: str, **fields) -> object:
    return client.post("/api/templates", json={**HOOK, "options": {"url": url}, **fields})


def problems(response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {issue["field"]: issue["message"] for issue in response.json()["issues"]}


@pytest.mark.parametrize("url", [
    "https://{{ customer.crm_host }}/hooks",
    "https://crm.example.com{{ customer.path }}",
    "{{ customer.webhook_url }}",
    "{{ payload.scheme }}://crm.example.com/hooks",
])
def test_liquid_in_a_webhooks_scheme_or_host_is_refused_when_saved(client, app_context, url):
    found = problems(save(client, url))
    assert set(found) == {"options.url"}
    assert "Liquid may fill the path and query, never the scheme or the host" in found[
        "options.url"]
    edited = client.post("/api/templates", json={**HOOK, "options": {
        "url": "https://crm.example.com/c/{{ customer.external_id }}?at={{ payload.at }}"}})
    assert edited.status_code == 201, edited.text
    moved = client.patch(f"/api/templates/{edited.json()['id']}", json={"options": {"url": url}})
    assert set(problems(moved)) == {"options.url"}


@pytest.mark.parametrize(("url", "says"), [
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata service"),
    ("http://[fd00:ec2::254]/", "a cloud metadata service"),
    ("http://metadata.google.internal/computeMetadata/v1/", "a cloud metadata service"),
    ("http://2852039166/", "2852039166 (169.254.169.254) is a cloud metadata service"),
    ("http://127.0.0.1:8000/api/journeys", "127.0.0.1 is a loopback address"),
    ("http://0x7f.1/x", "0x7f.1 (127.0.0.1) is a loopback address"),
    ("https://[::1]/x", "::1 is a loopback address"),
    ("https://[::ffff:10.0.0.8]/x", "a private network address, written as IPv6"),
    ("http://localhost:8000/{{ customer.external_id }}", "localhost is a loopback address"),
    ("https://10.1.2.3/hooks", "10.1.2.3 is a private network address"),
])
def test_an_internal_address_is_refused_when_saved(client, app_context, url, says):
    message = problems(save(client, url))["options.url"]
    assert message.startswith("Webhook URL: ") and says in message
    assert "WAYLINE_WEBHOOK_ALLOW" in message


def test_an_allow_listed_internal_address_saves(client, app_context):
    runtime = app_context.runtime
    runtime.settings = replace(runtime.settings, webhook_allow="10.0.0.0/8, hooks.localhost")
    assert save(client, "https://10.1.2.3/hooks").status_code == 201
    assert save(client, "http://hooks.localhost/x", name="Local").status_code == 201
    assert "options.url" in problems(save(client, "https://10.1.2.3.nip.test{{ x }}/"))
    assert "options.url" in problems(save(client, "http://169.254.169.254/", name="Meta"))


def test_a_body_that_is_not_json_is_refused_with_its_line(client, app_context):
    found = problems(save(client, "https://crm.example.com/hooks",
                          source='{\n  "id": "{{ customer.external_id }}",\n'
                                 '  "vip": {% if customer.vip %}true{% endif %}\n}'))
    assert found["source"].startswith("Webhook body, line 3: Liquid tags can only be used "
                                      "inside a quoted value")
    old_style = save(client, "https://crm.example.com/hooks",
                     source='{"id": {{ customer.external_id | json }}}')
    assert old_style.status_code == 201  # bodies written before still save and render


def test_a_hostile_attribute_stays_a_value_in_a_preview(client, app_context):
    hostile = 'x", "admin": true, "y": "'
    rendered = client.post("/api/templates/render", json={
        "template": {**HOOK, "source": '{"name": "{{ customer.name }}", "role": "member"}',
                     "options": {"url": "https://crm.example.com/c/{{ customer.external_id }}"}},
        "sample": {"attributes": {"name": hostile}}}).json()
    assert rendered["content"]["body"] == {"name": hostile, "role": "member"}


BOMBS = [
    ("{% for i in (1..100000000) %}x{% endfor %}", "loops more than 10,000 times"),
    ("{% for i in (1..10000) %}{% for j in (1..10000) %}x{% endfor %}{% endfor %}",
     "loops more than 10,000 times"),
    ("{% assign s = 'x' %}{% for i in (1..64) %}{% assign s = s | append: s %}{% endfor %}"
     "{{ s }}", "variables (assign, capture) grow past 1,000,000 bytes"),
]


@pytest.mark.parametrize(("source", "says"), BOMBS)
def test_a_preview_past_a_render_limit_answers_422_saying_which(client, app_context, source,
                                                                 says):
    sms = {"channel": "sms", "name": "Bomb", "source": source}
    draft = client.post("/api/templates/render", json={"template": sms})
    assert problems(draft) == {"source": draft.json()["detail"]}
    assert draft.json()["detail"].startswith("Message, line 1: the template")
    assert says in draft.json()["detail"]

    saved = client.post("/api/templates", json=sms)  # it parses: only rendering trips a limit
    assert saved.status_code == 201, saved.text
    preview = client.post(f"/api/templates/{saved.json()['id']}/render", json={})
    assert says in problems(preview)["source"]
