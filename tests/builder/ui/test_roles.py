"""Signing in, roles and sessions in a real browser: the UI hides what a role can't do, the
server refuses it anyway, and a session that ends sends the browser to sign in and back."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from playwright.sync_api import expect
from sqlalchemy import delete

from runtime.store.audit import SYSTEM
from runtime.store.team_models import UserSession
from server.services import journeys, starters
from tests.builder.ui.conftest import PASSWORD, LiveApp, Person, add_person, screenshot
from tests.builder.ui.test_canvas import WAIT, node

SESSION_WAIT = 15_000  # ms: the editor notices an ended session within a watch round or two


def welcome_journey(app: LiveApp) -> int:
    """A draft with steps and no problems (the welcome starter)."""
    return starters.create_from_starter(app.wayline, SYSTEM, "welcome").journey.id


def sign_in_with_password(page: Any, person: Person) -> None:
    """Fill the sign-in page's form and send it."""
    expect(page.locator("h1")).to_have_text("Sign in", timeout=WAIT)
    page.locator("#email").fill(person.email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_with_a_password_and_out_again(live_app: LiveApp, browse: Any) -> None:
    person = add_person(live_app, "editor", name="Kim Minji")
    page = browse("/customers", None)
    expect(page).to_have_url(re.compile(r"/signin\?next=/customers$"))
    sign_in_with_password(page, person)

    expect(page).to_have_url(live_app.url + "/customers", timeout=WAIT)
    bar = page.locator(".wl-appbar")
    expect(bar.locator('[data-me="kim.minji@example.com"]')).to_have_text("Kim Minji",
                                                                          timeout=WAIT)
    expect(bar.locator('[data-role="editor"]')).to_be_visible()
    expect(bar.locator('[data-action="set-password"]')).to_have_count(0)  # they have one
    # An editor works on journeys and messages, but opens neither the team nor the audit.
    expect(bar.locator("[data-nav]")).to_have_count(8)
    expect(bar.locator('[data-nav="team"], [data-nav="audit"]')).to_have_count(0)

    bar.locator('[data-menu="account"] summary').click()
    expect(bar.locator('[data-action="account"]')).to_have_attribute("href", "/account")
    screenshot(page, "account-menu")
    bar.locator('[data-action="sign-out"]').click()
    expect(page).to_have_url(re.compile(r"/signin$"), timeout=WAIT)
    page.goto(live_app.url + "/customers")
    expect(page).to_have_url(re.compile(r"/signin\?next="))


def test_each_role_gets_its_areas_and_a_new_person_is_asked_for_a_password(
        live_app: LiveApp, browse: Any) -> None:
    viewer = browse("/", "viewer")
    expect(viewer.locator('[data-role="viewer"]')).to_be_visible(timeout=WAIT)
    assert viewer.locator("[data-nav]").evaluate_all("els => els.map(e => e.dataset.nav)") == [
        "journeys", "messages", "coupons", "customers", "coverage", "stages", "settings",
        "fatigue"]
    publisher = browse("/", "publisher")
    expect(publisher.locator('[data-nav="audit"]')).to_be_visible(timeout=WAIT)
    expect(publisher.locator('[data-nav="team"]')).to_have_count(0)
    admin = browse("/")
    expect(admin.locator('[data-nav="team"]')).to_be_visible(timeout=WAIT)
    expect(admin.locator('[data-nav="audit"]')).to_be_visible()

    # Someone who signed in with their one-time link and set no password yet is asked to.
    newcomer = add_person(live_app, "editor", name="New Person", password=None)
    page = browse("/", person=newcomer)
    expect(page.locator('[data-action="set-password"]')).to_have_attribute(
        "href", "/account", timeout=WAIT)
    screenshot(page, "set-password")


def test_a_viewer_sees_no_controls_and_a_forged_publish_is_refused(
        live_app: LiveApp, browse: Any) -> None:
    journey_id = welcome_journey(live_app)
    listing = browse("/", "viewer")
    row = listing.locator(f'[data-journey="{journey_id}"]')
    expect(row).to_be_visible(timeout=WAIT)
    expect(listing.locator('[data-action="create"], [data-action="import"]')).to_have_count(0)
    expect(row.locator('[data-action="clone"], [data-action="archive"]')).to_have_count(0)
    expect(row.get_by_role("link", name="View")).to_be_visible()

    page = browse(f"/journeys/{journey_id}", "viewer")
    expect(page.locator(".wl-canvas .react-flow__node").first).to_be_visible(timeout=WAIT)
    expect(page.locator('[data-banner="view-only"]')).to_be_visible()
    for control in ("publish", "ask-publish", "pause", "preview", "undo", "tidy"):
        expect(page.locator(f'[data-action="{control}"]')).to_have_count(0)
    expect(page.locator(".wl-palette")).to_have_count(0)
    # Steps can be looked at, not changed: the form is disabled, steps don't move.
    first = page.locator(".react-flow__node").first
    node_id = first.get_attribute("data-id")
    node(page, node_id).click()
    expect(page.locator(f'[data-inspector="{node_id}"] [data-field="label"]')).to_be_disabled()
    expect(page.locator(".react-flow__node.draggable")).to_have_count(0)
    screenshot(page, "viewer-editor")

    # The server refuses a publish the page never offered, even with the session's token.
    browse.watch.tolerate("status of 403")
    answer = page.evaluate("""async (id) => {
        const session = await (await fetch("/api/session")).json();
        const reply = await fetch(`/api/journeys/${id}/publish`, {method: "POST",
            headers: {"X-CSRF-Token": session.csrf_token, "Content-Type": "application/json"},
            body: "{}"});
        return {status: reply.status, detail: (await reply.json()).detail};
    }""", journey_id)
    assert answer["status"] == 403, answer
    assert "viewer" in answer["detail"]
    assert journeys.get_journey(live_app.wayline, journey_id).journey.live_version is None


def test_a_viewer_reads_messages_and_send_rules_without_changing_them(
        live_app: LiveApp, browse: Any) -> None:
    page = browse("/messages", "viewer")
    expect(page.locator('[data-form="none"]')).to_be_visible(timeout=WAIT)
    expect(page.locator("[data-new-template]")).to_have_count(0)
    expect(page.locator('[data-panel="message-preview"]')).to_have_count(0)
    page.goto(live_app.url + "/settings")
    expect(page.locator('[data-read-only="send-policy"]')).to_be_visible(timeout=WAIT)
    expect(page.locator('[data-action="save"]')).to_have_count(0)
    expect(page.locator('[data-field="night_start"]')).to_be_disabled()
    page.goto(live_app.url + "/customers")
    expect(page.locator('[data-read-only="indexed-attributes"]')).to_be_visible(timeout=WAIT)
    expect(page.locator('[data-form="index-attribute"]')).to_have_count(0)


def test_an_ended_session_goes_to_sign_in_and_back_to_the_page(
        live_app: LiveApp, browse: Any) -> None:
    journey_id = welcome_journey(live_app)
    person = add_person(live_app, "editor", name="Lee Jiwoo")
    page = browse(f"/journeys/{journey_id}", person=person)
    expect(page.locator(".wl-canvas .react-flow__node").first).to_be_visible(timeout=WAIT)

    # The session ends under the open page (as an idle timeout or a sign-out elsewhere would).
    with live_app.wayline.writing() as db:
        db.execute(delete(UserSession).where(UserSession.user_id == person.id))
    target = quote(f"/journeys/{journey_id}", safe="/")
    expect(page).to_have_url(re.compile(rf"/signin\?next={re.escape(target)}$"),
                             timeout=SESSION_WAIT)
    sign_in_with_password(page, person)
    expect(page).to_have_url(live_app.url + f"/journeys/{journey_id}", timeout=WAIT)
    expect(page.locator(".wl-canvas .react-flow__node").first).to_be_visible(timeout=WAIT)

    # A reload after the session ended goes the same way.
    with live_app.wayline.writing() as db:
        db.execute(delete(UserSession).where(UserSession.user_id == person.id))
    page.goto(live_app.url + "/customers?search=kim")
    expect(page).to_have_url(re.compile(r"/signin\?next=/customers%3Fsearch%3Dkim$|"
                                        r"/signin\?next=/customers\?search=kim$"))
    sign_in_with_password(page, person)
    expect(page).to_have_url(live_app.url + "/customers?search=kim", timeout=WAIT)


def test_a_one_time_link_opened_in_the_browser_signs_in_and_opens_the_journeys(
        live_app: LiveApp, browse: Any) -> None:
    from server.services.users import first_start_link

    made = first_start_link(live_app.wayline)  # the owner, as `wayline up` makes them
    assert made is not None
    page = browse("/", None)
    page.goto(made.link.replace("http://127.0.0.1:8000", live_app.url))
    expect(page).to_have_url(live_app.url + "/", timeout=WAIT)  # straight to the journeys
    expect(page.locator('[data-action="set-password"]')).to_be_visible(timeout=WAIT)
    browse.watch.tolerate("status of 404")  # a used link's page says so, as a 404
    page.goto(made.link.replace("http://127.0.0.1:8000", live_app.url))
    expect(page.locator("h1")).to_have_text("This link can't be used")
