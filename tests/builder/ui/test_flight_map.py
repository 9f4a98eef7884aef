"""The publish dialog's map for customers in flight, in a real browser: each step of the live
version with its customers, a choice per step, the server's preview, and the publish that
moves them."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from runtime.store.audit import SYSTEM
from runtime.store.models import FlightMove, Run
from server.schemas.journeys import JourneyCreate, JourneyUpdate
from server.services import approvals, journeys
from tests.builder.journeys import document, edge, node
from tests.builder.ui.conftest import LiveApp, screenshot, set_checked
from tests.runtime.harness import add_customers, drain

WAIT = 10_000  # ms
EVERYONE = {"type": "and", "rules": []}
DAY = {"amount": 1, "unit": "days"}


def version_one() -> dict[str, Any]:
    return document([node("in", "entry.segment", "Everyone", {"rule": EVERYONE}, x=300),
                     node("day", "flow.delay", "하루 기다리기", {"duration": DAY}, x=300),
                     node("week", "flow.delay", "A week",
                          {"duration": {"amount": 7, "unit": "days"}}, x=300),
                     node("out", "flow.exit", "Done", x=300)],
                    [edge("in", "day"), edge("day", "week", "next"), edge("week", "out", "next")])


def version_two() -> dict[str, Any]:
    return document([node("in", "entry.segment", "Everyone", {"rule": EVERYONE}, x=300),
                     node("vip", "flow.condition", "VIP?", {"rule": {"type": "tag",
                                                                     "tag": "vip"}}, x=300),
                     node("week", "flow.delay", "A week",
                          {"duration": {"amount": 7, "unit": "days"}}, x=300),
                     node("out", "flow.exit", "Done", x=300)],
                    [edge("in", "vip"), edge("vip", "week", "yes"), edge("vip", "out", "no"),
                     edge("week", "out", "next")])


def live_with_a_new_draft(app: LiveApp, customers: int) -> int:
    """Version one live with `customers` waiting at its first delay, version two the draft."""
    wl = app.wayline
    journey_id = journeys.create_journey(wl, SYSTEM, JourneyCreate(
        name="Welcome", document=version_one())).journey.id
    with wl.writing() as session:
        add_customers(session, customers, wl.now())
    journeys.publish_journey(wl, SYSTEM, journey_id)
    drain(wl.runtime)
    journeys.update_journey(wl, SYSTEM, journey_id, JourneyUpdate(document=version_two()))
    return journey_id


def test_the_publisher_maps_customers_in_flight_and_sees_the_preview(live_app: LiveApp,
                                                                     browse: Any) -> None:
    wl = live_app.wayline
    journey_id = live_with_a_new_draft(live_app, 30)

    page = browse(f"/journeys/{journey_id}", "publisher")
    page.locator('[data-action="publish"]').click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator('[data-flight-step="day"] [data-flight-customers]')).to_have_attribute(
        "data-flight-customers", "30", timeout=WAIT)
    expect(dialog.locator('[data-flight-step="day"]')).to_contain_text("30 waiting")
    # The dropped step stays on version 1 until the publisher chooses; confirming is allowed.
    choice = dialog.locator('[data-flight-choice="day"]')
    expect(choice).to_have_value("stay")
    expect(dialog.locator("[data-flight-staying]")).to_have_text("30", timeout=WAIT)

    choice.select_option("move:vip")
    expect(dialog.locator('[data-flight-target="vip"]')).to_have_text("30", timeout=WAIT)
    expect(dialog.locator("[data-flight-staying]")).to_have_text("0")
    expect(dialog.locator('[data-flight-restart="day"]')).to_have_count(0)  # they arrive now
    screenshot(page, "flight-map")

    choice.select_option("leave")
    expect(dialog.locator("[data-flight-leaving]")).to_have_text("30", timeout=WAIT)
    choice.select_option("move:week")
    restart = dialog.locator('[data-flight-restart="day"]')
    expect(restart).to_be_visible(timeout=WAIT)  # a delay to a delay: they keep their time
    set_checked(restart, True)
    choice.select_option("move:vip")
    expect(dialog.locator('[data-flight-target="vip"]')).to_have_text("30", timeout=WAIT)
    dialog.locator("[data-confirm]").click()
    expect(page.get_by_role("status")).to_contain_text("30 customers in flight are being moved",
                                                       timeout=WAIT)

    drain(wl.runtime)
    with wl.reading() as session:
        move = session.scalars(select(FlightMove)).one()
        nodes = {node_id for (node_id,) in session.execute(
            select(Run.node_id).where(Run.journey_version_id == move.to_version_id))}
    assert move.finished_at is not None and move.done == {"day": {"moved": 30}}
    assert nodes <= {"week", "out"}  # through the condition, in version 2


def test_a_publisher_approving_a_request_maps_the_customers_in_flight(live_app: LiveApp,
                                                                      browse: Any) -> None:
    wl = live_app.wayline
    journey_id = live_with_a_new_draft(live_app, 12)
    approvals.request_publish(wl, SYSTEM, journey_id, "v2: VIPs first")

    page = browse(f"/journeys/{journey_id}", "publisher")
    page.locator('[data-approval] [data-action="approve"]').click()
    dialog = page.get_by_role("dialog")
    choice = dialog.locator('[data-flight-choice="day"]')
    expect(choice).to_have_value("stay", timeout=WAIT)
    choice.select_option("leave")
    expect(dialog.locator("[data-flight-leaving]")).to_have_text("12", timeout=WAIT)
    expect(dialog.locator("[data-confirm]")).to_be_enabled()
    screenshot(page, "flight-map-approval")
    dialog.locator("[data-confirm]").click()
    expect(page.locator('[data-notice="ok"]')).to_contain_text("published as version 2",
                                                               timeout=WAIT)
    drain(wl.runtime)
    with wl.reading() as session:
        move = session.scalars(select(FlightMove)).one()
        reasons = set(session.scalars(select(Run.exit_reason)))
    assert move.done == {"day": {"left": 12}}
    assert reasons == {"left when version 2 was published"}
