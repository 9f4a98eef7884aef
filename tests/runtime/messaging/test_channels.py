"""Channel adapters against real local servers: aiosmtpd for email, http.server for webhooks.

The servers here stand in for the outside world (STYLE.md §14); test_delivery.py reuses them.
"""

from __future__ import annotations

import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from runtime.messaging.adapters import OutboxAdapter, PermanentFailure, TransientFailure
from runtime.messaging.channels import SmtpAdapter, WebhookAdapter, adapters_from_settings
from runtime.messaging.tracking import TrackedEmail
from runtime.settings import Settings
from runtime.smtp_config import parse_smtp_url
from tests.runtime.providers import LOCAL, free_port, sender_for

# --- a real SMTP server ------------------------------------------------------------------------


def body(email: EmailMessage, kind: str) -> str:
    """The text of one part, with the wire's CRLF line ends turned back into newlines."""
    return email.get_body((kind,)).get_content().replace("\r\n", "\n").strip()


EMAIL = {"to": "minji@example.kr", "subject": "민지님, 장바구니를 잊으셨어요",
         "text": "안녕하세요 민지님,\n담아두신 상품이 기다리고 있어요.",
         "html": "<p>안녕하세요 <b>민지</b>님</p>"}


# --- SMTP --------------------------------------------------------------------------------------


def test_an_email_arrives_with_text_and_html_and_its_idempotency_headers(smtp_server):
    mailbox = smtp_server()
    adapter = sender_for(mailbox, **{"from": "Shop <news@shop.test>"})

    provider_id = adapter.send(41, "email", EMAIL)
    adapter.close()

    [email] = mailbox.received
    assert provider_id == "<wayline.41@shop.test>" == email["Message-ID"]
    assert email["X-Wayline-Message-Id"] == "41"
    assert email["From"] == "Shop <news@shop.test>"
    assert email["To"] == "minji@example.kr"
    assert email["Subject"] == "민지님, 장바구니를 잊으셨어요"
    assert email["Date"]
    assert email.get_content_type() == "multipart/alternative"
    assert body(email, "plain") == EMAIL["text"]
    assert body(email, "html") == EMAIL["html"]


def test_an_email_without_html_is_plain_text(smtp_server):
    mailbox = smtp_server()
    adapter = sender_for(mailbox)
    adapter.send(7, "email", {key: EMAIL[key] for key in ("to", "subject", "text")})
    adapter.close()
    [email] = mailbox.received
    assert email.get_content_type() == "text/plain"
    assert email["From"] == "Wayline <no-reply@wayline.test>"
    assert email["Message-ID"] == "<wayline.7@wayline.test>"


def test_one_connection_carries_many_emails_and_a_dropped_one_is_reopened(smtp_server):
    mailbox = smtp_server(idle_timeout=0.3)
    adapter = sender_for(mailbox)
    adapter.send(1, "email", EMAIL)
    adapter.send(2, "email", EMAIL)
    assert mailbox.sessions[0] is mailbox.sessions[1]

    time.sleep(0.8)  # the server hangs up on an idle client, as real ones do
    adapter.send(3, "email", EMAIL)
    adapter.close()
    assert len(mailbox.received) == 3
    assert mailbox.sessions[2] is not mailbox.sessions[1]


def test_a_busy_mail_server_is_a_transient_failure(smtp_server):
    mailbox = smtp_server(busy=1)
    adapter = sender_for(mailbox)
    with pytest.raises(TransientFailure) as caught:
        adapter.send(1, "email", EMAIL)
    assert "451" in caught.value.reason
    assert "minji@example.kr" not in caught.value.reason  # every role reads reasons
    assert adapter.send(1, "email", EMAIL) == "<wayline.1@wayline.test>"
    adapter.close()
    assert len(mailbox.received) == 1


def test_an_unknown_recipient_is_a_permanent_failure(smtp_server):
    mailbox = smtp_server(unknown=frozenset({"minji@example.kr"}))
    adapter = sender_for(mailbox)
    with pytest.raises(PermanentFailure) as caught:
        adapter.send(1, "email", EMAIL)
    adapter.close()
    assert caught.value.reason.startswith("the mail server refused the customer's address: 550")
    assert mailbox.received == []


def test_an_unreachable_mail_server_is_a_transient_failure():
    adapter = SmtpAdapter.from_url(f"smtp://127.0.0.1:{free_port()}", "w@wayline.test")
    with pytest.raises(TransientFailure) as caught:
        adapter.send(1, "email", EMAIL)
    assert caught.value.reason.startswith("could not talk to the mail server 127.0.0.1:")


def test_an_email_without_a_recipient_is_a_permanent_failure():
    adapter = SmtpAdapter.from_url("smtp://127.0.0.1:1", "w@wayline.test")
    with pytest.raises(PermanentFailure, match="the email has no to"):
        adapter.send(1, "email", {"subject": "s", "text": "t"})


def test_the_smtp_url_carries_credentials_sender_and_starttls():
    config = parse_smtp_url("smtp://ops%40shop.test:p%40ss@mail.shop.test?starttls=1&from="
                            "Shop%20%3Cnews%40shop.test%3E", "Wayline <no-reply@localhost>")
    assert (config.host, config.port, config.starttls) == ("mail.shop.test", 587, True)
    assert (config.username, config.password) == ("ops@shop.test", "p@ss")
    assert config.sender == "Shop <news@shop.test>"
    assert config.domain == "shop.test"
    plain = parse_smtp_url("smtp://relay:2525", "Wayline <no-reply@localhost>")
    assert (plain.port, plain.starttls, plain.username) == (2525, False, None)
    assert plain.sender == "Wayline <no-reply@localhost>"


