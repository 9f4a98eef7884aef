"""The customers pages and the send rules page in a real browser: find a customer, read their
timeline (with why a message was not sent), and change the workspace's send rules."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select, update

from builder.i18n import words
from builder.ui.customer_timeline import status_text
from builder.ui.services import UiError
from runtime.audience.indexed_attributes import indexed_columns
from runtime.clock import FrozenClock
from runtime.flow.ingest import ingest_event
from runtime.run.lifecycle import publish
from runtime.store.models import Customer, CustomerTag
from runtime.store.team_models import AuditEvent
from server.services import workspace
from tests.builder.journeys import document, edge, node
from tests.builder.ui.conftest import (
    LiveApp,
    add_person,
    screenshot,
    set_checked,
    sign_in,
    signed_in_services,
)
from tests.runtime.harness import add_customers, add_journey, add_template, dispatch, move

WAIT = 10_000
EVENING = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)  # 20:00 in Seoul


def cart_journey(template: int) -> dict:
    return document(
        [node("entry", "entry.event", "Added to cart", {"event": "cart_add"}),
         node("wait", "flow.wait_event", "Bought within 1 hour?",
              {"event": "purchase", "timeout": {"amount": 1, "unit": "hours"}}),
         node("text", "action.send", "Reminder text", {"channel": "sms", "template": template}),
         node("done", "flow.exit", "Reminded", {"reason": "reminded"})],
        [edge("entry", "wait"), edge("wait", "text", "timeout"), edge("text", "done", "next")])


def welcome_journey(template: int) -> dict:
    return document(
        [node("entry", "entry.event", "Signed up", {"event": "signup"}),
         node("mail", "action.send", "Welcome email", {"channel": "email",
                                                       "template": template})],
        [edge("entry", "mail")])


def minji_evening(live_app: LiveApp) -> None:
    """Min-ji signs up (no email consent), adds to her cart at 20:00 and doesn't buy: the SMS
    reminder falls due at 21:00 in Seoul, so it waits for the morning."""
    wl = live_app.wayline
    rt = wl.runtime
    rt.clock = FrozenClock(EVENING)
    with wl.writing() as session:
        (minji,) = add_customers(session, 1, EVENING, timezone="Asia/Seoul",
                                 consent={"sms": True})
        session.execute(update(Customer).where(Customer.id == minji).values(
            external_id="minji", email="minji@example.kr"))
        add_customers(session, 2, EVENING)
        sms = add_template(session, "sms", "Cart reminder", None, "장바구니에 상품이 남아 있어요")
        mail = add_template(session, "email", "Welcome", "Welcome!", "Hello")
        for name, doc in (("Cart abandonment", cart_journey(sms)),
                          ("Welcome series", welcome_journey(mail))):
            publish(session, add_journey(session, doc, name), EVENING)
    started = []
    with rt.sessions() as session:
        ingest_event(session, "minji", "page_view", {"path": "/shoes/air-1"},
                     EVENING - timedelta(minutes=3), EVENING)
        for name in ("signup", "cart_add"):
            started += ingest_event(session, "minji", name, {"sku": "AIR-1"}, EVENING,
                                    EVENING).runs_to_dispatch
        session.commit()
    dispatch(rt, started)
    move(rt, timedelta(hours=1))


def test_a_customers_timeline_says_why_a_message_waits(live_app: LiveApp, browse: Any) -> None:
    minji_evening(live_app)
    page = browse("/")
    page.locator('[data-nav="customers"]').click()
    page.wait_for_url("**/customers", timeout=WAIT)
    expect(page.get_by_text("minji", exact=True)).to_be_visible(timeout=WAIT)
    screenshot(page, "customers-list")
    page.get_by_text("minji", exact=True).click()
    page.wait_for_url("**/customers/minji", timeout=WAIT)

    rows = page.locator("[data-timeline] li")
    expect(rows.first).to_be_visible(timeout=WAIT)
    waiting = page.locator('[data-status="deferred"]')
    expect(waiting).to_have_text("In outbox")
    night = page.locator('.why[data-reason="night-time"]')
    expect(night).to_contain_text("no marketing 21:00–08:00 (Asia/Seoul)")
    expect(night).to_contain_text("next try Mar 3, 2026, 08:00 KST")
    expect(page.locator('[data-status="suppressed"]')).to_contain_text(
        "Suppressed: no marketing consent for email")
    expect(page.locator("text=Bought within 1 hour? → timeout")).to_be_visible()
    expect(page.locator('[data-kind="event"]')).to_have_count(3)
    expect(rows.first.locator(".when")).to_contain_text("2026")
    screenshot(page, "customer-timeline")

    page.locator('[data-filter="message"]').click()
    expect(rows).to_have_count(2)
    screenshot(page, "customer-timeline-messages")


def profile_minji(live_app: LiveApp) -> None:
    """Min-ji's evening, plus a name, attributes and tags."""
    minji_evening(live_app)
    with live_app.wayline.writing() as session:
        customer = session.scalars(select(Customer).where(Customer.external_id == "minji")).one()
        customer.attributes = {"name": "김민지", "plan": "gold", "visits": 12, "vip": True,
                               "bio": "가" * 400}
        session.add_all([CustomerTag(customer_id=customer.id, tag=tag)
                         for tag in ("vip", "seoul")])


