"""Finding a customer as a marketer types them, and changing their consent by hand: on
SQLite and PostgreSQL, over the real services, the HTTP API and the audit trail."""

from __future__ import annotations

import time
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import insert, select

from runtime.errors import InvalidInputError
from runtime.store.audit import Actor
from runtime.store.models import Customer
from runtime.store.team_models import AuditEvent, Role
from server.context import Wayline
from server.services import customers
from server.services.customer_consent import consent_channels, set_consent
from server.services.customer_search import phone_fragments
from tests.runtime.harness import START

PEOPLE = [
    {"external_id": "u-1001", "email": "youngsook.kim@daum.net", "phone": "+821055551234",
     "attributes": {"name": "김영숙", "plan": "gold"}},
    {"external_id": "u-1002", "email": "seoyeon@wayline.kr", "phone": "+821099990000",
     "attributes": {"last_name": "이", "first_name": "서연"}},
    {"external_id": "crm_50%_off", "email": None, "phone": None, "attributes": {}},
]

EDITOR = Actor("user", "7", "Eddie Editor (eddie@example.kr)")


def add_people(wl: Wayline) -> None:
    with wl.writing() as session:
        session.add_all([Customer(**person, consent={"sms": True}) for person in PEOPLE])


def found(wl: Wayline, text: str, by_contacts: bool = True) -> list[str]:
    page = customers.list_customers(wl, text, 50, None, by_email=by_contacts)
    return [item.external_id for item in page.items]


def test_a_customer_is_found_by_name_email_phone_or_id(app_context: Wayline) -> None:
    add_people(app_context)
    for typed, expected in [("영숙", ["u-1001"]), ("김영숙", ["u-1001"]), ("서연", ["u-1002"]),
                            ("DAUM.net", ["u-1001"]), ("@wayline", ["u-1002"]),
                            ("010-5555-1234", ["u-1001"]), ("01099990000", ["u-1002"]),
                            ("+82 10-9999-0000", ["u-1002"]), ("5555-1234", ["u-1001"]),
                            ("u-100", ["u-1001", "u-1002"]), ("50%", ["crm_50%_off"]),
                            ("nobody", [])]:
        assert found(app_context, typed) == expected, typed
    page = customers.list_customers(app_context, "영숙", 50, None)
    assert page.items[0].name == "김영숙"
    assert customers.list_customers(app_context, "서연", 50, None).items[0].name == "이 서연"


def test_whoever_sees_contacts_masked_cant_search_them(app_context: Wayline) -> None:
    add_people(app_context)
    assert found(app_context, "daum", by_contacts=False) == []
    assert found(app_context, "010-5555", by_contacts=False) == []
    assert found(app_context, "영숙", by_contacts=False) == ["u-1001"]


def test_a_phone_search_reads_what_people_type() -> None:
    assert phone_fragments("010-1234-5678") == ["01012345678", "+821012345678"]
    assert phone_fragments("+82 10 1234") == ["82101234"]
    assert phone_fragments("12") == []
    assert phone_fragments("영숙") == []


def test_the_api_searches_and_masks_for_viewers(app_context: Wayline,
                                               client_as: Any) -> None:
    add_people(app_context)
    viewer: TestClient = client_as(Role.VIEWER)
    answer = viewer.get("/api/customers", params={"search": "영숙"})
    assert answer.status_code == 200, answer.text
    (item,) = answer.json()["items"]
    assert (item["name"], item["email"]) == ("김영숙", "y•••@daum.net")
    assert viewer.get("/api/customers", params={"search": "daum"}).json()["items"] == []


def test_a_consent_change_is_saved_with_its_audit_row(app_context: Wayline) -> None:
    add_people(app_context)
    after = set_consent(app_context, EDITOR, "u-1001", "sms", False)
    assert after.granted is False
    with app_context.reading() as session:
        stored = session.scalar(select(Customer.consent).where(
            Customer.external_id == "u-1001"))
        (row,) = session.scalars(select(AuditEvent)).all()
    assert stored["sms"]["marketing"] is False
    assert (row.action, row.actor_id, row.actor_name, row.object_id) == (
        "customer.consent_changed", "7", EDITOR.name, "u-1001")
    assert row.before == {"sms": True} and row.after == {"sms": stored["sms"]}
    set_consent(app_context, EDITOR, "u-1001", "sms", False)  # no change: no second row
    with app_context.reading() as session:
        assert len(session.scalars(select(AuditEvent)).all()) == 1


def test_consent_is_kept_for_the_registry_channels_only(app_context: Wayline) -> None:
    add_people(app_context)
    keys = [entry["key"] for entry in consent_channels()]
    assert keys[:4] == ["email", "sms", "kakao", "push"] and "webhook" not in keys
    with pytest.raises(InvalidInputError, match="use one of: email, sms"):
        set_consent(app_context, EDITOR, "u-1001", "fax", True)


def test_search_over_100k_customers_is_bounded(app_context: Wayline, dialect: str) -> None:
    with app_context.writing() as session:
        session.execute(insert(Customer), [
            {"external_id": f"c{index}", "email": f"c{index}@example.com",
             "phone": f"+8210{index:08d}", "attributes": {"name": f"고객{index}"},
             "consent": {}, "created_at": START, "updated_at": START}
            for index in range(100_000)])
    add_people(app_context)
    timings = {}
    for typed in ("영숙", "nobody-at-all", "010-5555-1234", "고객9"):
        started = time.perf_counter()
        page = customers.list_customers(app_context, typed, 100, None)
        timings[typed] = round((time.perf_counter() - started) * 1000)
        assert len(page.items) <= 100
    print(f"\n{dialect}: search over 100,002 customers, ms: {timings}")
    assert found(app_context, "영숙") == ["u-1001"]


def test_editors_import_with_their_session_and_viewers_are_refused(app_context: Wayline,
                                                                    client_as: Any) -> None:
    body = "external_id,name\nu-1,김영숙\nu-2,이서연\n".encode()
    headers = {"content-type": "text/csv"}
    viewer: TestClient = client_as(Role.VIEWER)
    assert viewer.post("/api/customers/import", content=body, headers=headers
                       ).status_code == 403
    editor: TestClient = client_as(Role.EDITOR)
    answer = editor.post("/api/customers/import", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 2


def test_the_api_changes_consent_for_editors_only(app_context: Wayline,
                                                  client_as: Any) -> None:
    add_people(app_context)
    path = "/api/customers/u-1001/consent/sms"
    viewer: TestClient = client_as(Role.VIEWER)
    assert viewer.put(path, json={"granted": False}).status_code == 403
    editor: TestClient = client_as(Role.EDITOR)
    answer = editor.put(path, json={"granted": False})
    assert answer.status_code == 200, answer.text
    assert answer.json()["granted"] is False
    assert editor.put("/api/customers/u-1001/consent/fax", json={"granted": True}
                      ).status_code == 422
    assert editor.put("/api/customers/nobody/consent/sms", json={"granted": True}
                      ).status_code == 404
    with app_context.reading() as session:
        (row,) = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "customer.consent_changed")).all()
    assert (row.actor_kind, row.before) == ("user", {"sms": True})
