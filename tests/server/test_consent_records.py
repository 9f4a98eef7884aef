"""Consent records: every path that changes consent writes its history rows (API, CSV import,
a marketer's switch, an unsubscribe link, the 080 CSV); the history is never changed; the
policy reads the three states per purpose; the 080 CSV loads good rows and reports bad ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from runtime.customers.consent_history import State, matrix
from runtime.messaging.policy import consent_problem
from runtime.messaging.unsubscribe import unsubscribe
from runtime.store.audit import Actor
from runtime.store.consent_models import ConsentChangeRow, OptOutNumber
from runtime.store.models import Customer
from server.services.customer_consent import set_consent

EDITOR = Actor("user", "7", "Eddie Editor (eddie@example.kr)")
ROOT = Path(__file__).resolve().parents[2]


def rows_of(wl, external_id: str) -> list[tuple[str, str, str, str, str]]:
    """(channel, purpose, before, after, source) of the customer's history, oldest first."""
    with wl.reading() as session:
        customer_id = session.scalar(select(Customer.id).where(
            Customer.external_id == external_id))
        return [(row.channel, row.purpose, row.before, row.after, row.source)
                for row in session.scalars(select(ConsentChangeRow).where(
                    ConsentChangeRow.customer_id == customer_id).order_by(ConsentChangeRow.id))]


def test_every_path_that_changes_consent_writes_its_history(client, ingest_headers,
                                                            app_context):
    put = client.put("/api/customers/h1", headers=ingest_headers, json={
        "phone": "+821012345678",
        "consent": {"sms": {"granted": True, "night": True}, "email": True}})
    assert put.status_code in (200, 201), put.text
    assert sorted(rows_of(app_context, "h1")) == [
        ("email", "advertising", "unknown", "granted", "api"),
        ("sms", "advertising", "unknown", "granted", "api"),
        ("sms", "night", "unknown", "granted", "api")]
    # Saying the same again changes nothing and adds nothing.
    client.put("/api/customers/h1", headers=ingest_headers, json={"consent": {"email": True}})
    assert len(rows_of(app_context, "h1")) == 3

    imported = client.post("/api/customers/import", headers={
        **ingest_headers, "Content-Type": "text/csv"},
        content=b"external_id,consent_email\nh1,false\nh2,true\n")
    assert imported.status_code == 200, imported.text
    assert rows_of(app_context, "h1")[-1] == ("email", "advertising", "granted", "refused",
                                              "import")
    assert rows_of(app_context, "h2") == [("email", "advertising", "unknown", "granted",
                                           "import")]

    client.put("/api/customers/h3", headers=ingest_headers, json={"consent": {"push": {
        "granted": True, "source": "signup_form_v2"}}})
    with app_context.reading() as session:
        form = session.scalars(select(ConsentChangeRow).order_by(
            ConsentChangeRow.id.desc()).limit(1)).one()
    assert (form.source, form.note) == ("form", "signup_form_v2")

    set_consent(app_context, EDITOR, "h1", "kakao", True)
    with app_context.reading() as session:
        last = session.scalars(select(ConsentChangeRow).order_by(
            ConsentChangeRow.id.desc()).limit(1)).one()
    assert (last.channel, last.after, last.source, last.actor) == (
        "kakao", "granted", "marketer", EDITOR.name)

    with app_context.writing() as session:
        customer = session.scalars(select(Customer).where(Customer.external_id == "h2")).one()
        unsubscribe(session, customer, "email", "link", app_context.now())
    assert rows_of(app_context, "h2")[-1] == ("email", "advertising", "granted", "refused",
                                              "unsubscribe")

    loaded = client.post("/api/customers/opt-outs", headers=ingest_headers,
                         content=b"phone,date,number\n010-1234-5678,2026-03-01,0801234567\n")
    assert loaded.status_code == 200, loaded.text
    assert rows_of(app_context, "h1")[-4:] == [
        ("sms", "advertising", "granted", "refused", "080"),
        ("sms", "night", "granted", "refused", "080"),
        ("kakao", "advertising", "granted", "refused", "080"),
        ("brand", "advertising", "unknown", "refused", "080")]


def test_the_history_page_shows_the_matrix_and_pages_newest_first(client, ingest_headers,
                                                                  app_context):
    client.put("/api/customers/p1", headers=ingest_headers, json={"consent": {"sms": True}})
    for granted in (False, True, False):
        set_consent(app_context, EDITOR, "p1", "sms", granted)
    first = client.get("/api/customers/p1/consent", params={"limit": 3}).json()
    assert first["total"] == 4
    assert [item["after"] for item in first["items"]] == ["refused", "granted", "refused"]
    second = client.get("/api/customers/p1/consent",
                        params={"limit": 3, "before": first["next"]}).json()
    assert [item["after"] for item in second["items"]] == ["granted"]
    assert second["next"] is None
    cells = {(cell["channel"], cell["purpose"]): cell["state"] for cell in first["matrix"]}
    assert cells[("sms", "advertising")] == "refused"
    assert cells[("sms", "information")] == "unknown"
    assert cells[("email", "advertising")] == "unknown"
    assert client.get("/api/customers/nobody/consent").status_code == 404