def test_the_customer_page_says_who_they_are_and_whether_to_message_them(
        live_app: LiveApp, browse: Any) -> None:
    profile_minji(live_app)
    page = browse("/customers/minji", "viewer")
    expect(page.locator("h1[data-customer]")).to_have_text("김민지", timeout=WAIT)
    facts = page.locator("[data-profile]")
    expect(facts).to_contain_text("m•••@example.kr")  # a viewer sees contacts masked
    expect(facts).to_contain_text("Asia/Seoul")
    expect(facts).to_contain_text("Mar 2, 2026, 20:00 KST")  # created, last seen
    attributes = page.locator('[data-card="attributes"] [data-attribute]')
    expect(attributes).to_have_count(5)
    expect(attributes.first).to_have_attribute("data-attribute", "bio")  # sorted by name
    expect(page.locator('[data-attribute="visits"]')).to_contain_text("number")
    expect(page.locator('[data-attribute="bio"] .value')).to_have_text("가" * 160 + "…")
    expect(page.locator("[data-tag]")).to_have_text(["seoul", "vip"])
    expect(page.locator('[data-consent-state="sms"]')).to_have_text("Subscribed")
    expect(page.locator('[data-consent-state="email"]')).to_have_text("Never asked")
    expect(page.locator('[data-consent-state="kakao"]')).to_be_visible()
    expect(page.locator("[data-consent]")).to_have_count(0)  # viewers read, never change
    journeys = page.locator('[data-card="journeys"] [data-run]')
    expect(journeys).to_have_count(2)
    expect(page.locator('[data-card="journeys"]')).to_contain_text("Cart abandonment")
    expect(page.locator('[data-card="journeys"]')).to_contain_text("Reminded")
    screenshot(page, "customer-profile")

    page.goto(live_app.url + "/customers")
    expect(page.locator("[data-customers]")).to_be_visible(timeout=WAIT)
    expect(page.locator('[data-card="csv-import"]')).to_have_count(0)  # editors import

    viewer = signed_in_services(live_app, "viewer")
    with pytest.raises(UiError) as refused:
        viewer.set_customer_consent("minji", "sms", False)
    assert refused.value.kind == "forbidden"