@pytest.mark.parametrize(("url", "says"), [
    ("smtps://mail.test", "smtp://user:password@host"),
    ("smtp://", "no mail server host"),
    ("smtp://mail.test?tls=1", "unknown option(s) tls"),
    ("smtp://mail.test?starttls=maybe", "starttls=1 or starttls=0"),
    ("smtp://mail.test:99999", "port"),
    ("smtp://mail.test?from=nobody", "not an address"),
])
def test_a_wrong_smtp_url_says_what_is_wrong(url, says):
    with pytest.raises(ValueError, match=says.replace("(", r"\(").replace(")", r"\)")):
        parse_smtp_url(url, "Wayline <no-reply@localhost>")


# --- webhooks ----------------------------------------------------------------------------------


def test_a_webhook_posts_json_with_the_idempotency_key(http_server, webhook):
    endpoint = http_server(otherwise=(201, {"X-Request-Id": "req-9"}, "{}"))
    content = {"url": endpoint.url + "?token=s3cret", "method": "PUT",
               "headers": {"Authorization": "Bearer abc", "idempotency-key": "template's own"},
               "body": {"customer": "c-1", "이름": "민지"}}

    assert webhook.send(77, "webhook", content) == "req-9"

    [request] = endpoint.requests
    assert (request.method, request.path) == ("PUT", "/hooks/order?token=s3cret")
    assert request.headers["Idempotency-Key"] == "77"
    assert request.headers["Authorization"] == "Bearer abc"
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == {"customer": "c-1", "이름": "민지"}


def test_a_webhook_without_a_request_id_gets_one_from_the_message(http_server, webhook):
    endpoint = http_server()
    assert webhook.send(5, "webhook", {"url": endpoint.url, "body": None}) == "webhook-5"
    assert endpoint.requests[0].method == "POST"


@pytest.mark.parametrize(("status", "headers", "failure", "retry_after"), [
    (500, {}, TransientFailure, None),
    (503, {"Retry-After": "120"}, TransientFailure, 120.0),
    (429, {"Retry-After": "7"}, TransientFailure, 7.0),
    (408, {}, TransientFailure, None),
    (400, {}, PermanentFailure, None),
    (404, {}, PermanentFailure, None),
    (302, {"Location": "https://elsewhere.test/new?key=x"}, PermanentFailure, None),
])
def test_webhook_answers_are_sorted_into_retry_or_give_up(
        http_server, webhook, status, headers, failure, retry_after):
    endpoint = http_server(otherwise=(status, headers, '{"error": "customer_id is required"}'))
    with pytest.raises(failure) as caught:
        webhook.send(3, "webhook", {"url": endpoint.url + "?token=s3cret", "body": {}})
    reason = caught.value.reason
    origin = endpoint.url.removesuffix("/hooks/order")  # a path can carry a customer's data
    assert reason.startswith(f"POST {origin} answered {status} ")
    # What the provider said is kept apart: it may show internals not everyone should read.
    assert "customer_id is required" not in reason
    assert caught.value.answer == '{"error": "customer_id is required"}'
    assert "s3cret" not in reason  # query strings often carry secrets
    if failure is TransientFailure:
        assert caught.value.retry_after == retry_after
    if status == 302:
        assert "redirects to https://elsewhere.test/new" in reason
        assert "key=x" not in reason


def test_a_slow_webhook_is_a_transient_failure(http_server):
    endpoint = http_server(delay=1.0)
    adapter = WebhookAdapter(timeout=0.2, allow=LOCAL)
    with pytest.raises(TransientFailure, match=r"did not answer within 0.2 s"):
        adapter.send(1, "webhook", {"url": endpoint.url, "body": {}})
    adapter.close()


def test_an_unreachable_webhook_is_a_transient_failure(webhook):
    with pytest.raises(TransientFailure, match="could not reach http://127.0.0.1"):
        webhook.send(1, "webhook", {"url": f"http://127.0.0.1:{free_port()}/x", "body": {}})


def test_a_webhook_url_that_cannot_be_called_is_a_permanent_failure(webhook):
    with pytest.raises(PermanentFailure, match="cannot be called"):
        webhook.send(1, "webhook", {"url": "ftp://files.test/x", "body": {}})
    with pytest.raises(PermanentFailure, match="has no URL"):
        webhook.send(1, "webhook", {"body": {}})


# --- wiring ------------------------------------------------------------------------------------


def test_the_outbox_adapter_accepts_everything():
    assert OutboxAdapter().send(12, "kakao", {"to": "010", "text": "hi"}) == "outbox-12"


def test_adapters_follow_the_settings(tmp_path: Path):
    unconfigured = adapters_from_settings(Settings())
    assert set(unconfigured) == {"email", "sms", "kakao", "push", "webhook", "brand"}
    assert isinstance(unconfigured["email"], OutboxAdapter)
    assert all(isinstance(unconfigured[channel], OutboxAdapter)
               for channel in ("sms", "kakao", "push"))

    configured = adapters_from_settings(Settings(
        data_dir=tmp_path, smtp_url="smtp://u:p@mail.test:2525?starttls=1",
        smtp_from="Shop <news@shop.test>", webhook_timeout=3.5))
    tracked, hook = configured["email"], configured["webhook"]
    assert isinstance(tracked, TrackedEmail) and isinstance(hook, WebhookAdapter)
    email = tracked.adapter  # opens and clicks are tracked around the SMTP adapter
    assert isinstance(email, SmtpAdapter)
    assert (email.config.host, email.config.port, email.config.starttls) == ("mail.test", 2525,
                                                                             True)
    assert email.config.sender == "Shop <news@shop.test>"
    assert hook.timeout == 3.5
    hook.close()