def test_no_code_updates_or_deletes_the_history():
    """The app's source has no statement that changes or removes a history row: only
    inserts (and reads) name the table or its model."""
    mentions = []
    for folder in ("runtime", "server", "builder", "nodes"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            for name in ("ConsentChangeRow", "consent_changes"):
                for match in re.finditer(rf"(update|delete)\s*\(\s*{name}|"
                                         rf"(UPDATE|DELETE FROM)\s+{name}", text):
                    mentions.append(f"{path}: {match.group(0)}")
            if "ConsentChangeRow" in text and path.name != "consent_models.py":
                assert "session.delete(" not in text, path
    assert mentions == []
    assert any("ConsentChangeRow" in path.read_text()
               for path in (ROOT / "runtime").rglob("*.py"))  # the search looks at real code


@pytest.mark.parametrize(("stored", "purpose", "expected"), [
    (None, "marketing", "no marketing consent for sms"),
    ({"marketing": False}, "marketing", "no marketing consent for sms"),
    ({"marketing": True}, "marketing", None),
    (True, "marketing", None),
    (None, "transactional", None),
    ({"transactional": True}, "transactional", None),
    ({"transactional": False}, "transactional", "the customer refused transactional sms"),
    ({"marketing": False, "at": "2026-03-01T00:00:00Z", "opt_out_number": "0801234567"},
     "marketing", "refused advertising through 080-123-4567 on 2026-03-01"),
])
def test_the_policy_reads_each_state_of_each_purpose(stored, purpose, expected):
    consent = {} if stored is None else {"sms": stored}
    assert consent_problem(consent, "sms", purpose) == expected
    state = matrix(consent, ["sms"])["sms"]["information" if purpose == "transactional"
                                            else "advertising"]
    assert (state is State.REFUSED) == (expected is not None and stored is not None)


def test_the_080_csv_loads_good_rows_and_reports_each_bad_one(client, ingest_headers,
                                                              app_context):
    client.put("/api/customers/k1", headers=ingest_headers, json={
        "phone": "010-2222-3333", "consent": {"sms": True, "kakao": True, "email": True}})
    body = (b"phone,date,080 number\n"
            b"010-2222-3333,2026-02-27,080-111-2222\n"
            b"not a phone,2026-02-27,0801112222\n"
            b"010-4444-5555,yesterday,0801112222\n"
            b"010-6666-7777\n"
            b"010 6666 7777,2026/02/28 14:30,0801112222\n")
    answer = client.post("/api/customers/opt-outs", headers=ingest_headers, content=body)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["loaded"], report["numbers"], report["customers"], report["failed"]) == \
        (2, 2, 1, 3)
    assert [problem["line"] for problem in report["problems"]] == [3, 4, 5]
    assert "not a valid phone number" in report["problems"][0]["problem"]
    assert "is not a date" in report["problems"][1]["problem"]
    korean = client.post("/api/customers/opt-outs", content=body,
                         headers={**ingest_headers, "Accept-Language": "ko"}).json()
    assert [problem["problem"] for problem in korean["problems"]][1:] == [
        "날짜 'yesterday'은(는) 날짜가 아닙니다. 2026-12-07 또는 2026-12-07 14:30처럼 쓰세요.",
        "한 줄에 전화번호와 수신 거부한 날짜가 있어야 합니다(알면 전화한 080 번호도)."]
    assert "올바른 번호가 아닙니다" in korean["problems"][0]["problem"]
    with app_context.reading() as session:
        listed = {row.phone: row.opt_out_number for row in session.scalars(
            select(OptOutNumber))}
        consent = session.scalar(select(Customer.consent).where(
            Customer.external_id == "k1"))
    assert listed == {"+821022223333": "0801112222", "+821066667777": "0801112222"}
    assert consent["sms"]["marketing"] is False and consent["kakao"]["marketing"] is False
    assert consent["email"]["marketing"] is True  # the line refuses the phone channels only
    # A customer created later with a listed number is refused advertising at once.
    client.put("/api/customers/k2", headers=ingest_headers, json={
        "phone": "+82 10-6666-7777", "consent": {"sms": True}})
    assert rows_of(app_context, "k2") == [
        ("sms", "advertising", "unknown", "granted", "api"),
        ("sms", "advertising", "granted", "refused", "080"),
        ("kakao", "advertising", "unknown", "refused", "080"),
        ("brand", "advertising", "unknown", "refused", "080")]
    with app_context.reading() as session:
        later = session.scalar(select(Customer.consent).where(Customer.external_id == "k2"))
    assert consent_problem(later, "sms", "marketing") == \
        "refused advertising through 080-111-2222 on 2026-02-28"
    too_big = client.post("/api/customers/opt-outs", headers=ingest_headers,
                          content=b"0" * 5_000_001)
    assert too_big.status_code in (413, 422)


def test_who_may_read_the_history_and_load_080_lists(client_as, anonymous_client, client,
                                                     ingest_headers):
    from runtime.store.team_models import Role

    client.put("/api/customers/r1", headers=ingest_headers, json={"consent": {"sms": True}})
    viewer = client_as(Role.VIEWER)
    assert viewer.get("/api/customers/r1/consent").status_code == 200
    assert viewer.post("/api/customers/opt-outs", content=b"01012345678,2026-03-01\n"
                       ).status_code == 403
    assert anonymous_client.get("/api/customers/r1/consent").status_code == 401
    assert anonymous_client.post("/api/customers/opt-outs", content=b"").status_code == 401
    editor = client_as(Role.EDITOR)
    assert editor.post("/api/customers/opt-outs", content=b"01012345678,2026-03-01\n"
                       ).json()["loaded"] == 1