def test_an_editor_changes_consent_and_the_trail_says_who(live_app: LiveApp,
                                                         browse: Any) -> None:
    profile_minji(live_app)
    page = browse("/customers/minji", "editor")
    box = page.locator('[data-consent="sms"]')
    expect(box).to_be_checked(timeout=WAIT)
    set_checked(box, False)
    expect(page.get_by_role("status")).to_contain_text("Saved", timeout=WAIT)
    expect(page.locator('[data-consent-state="sms"]')).to_have_text("Not subscribed")
    with live_app.wayline.reading() as session:
        consent = session.scalar(select(Customer.consent).where(Customer.external_id == "minji"))
        (row,) = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "customer.consent_changed")).all()
    assert consent["sms"]["marketing"] is False
    assert consent["sms"]["source"].startswith("changed by Eddie Editor")
    assert (row.actor_kind, row.object_id) == ("user", "minji")
    assert row.actor_name.startswith("Eddie Editor")
    assert row.before == {"sms": True}
    assert row.after["sms"]["marketing"] is False


def test_customers_are_found_by_name_email_fragment_and_phone(live_app: LiveApp,
                                                              browse: Any) -> None:
    with live_app.wayline.writing() as session:
        add_customers(session, 30, EVENING)
        session.add_all([
            Customer(external_id="u-1001", email="youngsook.kim@daum.net", phone="+821055551234",
                     attributes={"name": "김영숙"}, consent={}),
            Customer(external_id="u-1002", email="cs@wayline.kr", phone="+821099990000",
                     attributes={"last_name": "이", "first_name": "서연"}, consent={})])
    page = browse("/customers")
    search = page.locator('[data-field="customer-search"]')
    rows = page.locator("[data-customers] tbody tr")
    expect(rows).to_have_count(32, timeout=WAIT)
    for typed, found in (("영숙", "u-1001"), ("@daum", "u-1001"), ("010-5555-1234", "u-1001"),
                         ("+82 10 9999", "u-1002"), ("서연", "u-1002"), ("1002", "u-1002")):
        search.fill(typed)
        search.press("Enter")
        expect(rows).to_have_count(1, timeout=WAIT)
        expect(rows.first).to_have_attribute("data-row", found)
    search.fill("영숙")
    search.press("Enter")
    expect(rows.first).to_contain_text("김영숙", timeout=WAIT)
    screenshot(page, "customers-search")


def test_an_unknown_customer_says_so(live_app: LiveApp, browse: Any) -> None:
    page = browse("/customers/nobody")
    expect(page.get_by_text("Customer not found")).to_be_visible(timeout=WAIT)


def test_send_rules_are_edited_and_saved(live_app: LiveApp, browse: Any) -> None:
    page = browse("/settings")
    expect(page.get_by_text("No caps")).to_be_visible(timeout=WAIT)
    page.locator('[data-add-cap="sms"]').click()
    cap = page.locator('[data-cap="sms"]')
    cap.locator('[data-field="limit"]').fill("3")
    expect(page.locator('[data-add-cap="sms"]')).to_have_count(0)
    set_checked(page.locator('[data-night="email"]'), False)
    page.locator('[data-action="save"]').click()
    expect(page.get_by_role("status")).to_contain_text("Saved", timeout=WAIT)
    expect(cap.locator('[data-field="days"]')).to_have_value("7")
    screenshot(page, "send-rules")
    policy = workspace.get_send_policy(live_app.wayline)
    assert [(c.channel.value, c.limit, c.days) for c in policy.frequency_caps] == [("sms", 3, 7)]
    assert "email" not in policy.night_channels

    page.locator('[data-field="night_end"]').fill("21:00")
    page.locator('[data-action="save"]').click()
    expect(page.get_by_role("status")).to_contain_text("must end at another time", timeout=WAIT)
    assert workspace.get_send_policy(live_app.wayline).night_end == "08:00"


def test_journey_settings_offer_quiet_hours(live_app: LiveApp, browse: Any) -> None:
    wl = live_app.wayline
    with wl.writing() as session:
        template = add_template(session, "sms", "Sale", None, "Spring sale")
        journey = add_journey(session, document(
            [node("entry", "entry.event", "Trigger", {"event": "promo"}),
             node("send", "action.send", "Text", {"channel": "sms", "template": template,
                                                   "when_blocked": "skip"})],
            [edge("entry", "send")], quiet_hours=[{"start": "12:00", "end": "13:00"}],
            quiet_days=["sat", "sun"]), "Lunch sale")
    page = browse(f"/journeys/{journey}")
    expect(page.get_by_text("Quiet hours", exact=True)).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Quiet time 1", exact=True)).to_be_visible()
    page.get_by_text("No marketing on", exact=True).scroll_into_view_if_needed()
    screenshot(page, "journey-settings-quiet-hours")


