"""The team page (people, API keys, workspace settings) and the audit page, in a real browser."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from runtime.store.audit import SYSTEM
from server.services import keys, starters, users, workspace_settings
from tests.builder.ui.conftest import LiveApp, add_person, screenshot, set_checked
from tests.builder.ui.test_canvas import WAIT


def test_the_team_page_adds_a_person_and_makes_and_revokes_a_key(
        live_app: LiveApp, browse: Any, browser: Any) -> None:
    page = browse("/team")
    people = page.locator('[data-table="people"]')
    expect(people.locator('[data-person="ada.admin@example.com"]')).to_be_visible(timeout=WAIT)

    # A new person: their one-time link is shown to hand over, and they are in the table.
    form = page.locator('[data-form="add-person"]')
    form.locator('[data-field="email"]').fill("park.seoyeon@example.com")
    form.locator('[data-field="name"]').fill("Park Seoyeon")
    form.locator('[data-field="new-role"]').select_option("publisher")
    form.locator('[data-action="add-person"]').click()
    link = page.locator('[data-secret-value="link"]')
    expect(link).to_have_value(re.compile(r"/signin/link/"), timeout=WAIT)
    row = people.locator('[data-person="park.seoyeon@example.com"]')
    expect(row).to_contain_text("No password yet")
    expect(row.locator('[data-field="role"]')).to_have_value("publisher")
    # The same email twice is refused, and the form says why.
    form.locator('[data-field="email"]').fill("park.seoyeon@example.com")
    form.locator('[data-field="name"]').fill("Someone Else")
    form.locator('[data-action="add-person"]').click()
    expect(form.locator('[data-problem="form"]')).to_contain_text("already has an account",
                                                                  timeout=WAIT)

    # The link signs Park in (a fresh browser), once.
    made = link.input_value()
    context = browser.new_context()
    try:
        park = context.new_page()  # the link's page signs in at once, in a browser
        park.goto(live_app.url + made[made.index("/signin/link/"):])
        expect(park).to_have_url(re.compile(r"/account\?welcome=1$"), timeout=WAIT)
    finally:
        context.close()

    # The last admin can't be made a viewer: the refusal shows on their row.
    ada = people.locator('[data-person="ada.admin@example.com"]')
    ada.locator('[data-field="role"]').select_option("viewer")
    expect(people.locator('[data-problem="person"]')).to_contain_text("last active admin",
                                                                      timeout=WAIT)
    expect(ada.locator('[data-field="role"]')).to_have_value("admin")

    # A key: shown once with a warning, then only its prefix; revoked after a confirmation.
    key_form = page.locator('[data-form="new-key"]')
    key_form.locator('[data-field="key-name"]').fill("Shop events")
    set_checked(key_form.locator('[data-scope="read"]'), True)
    key_form.locator('[data-action="create-key"]').click()
    secret = page.locator('[data-secret-value="key"]')
    expect(secret).not_to_have_value("", timeout=WAIT)
    expect(page.locator('[data-secret="key"]')).to_contain_text("won't be shown again")
    key_row = page.locator('[data-key="Shop events"]')
    expect(key_row).to_contain_text("ingest")
    expect(key_row).to_contain_text("read")
    screenshot(page, "team")
    prefix = key_row.locator("code").inner_text().rstrip("…")
    assert secret.input_value().startswith(prefix)
    page.locator('[data-secret="key"] [data-action="done"]').click()
    expect(page.locator('[data-secret="key"]')).to_have_count(0)

    key_row.locator('[data-action="revoke"]').click()
    key_row.locator('[data-action="confirm-revoke"]').click()
    expect(key_row.locator("[data-revoked]")).to_be_visible(timeout=WAIT)
    (key,) = keys.list_keys(live_app.wayline)
    assert key.name == "Shop events" and key.revoked_at is not None

    # Disabling someone asks first; the workspace switch turns approvals on.
    park = people.locator('[data-person="park.seoyeon@example.com"]')
    park.locator('[data-action="disable"]').click()
    park.locator('[data-action="confirm-disable"]').click()
    expect(park.locator('[data-active="false"]')).to_be_visible(timeout=WAIT)
    assert not users.find_user(live_app.wayline, "park.seoyeon@example.com").active
    set_checked(page.locator('[data-setting="approvals_required"]'), True)
    expect(page.locator('[data-card="workspace"] [role="status"]')).to_contain_text(
        "Approvals required", timeout=WAIT)
    assert workspace_settings.get_workspace_settings(live_app.wayline).approvals_required


def test_the_audit_page_shows_who_published(live_app: LiveApp, browse: Any) -> None:
    journey_id = starters.create_from_starter(live_app.wayline, SYSTEM, "welcome").journey.id
    publisher = add_person(live_app, "publisher", name="Choi Publisher")
    editor = browse(f"/journeys/{journey_id}", person=publisher)
    editor.locator('[data-action="publish"]').click()
    editor.locator("[data-confirm]").click()
    expect(editor.locator('[data-status="live"]')).to_be_visible(timeout=WAIT)

    page = browse("/audit")
    published = page.locator('[data-audit="journey.published"]')
    expect(published).to_have_count(1, timeout=WAIT)
    expect(published.locator("[data-actor]")).to_contain_text("Choi Publisher")
    expect(published).to_contain_text("Welcome")
    published.locator('[data-action="details"]').click()
    expect(page.locator("[data-details]")).to_be_visible()
    screenshot(page, "audit")

    # Filters narrow the rows, and the CSV export takes the same filters.
    page.locator('[data-filter="actor"]').fill("Choi")
    page.locator('[data-filter="action"]').select_option("journey.publish")
    page.locator('[data-action="filter"]').click()
    expect(page.locator("[data-audit]")).to_have_count(1, timeout=WAIT)
    export = page.locator('[data-action="export-csv"]')
    expect(export).to_have_attribute("href", re.compile(r"actor=Choi.*action=journey\.publish"))
    csv = page.request.get(live_app.url + export.get_attribute("href"))
    assert csv.ok and "Choi Publisher" in csv.text() and "journey.published" in csv.text()
    assert "journey.created" not in csv.text()
