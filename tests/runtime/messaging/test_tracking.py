"""Tracking links: which links are rewritten, where the pixel goes, and what tokens prove."""

from __future__ import annotations

import re

import pytest

from runtime.messaging.tracking import (
    Tracked,
    Tracker,
    instrument_html,
    public_url,
    secret_for,
    track_content,
)
from runtime.settings import Settings

TRACKER = Tracker(b"0123456789abcdef0123456789abcdef", "https://crm.example.com")


def links(html: str) -> list[str]:
    return re.findall(r"""href=["']?([^"'\s>]+)""", html)


def clicks(html: str) -> list[Tracked]:
    return [TRACKER.read(link.rsplit("/t/c/", 1)[1]) for link in links(html) if "/t/c/" in link]


def test_http_links_become_signed_redirects_in_order_and_others_stay():
    html = ('<body><a href="https://shop.example.com/a?x=1&amp;y=2">A</a>'
            "<a class='b' href='http://shop.example.com/b'>B</a>"
            '<a href=https://shop.example.com/c>C</a>'
            '<a href="mailto:help@shop.example.com">mail</a><a href="#top">top</a>'
            '<a href="tel:+82212345678">call</a>'
            '<a href="https://crm.example.com/unsubscribe/abc">unsubscribe</a>'
            '<a data-wayline-untracked href="https://shop.example.com/private">private</a>'
            '<a href="https://shop.example.com/bad&#10;Location: x">smuggled</a>'
            '<a name="anchor">no link</a></body>')
    out = instrument_html(html, 7, TRACKER)
    assert [(c.message_id, c.link, c.url) for c in clicks(out)] == [
        (7, 1, "https://shop.example.com/a?x=1&y=2"), (7, 2, "http://shop.example.com/b"),
        (7, 3, "https://shop.example.com/c")]
    for kept in ("mailto:help@shop.example.com", "#top", "tel:+82212345678",
                 "https://crm.example.com/unsubscribe/abc", "https://shop.example.com/private",
                 "https://shop.example.com/bad&#10;Location:"):
        assert kept in out
    assert "class='b'" in out and '<a name="anchor">' in out


def test_the_pixel_goes_before_the_end_of_the_body_or_at_the_end():
    out = instrument_html("<html><body><p>Hi</p></BODY></html>", 9, TRACKER)
    assert re.search(r'<img src="https://crm\.example\.com/t/o/[^"]+\.gif"[^>]*></BODY></html>$',
                     out)
    pixel = re.search(r"/t/o/([^\"]+)", out)[1]
    assert TRACKER.read(pixel) == Tracked("o", 9)
    assert instrument_html("<p>Hi</p>", 9, TRACKER).startswith("<p>Hi</p><img ")


def test_text_only_emails_are_left_as_they_are():
    content = {"to": "a@example.com", "subject": "Hi", "text": "See https://shop.example.com"}
    assert track_content(content, 1, TRACKER) is content


@pytest.mark.parametrize("token", ["", ".", "abc", "abc.def", "a.b.c", "!!!.???",
                                   "YzoxOjE6aHR0cHM6Ly9ldmlsLmV4YW1wbGU.AAAAAAAAAAAAAAAAAAAAAA"])
def test_anything_not_signed_by_this_key_reads_as_nothing(token):
    assert TRACKER.read(token) is None


def test_a_token_from_another_key_or_another_kind_is_refused():
    other = Tracker(b"another key entirely, 32 bytes..", "https://crm.example.com")
    token = other.token(Tracked("c", 1, 1, "https://shop.example.com"))
    assert TRACKER.read(token) is None and other.read(token) is not None


def test_the_secret_is_made_once_and_kept(tmp_path):
    settings = Settings(data_dir=tmp_path)
    first = secret_for(settings)
    assert len(first) >= 32 and secret_for(settings) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert secret_for(Settings(data_dir=tmp_path, secret_key="x" * 20)) == "x" * 20


def test_links_use_the_public_address():
    assert public_url(Settings(public_url="https://crm.example.com")) == "https://crm.example.com"
    assert public_url(Settings(host="0.0.0.0", port=8080)) == "http://127.0.0.1:8080"


def test_a_token_is_read_only_as_it_was_written():
    token = TRACKER.token(Tracked("o", 42))
    assert TRACKER.read(token) == Tracked("o", 42)
    body, signature = token.split(".")
    for last in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_":
        if last != signature[-1]:  # some spell the same bytes: none may pass
            assert TRACKER.read(f"{body}.{signature[:-1]}{last}") is None