def test_an_operator_indexes_an_attribute_for_fast_audiences(live_app: LiveApp,
                                                             browse: Any) -> None:
    with live_app.wayline.writing() as session:
        session.add_all(Customer(external_id=f"c{index}", attributes={"country": country})
                        for index, country in enumerate(["KR", "KR", "JP", 82]))
    page = browse("/customers")
    card = page.locator('[data-card="indexed-attributes"]')
    expect(card.get_by_text("No attribute is indexed yet.")).to_be_visible(timeout=WAIT)
    card.locator('[data-field="attribute-name"]').fill("9lives")
    card.locator('[data-action="index"]').click()
    expect(card.get_by_role("status")).to_contain_text("cannot be indexed", timeout=WAIT)
    card.locator('[data-field="attribute-name"]').fill("country")
    card.locator('[data-field="attribute-kind"]').select_option("text")
    card.locator('[data-action="index"]').click()
    row = card.locator('[data-indexed="country"]')
    expect(row).to_contain_text("text", timeout=WAIT)
    expect(row).to_contain_text("3")  # 82 is a number: it stays in the JSON alone
    expect(card.get_by_role("status")).to_contain_text("'country' is indexed")
    screenshot(page, "indexed-attributes")
    with live_app.wayline.reading() as session:
        assert list(indexed_columns(session)) == ["country"]
    row.locator('[data-action="unindex"]').click()
    expect(card.get_by_text("No attribute is indexed yet.")).to_be_visible(timeout=WAIT)
    with live_app.wayline.reading() as session:
        assert indexed_columns(session) == {}


BAD_ROWS = {1_001: "not-an-email", 50_001: "phone", 99_999: "no id"}
"""Lines (in the file) of rows the import must refuse, and what is wrong with them."""


def big_csv(path: Path, rows: int) -> Path:
    """A customers CSV of `rows` rows; line 3 has a value over two lines, and BAD_ROWS are
    wrong. Line numbers count physical lines, header first (line 1)."""
    lines = ["external_id,email,phone,name,note"]
    index = 0
    while len(lines) < rows + 2:  # the two-line value adds one physical line
        line = len(lines) + 1
        index += 1
        if line == 3:
            lines.append(f'u{index},u{index}@example.kr,010-1234-5678,박영숙,"두 줄')
            lines.append('메모"')
        elif BAD_ROWS.get(line) == "not-an-email":
            lines.append(f"u{index},not an email,,,")
        elif BAD_ROWS.get(line) == "phone":
            lines.append(f"u{index},,12,,")
        elif BAD_ROWS.get(line) == "no id":
            lines.append(f",x{index}@example.kr,,,")
        else:
            lines.append(f"u{index},u{index}@example.kr,,고객{index},")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_100k_row_csv_imports_in_the_browser(live_app: LiveApp, browse: Any,
                                               tmp_path: Path) -> None:
    csv_file = big_csv(tmp_path / "customers.csv", 100_000)
    page = browse("/customers", "editor")
    expect(page.locator('[data-action="import-csv"]')).to_be_visible(timeout=WAIT)
    page.locator("[data-import-csv]").set_input_files(str(csv_file))
    expect(page.locator('[data-import-state="finished"]')).to_be_visible(timeout=110_000)
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("[data-import-count]")).to_contain_text("100,000 of 100,000 rows")
    expect(page.locator("[data-import-loaded]")).to_have_attribute("data-import-loaded",
                                                                   "99997")
    expect(page.locator("[data-import-refused]")).to_have_attribute("data-import-refused", "3")
    refused = page.locator("[data-refused-line]")
    expect(refused).to_have_count(3)
    assert [int(line) for line in refused.evaluate_all(
        "rows => rows.map(row => row.dataset.refusedLine)")] == sorted(BAD_ROWS)
    screenshot(page, "customers-import")
    with page.expect_download() as download:
        page.locator('[data-action="download-refused"]').click()
    saved = list(csv.reader(Path(download.value.path()).read_text().splitlines()))
    assert saved[0] == ["line", "external_id", "reason"]
    assert [int(row[0]) for row in saved[1:]] == sorted(BAD_ROWS)
    with live_app.wayline.reading() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 99_997
        note = session.scalar(select(Customer.attributes).where(Customer.external_id == "u2"))
    assert note["note"] == "두 줄\n메모"


