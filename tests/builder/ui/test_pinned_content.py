"""Pinned content in a real browser: a publisher sees that the live version's templates were
saved since it was published, and updates the customers in flight after confirming; a viewer
sees neither the banner nor the button."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from runtime.store.audit import SYSTEM
from runtime.store.models import JourneyVersion
from runtime.store.team_models import AuditEvent
from server.schemas.templates import TemplateUpdate
from server.services import content_in_flight, journeys, starters, templates
from tests.builder.ui.conftest import LiveApp, screenshot

WAIT = 10_000


def test_update_content_in_flight_from_the_banner(live_app: LiveApp, browse: Any) -> None:
    wl = live_app.wayline
    journey_id = starters.create_from_starter(wl, SYSTEM, "cart_abandonment").journey.id
    journeys.publish_journey(wl, SYSTEM, journey_id)
    with wl.reading() as session:
        pinned = session.scalars(select(JourneyVersion.contents)).one()
    template_id = int(next(iter(pinned)))
    templates.update_template(wl, SYSTEM, template_id,
                              TemplateUpdate(source="Still thinking about {{ event.sku }}?"))

    viewer = browse(f"/journeys/{journey_id}", "viewer")
    page = browse(f"/journeys/{journey_id}", "publisher")
    banner = page.locator('[data-banner="content-changed"]')
    expect(banner).to_contain_text(
        "1 template changed since version 1 was published: customers in flight still get the "
        "published content.", timeout=WAIT)
    screenshot(page, "pinned-content-1-banner")
    expect(viewer.locator(".react-flow__node").first).to_be_visible(timeout=WAIT)
    expect(viewer.locator('[data-banner="content-changed"]')).to_have_count(0)

    banner.locator('[data-action="update-content"]').click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Update content in flight?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert content_in_flight.content_changes(wl, journey_id).changes != []

    banner.locator('[data-action="update-content"]').click()
    page.get_by_role("dialog").locator("[data-confirm]").click()
    expect(banner).to_have_count(0, timeout=WAIT)
    expect(page.get_by_text("Content in flight updated")).to_be_visible(timeout=WAIT)
    assert content_in_flight.content_changes(wl, journey_id).changes == []
    with wl.reading() as session:
        row = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "journey.content_updated")).one()
    assert row.actor_name.startswith("Pat Publisher") and "v1 → v2" in row.summary
