"""Signing in and out as a person does: passwords, lockout, one-time links, sessions' expiry."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update

from runtime.store.audit import SYSTEM
from runtime.store.team_models import AuditEvent, Role, User
from server.schemas.team import UserCreate
from server.security.passwords import hash_password
from server.services import users
from server.services.signin import LOCKOUT_FAILURES, LOCKOUT_WINDOW
from tests.server.conftest import use_link

PASSWORD = "correct horse battery"


def person(app_context, email: str = "minji@example.kr", role: Role = Role.EDITOR,
           password: str | None = PASSWORD) -> str:
    """A person with a password; the path of their one-time link."""
    made = users.add_user(app_context, SYSTEM, UserCreate(email=email, name="Minji", role=role))
    if password:
        with app_context.writing() as db:
            db.execute(update(User).where(User.id == made.user.id)
                       .values(password_hash=hash_password(password)))
    return urlsplit(made.link).path


def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session(app_context, anonymous_client):
    person(app_context)
    client = anonymous_client
    answer = client.post("/api/session", json={"email": "Minji@Example.kr",
                                               "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Secure" not in cookie
    assert answer.json()["user"]["role"] == "editor" and answer.json()["csrf_token"]
    assert client.get("/api/journeys").status_code == 200
    signed_out = client.delete("/api/session",
                               headers={"X-CSRF-Token": answer.json()["csrf_token"]})
    assert signed_out.status_code == 204
    assert client.get("/api/journeys").status_code == 401


def test_the_cookie_is_secure_when_the_public_address_is_https(app_context, anonymous_client):
    from dataclasses import replace

    app_context.runtime.settings = replace(app_context.runtime.settings,
                                           public_url="https://crm.example.kr")
    person(app_context)
    answer = anonymous_client.post("/api/session", json={"email": "minji@example.kr",
                                                         "password": PASSWORD})
    assert "Secure" in answer.headers["set-cookie"]
    assert "strict-transport-security" in answer.headers


def test_wrong_passwords_lock_the_email_with_retry_after(app_context, anonymous_client):
    person(app_context)
    wrong = {"email": "minji@example.kr", "password": "not the password"}
    for _ in range(LOCKOUT_FAILURES):
        answer = anonymous_client.post("/api/session", json=wrong)
        assert answer.status_code == 401
        assert "don't match" in answer.json()["detail"]  # the same for an unknown email
    right = {"email": "minji@example.kr", "password": PASSWORD}
    locked = anonymous_client.post("/api/session", json=right)
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= LOCKOUT_WINDOW.total_seconds() + 1
    app_context.clock.advance(LOCKOUT_WINDOW)
    assert anonymous_client.post("/api/session", json=right).status_code == 200
    with app_context.reading() as db:
        failures = db.scalars(select(AuditEvent).where(
            AuditEvent.action == "user.sign_in_failed")).all()
    assert len(failures) == LOCKOUT_FAILURES and failures[0].object_id == "minji@example.kr"


def test_an_unknown_email_is_refused_like_a_wrong_password(app_context, anonymous_client):
    answer = anonymous_client.post("/api/session", json={"email": "nobody@example.kr",
                                                         "password": PASSWORD})
    assert answer.status_code == 401 and "don't match" in answer.json()["detail"]


def test_the_sign_in_page_signs_in_and_goes_back_where_it_was_headed(app_context,
                                                                      anonymous_client):
    person(app_context)
    client = anonymous_client
    client.headers["Origin"] = "http://testserver.local"  # what a browser's form post sends
    page = client.get("/customers?search=kim", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/signin?next=/customers%3Fsearch%3Dkim"
    form = client.get(page.headers["location"])
    assert form.status_code == 200 and "name='next' value='/customers?search=kim'" in form.text
    wrong = client.post("/signin", data={"email": "minji@example.kr", "password": "nope",
                                         "next": "/customers"})
    assert wrong.status_code == 200 and "match an active account" in wrong.text
    done = client.post("/signin", data={"email": "minji@example.kr", "password": PASSWORD,
                                        "next": "/customers?search=kim"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/customers?search=kim"
    away = client.post("/signin", data={"email": "minji@example.kr", "password": PASSWORD,
                                        "next": "//evil.example/"}, follow_redirects=False)
    assert away.headers["location"] == "/"  # never to another site


def test_another_sites_page_cannot_sign_a_browser_in(app_context, anonymous_client):
    person(app_context)
    forged = anonymous_client.post("/signin", headers={"Origin": "https://evil.example"},
                                   data={"email": "minji@example.kr", "password": PASSWORD})
    assert forged.status_code == 403


def test_a_one_time_link_works_once_and_not_after_a_day(app_context, anonymous_client):
    link = person(app_context, password=None)
    for _ in range(3):  # a link previewer fetching the page leaves the link unused
        page = anonymous_client.get(link)
        assert page.status_code == 200 and "minji@example.kr" in page.text
    assert anonymous_client.get("/api/session").status_code == 401
    first = anonymous_client.post(link, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/account?welcome=1"
    again = anonymous_client.get(link, follow_redirects=False)
    assert again.status_code == 404 and "can't be used" in again.text
    assert anonymous_client.post(link, headers={"Origin": "http://testserver.local"},
                                 follow_redirects=False).status_code == 404
    late = users.reset_link(app_context, SYSTEM, users.find_user(app_context,
                                                                 "minji@example.kr").id)
    app_context.clock.advance(timedelta(hours=24, seconds=1))
    assert anonymous_client.get(urlsplit(late.link).path).status_code == 404


def test_a_reset_link_clears_the_password_and_the_person_sets_a_new_one(app_context,
                                                                        anonymous_client):
    person(app_context)
    user_id = users.find_user(app_context, "minji@example.kr").id
    link = users.reset_link(app_context, SYSTEM, user_id).link
    use_link(anonymous_client, link)
    anonymous_client.headers["Origin"] = "http://testserver.local"  # as the browser sends
    refused = anonymous_client.post("/api/session", json={"email": "minji@example.kr",
                                                          "password": PASSWORD})
    assert refused.status_code == 401  # the old password no longer works
    use_link(anonymous_client, users.reset_link(app_context, SYSTEM, user_id).link)
    short = anonymous_client.post("/account", data={"password": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    saved = anonymous_client.post("/account", data={"password": "a new long password"})
    assert saved.status_code == 200 and "Password saved" in saved.text
    assert anonymous_client.post("/api/session", json={
        "email": "minji@example.kr", "password": "a new long password"}).status_code == 200


def test_sessions_end_when_idle_and_at_their_absolute_expiry(app_context, anonymous_client):
    person(app_context)
    client = anonymous_client
    client.post("/api/session", json={"email": "minji@example.kr", "password": PASSWORD})
    policy = app_context.settings
    app_context.clock.advance(timedelta(minutes=policy.session_idle_minutes - 1))
    assert client.get("/api/journeys").status_code == 200  # used: the idle clock restarts
    app_context.clock.advance(timedelta(minutes=policy.session_idle_minutes - 1))
    assert client.get("/api/journeys").status_code == 200
    app_context.clock.advance(timedelta(minutes=policy.session_idle_minutes))
    assert client.get("/api/journeys").status_code == 401  # sat unused too long
    client.post("/api/session", json={"email": "minji@example.kr", "password": PASSWORD})
    for _ in range(policy.session_max_hours // 6 + 1):  # busy all along, but …
        app_context.clock.advance(timedelta(hours=6))
        client.get("/api/journeys")
    assert client.get("/api/journeys").status_code == 401  # … over its absolute lifetime


def test_disabling_someone_signs_them_out_at_once(app_context, anonymous_client, admin_client):
    person(app_context)
    anonymous_client.post("/api/session", json={"email": "minji@example.kr",
                                                "password": PASSWORD})
    assert anonymous_client.get("/api/journeys").status_code == 200
    with app_context.reading() as db:
        user_id = db.scalar(select(User.id).where(User.email == "minji@example.kr"))
    assert admin_client.patch(f"/api/users/{user_id}", json={"active": False}).status_code == 200
    assert anonymous_client.get("/api/journeys").status_code == 401
    refused = anonymous_client.post("/api/session", json={"email": "minji@example.kr",
                                                          "password": PASSWORD})
    assert refused.status_code == 401


def test_guesses_sent_at_once_cannot_all_slip_under_the_lockout(app_context):
    from concurrent.futures import ThreadPoolExecutor

    from runtime.errors import RateLimitedError, SignInRefusedError
    from server.services import signin

    person(app_context)

    def guess(number: int) -> str:
        try:
            signin.sign_in(app_context, "minji@example.kr", f"guess {number}", "10.0.0.9")
        except SignInRefusedError:
            return "checked"
        except RateLimitedError:
            return "locked"
        return "signed in"

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(guess, range(24)))
    assert answers.count("checked") <= LOCKOUT_FAILURES
    assert answers.count("locked") >= 24 - LOCKOUT_FAILURES


def test_one_address_failing_many_emails_is_locked_too(app_context, anonymous_client):
    from server.services.signin import IP_FAILURES

    for number in range(IP_FAILURES):
        answer = anonymous_client.post("/api/session", json={
            "email": f"guess-{number}@example.kr", "password": "not a password"})
        assert answer.status_code == 401
    person(app_context)
    locked = anonymous_client.post("/api/session", json={"email": "minji@example.kr",
                                                         "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