def test_an_import_part_that_meets_an_outage_is_sent_again(live_app: LiveApp, browse: Any,
                                                           tmp_path: Path) -> None:
    csv_file = big_csv(tmp_path / "customers.csv", 12_000)  # three parts of 5,000 rows
    page = browse("/customers", "editor")
    browse.watch.tolerate("503 (Service Unavailable)")  # the outage the test makes
    browse.watch.tolerate("ERR_CONNECTION_RESET")
    expect(page.locator('[data-action="import-csv"]')).to_be_visible(timeout=WAIT)
    answered: list[str] = []

    def flaky(route: Any) -> None:  # the network between browser and Wayline, not Wayline
        answered.append("sent")
        if len(answered) == 2:
            route.fulfill(status=503, headers={"retry-after": "1"},
                          json={"detail": "Wayline is busy"})
        elif len(answered) == 4:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/customers/import", flaky)
    page.locator("[data-import-csv]").set_input_files(str(csv_file))
    expect(page.locator('[data-import-state="finished"]')).to_be_visible(timeout=60_000)
    expect(page.locator("[data-import-loaded]")).to_have_attribute("data-import-loaded",
                                                                   "11999")
    expect(page.locator("[data-refused-line]")).to_have_count(1)  # line 1,001
    assert len(answered) == 5
    expect(page.locator('[data-row="u1"]')).to_be_visible(timeout=WAIT)  # the list refreshed


def test_the_customer_pages_speak_korean(live_app: LiveApp, browser: Any) -> None:
    profile_minji(live_app)
    context = browser.new_context(locale="ko-KR", viewport={"width": 1440, "height": 900})
    try:
        sign_in(context, live_app, add_person(live_app, "editor"))
        page = context.new_page()
        page.goto(live_app.url + "/customers/minji")
        expect(page.get_by_role("heading", name="마케팅 수신 동의")).to_be_visible(timeout=WAIT)
        expect(page.locator('[data-consent-state="sms"]')).to_have_text("수신 동의")
        expect(page.locator("[data-profile]")).to_contain_text("2026년 3월 2일")
        expect(page.locator('[data-status="deferred"]')).to_have_text("발송 대기")
        screenshot(page, "customer-profile-ko")
        page.goto(live_app.url + "/customers")
        expect(page.get_by_text("CSV 파일로 고객 가져오기")).to_be_visible(timeout=WAIT)
        screenshot(page, "customers-ko")
    finally:
        context.close()


def test_a_message_status_says_what_it_means() -> None:
    en, ko = words("en"), words("ko")
    said = {status: status_text(en, {"status": status, "reason": reason})
            for status, reason in (("queued", None), ("deferred", "night-time"),
                                   ("sent", None), ("delivered", None),
                                   ("failed", "provider refused: 400"),
                                   ("suppressed", "no marketing consent for sms"))}
    assert said == {"queued": "In outbox", "deferred": "In outbox", "sent": "Sent",
                    "delivered": "Delivered", "failed": "Failed: provider refused: 400",
                    "suppressed": "Suppressed: no marketing consent for sms"}
    assert status_text(ko, {"status": "queued"}) == "발송 대기"
    assert status_text(ko, {"status": "failed", "reason": "x"}) == "실패: x"
