"""A person's language through the account API (PATCH /api/session): saved, audited, read back,
spoken by the pages they open (the sign-in and account pages too, per Accept-Language before
they choose), and refused when it is not one Wayline speaks."""

from __future__ import annotations

from sqlalchemy import select

from runtime.store.team_models import AuditEvent


def test_a_person_sets_their_language_through_the_account_api(admin_client, app_context):
    assert admin_client.get("/api/session").json()["user"]["language"] is None
    before = admin_client.get("/account", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert "<html lang='ko'>" in before.text and "내 계정" in before.text

    saved = admin_client.patch("/api/session", json={"language": "en"})
    assert saved.status_code == 200 and saved.json()["user"]["language"] == "en"
    page = admin_client.get("/account", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert "<html lang='en'>" in page.text and "Your account" in page.text

    assert admin_client.patch("/api/session", json={"language": "fr"}).status_code in (400, 422)
    cleared = admin_client.patch("/api/session", json={"language": None})
    assert cleared.json()["user"]["language"] is None
    with app_context.reading() as db:
        rows = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.language_changed")
                          .order_by(AuditEvent.id)).all()
        assert [(row.before, row.after) for row in rows] == [
            ({"language": None}, {"language": "en"}), ({"language": "en"}, {"language": None})]


def test_the_sign_in_page_follows_the_browser(anonymous_client):
    korean = anonymous_client.get("/signin", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert "<html lang='ko'>" in korean.text and "<h1>로그인</h1>" in korean.text
    english = anonymous_client.get("/signin", headers={"Accept-Language": "en-US"})
    assert "<html lang='en'>" in english.text and "<h1>Sign in</h1>" in english.text
