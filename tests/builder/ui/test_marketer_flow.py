"""A marketer's whole afternoon with the mouse, in a real browser (issue 5's acceptance story).

From an empty canvas they build a 6-step cart-abandonment journey (drag steps from the palette,
wire port to port, fill each step's form), watch a problem badge appear and clear, preview who
would enter, publish, see customers arrive in the live counts as events come in through the real
HTTP API, pause the journey, clone it, and undo and redo an edit in the copy. Every step saves a
screenshot (marketer-*.png); the `browse` fixture fails the test on any console error or on any
request that leaves the app's own origin. It runs twice: in an English browser and in a Korean
one, where the marketer names everything in Korean and every word the test reads is the
catalogue's Korean.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from builder.i18n import Words, words
from server.services import journeys
from tests.builder.ui.conftest import LiveApp, screenshot
from tests.builder.ui.test_canvas import (
    WAIT,
    blank_journey,
    connect,
    draft_of,
    drop,
    email_template,
    node,
    saved,
)
from tests.runtime.harness import drain

CUSTOMERS = ("c-1", "c-2", "c-3")

NAMES = {
    "en": {"journey": "Cart abandonment", "entry": "Added to cart",
           "wait": "Bought within an hour?", "bought": "Bought", "mail": "Reminder email",
           "tag": "Mark as reminded", "done": "Reminded", "renamed": "Last-chance email"},
    "ko": {"journey": "장바구니 이탈", "entry": "장바구니 담음", "wait": "1시간 안에 구매?",
           "bought": "구매함", "mail": "리마인드 이메일", "tag": "리마인드 표시",
           "done": "리마인드함", "renamed": "마지막 기회 이메일"},
}
"""What the marketer calls the journey and its steps, in each language."""

LOCALES = {"en": "en-US", "ko": "ko-KR"}

PAUSE_DIALOG = ("No one new enters. Customers inside wait where they are, and no message goes "
                "out — not even those waiting for the morning or being retried — until you "
                "resume. Then each is checked again before it goes.")
PAUSED_BANNER = ("No one new enters and customers inside wait where they are until you resume; "
                 "{held}.")
"""What the pause dialog and the paused journey's banner say (catalogue ids)."""


def post(app: LiveApp, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST to the running app over HTTP with the installation's API key."""
    response = httpx.post(app.url + path, json=body, timeout=10,
                          headers={"X-Api-Key": app.wayline.api_key})
    assert response.status_code == 200, response.text
    return response.json()


def add_customers(app: LiveApp) -> None:
    post(app, "/api/customers/bulk", {"items": [
        {"external_id": external_id, "email": f"{external_id}@example.com",
         "attributes": {"first_name": f"Kim {external_id[-1]}"}, "consent": {"email": True}}
        for external_id in CUSTOMERS]})


def inspect(page: Any, node_id: str) -> Any:
    """Select a step; its form in the inspector."""
    node(page, node_id).locator(".wl-node-title").click()
    form = page.locator(f'[data-inspector="{node_id}"]')
    expect(form).to_be_visible(timeout=WAIT)
    return form


def name_step(form: Any, label: str) -> None:
    form.locator('[data-field="label"]').fill(label)


def text_field(form: Any, path: str) -> Any:
    return form.locator(f'[data-field="{path}"] input').first


def build_journey(page: Any, template_id: int, _: Words) -> dict[str, str]:
    """Drag the six steps out, fill their forms and wire them; their node ids by role."""
    names = NAMES[_.language]
    ids = {"entry": drop(page, "entry.event", 420, 80)}
    form = inspect(page, ids["entry"])
    name_step(form, names["entry"])
    text_field(form, "config.event").fill("cart_add")  # a new step starts empty

    ids["wait"] = drop(page, "flow.wait_event", 420, 230)
    form = inspect(page, ids["wait"])
    name_step(form, names["wait"])
    text_field(form, "config.event").fill("order_completed")
    timeout = form.locator('[data-field="config.timeout"]')
    timeout.locator("input").fill("1")
    timeout.locator("select").select_option("hours")

    ids["bought"] = drop(page, "flow.exit", 200, 420)
    form = inspect(page, ids["bought"])
    name_step(form, names["bought"])
    text_field(form, "config.reason").fill(names["bought"])

    ids["mail"] = drop(page, "action.send", 540, 420)
    # A send without a template is a problem: on the step's badge and on the form's field;
    # Publish is disabled. Choosing the template clears it as soon as the draft is checked.
    saved(page)
    badge = node(page, ids["mail"]).locator('[data-badge="error"]')
    expect(badge).to_be_visible(timeout=WAIT)
    expect(badge).to_have_attribute("title", re.compile(re.escape(f"'{_('Template')}'")))
    expect(page.locator('[data-action="publish"]')).to_be_disabled()
    form = inspect(page, ids["mail"])
    expect(form.locator('[data-field-error="config.template"]')).to_be_visible()
    screenshot(page, f"marketer-{_.language}-2-badge")
    name_step(form, names["mail"])
    form.locator('[data-field="config.channel"] select').select_option("email")
    form.locator('[data-picker="template"]').select_option(str(template_id))
    expect(form.locator('[data-field-error="config.template"]')).to_have_count(0, timeout=WAIT)
    expect(node(page, ids["mail"]).locator('[data-badge][title*="Template"]')).to_have_count(
        0, timeout=WAIT)

    ids["tag"] = drop(page, "action.update", 540, 575)
    form = inspect(page, ids["tag"])
    name_step(form, names["tag"])
    form.get_by_role("button", name=_("Add {what}", what=_("Change").lower())).click()
    form.locator('[data-field="config.operations[0].op"] select').select_option("set")
    text_field(form, "config.operations[0].name").fill("cart_stage")
    text_field(form, "config.operations[0].value").fill("reminded")

    ids["done"] = drop(page, "flow.exit", 540, 720)
    form = inspect(page, ids["done"])
    name_step(form, names["done"])
    text_field(form, "config.reason").fill(names["done"])

    for source, port, target in (("entry", "next", "wait"), ("wait", "matched", "bought"),
                                 ("wait", "timeout", "mail"), ("mail", "next", "tag"),
                                 ("tag", "next", "done")):
        connect(page, ids[source], port, ids[target])
    expect(page.locator(".react-flow__edge")).to_have_count(5, timeout=WAIT)
    saved(page)
    # Wired up, nothing is left to fix: every badge has cleared, but for the warnings that
    # no 'cart_add' or 'order_completed' event has arrived yet in this new workspace.
    screenshot(page, f"marketer-{_.language}-3-wired")
    badges = page.locator('[data-badge]:not([data-badge="warning"])')
    expect(badges).to_have_count(0, timeout=WAIT), badges.evaluate_all(
        "els => els.map(e => e.title)")
    warned = page.locator('[data-badge="warning"]').evaluate_all("els => els.map(e => e.title)")
    assert all("cart_add" in title or "order_completed" in title for title in warned), warned
    return ids


def expected_document(ids: dict[str, str], template_id: int,
                      names: dict[str, str]) -> tuple[dict, list]:
    """What the database must hold: each step's kind and settings, and the wiring."""
    steps = {ids["entry"]: ("entry.event", names["entry"], {"event": "cart_add"}),
             ids["wait"]: ("flow.wait_event", names["wait"],
                           {"event": "order_completed", "timeout": {"amount": 1,
                                                                    "unit": "hours"}}),
             ids["bought"]: ("flow.exit", names["bought"], {"reason": names["bought"]}),
             ids["mail"]: ("action.send", names["mail"],
                           {"channel": "email", "template": template_id}),
             ids["tag"]: ("action.update", names["tag"], {"operations": [
                 {"op": "set", "name": "cart_stage", "value": "reminded"}]}),
             ids["done"]: ("flow.exit", names["done"], {"reason": names["done"]})}
    wires = sorted([(ids["entry"], "next", ids["wait"]), (ids["wait"], "matched", ids["bought"]),
                    (ids["wait"], "timeout", ids["mail"]), (ids["mail"], "next", ids["tag"]),
                    (ids["tag"], "next", ids["done"])])
    return steps, wires


def assert_stored(app: LiveApp, journey_id: int, ids: dict[str, str], template_id: int,
                  names: dict[str, str]) -> None:
    document = draft_of(app, journey_id)
    steps, wires = expected_document(ids, template_id, names)
    stored = {n["id"]: n for n in document["nodes"]}
    assert set(stored) == set(steps)
    for node_id, (kind, label, config) in steps.items():
        assert stored[node_id]["type"] == kind
        assert stored[node_id]["data"]["label"] == label
        assert {key: stored[node_id]["data"]["config"].get(key) for key in config} == config
    assert sorted((e["source"], e["sourceHandle"], e["target"])
                  for e in document["edges"]) == wires
    entry_config = stored[ids["entry"]]["data"]["config"]
    assert not entry_config.get("where") and entry_config.get("only_if") is None


def live_here(page: Any, node_id: str) -> Any:
    return page.locator(f'[data-live="{node_id}"] [data-live-here]')


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_marketer_builds_checks_previews_publishes_watches_pauses_and_clones(
        live_app: LiveApp, browse: Any, language: str) -> None:
    _, names = words(language), NAMES[language]
    shot = f"marketer-{language}"
    add_customers(live_app)
    template_id = email_template(live_app)
    journey_id = blank_journey(live_app, names["journey"])
    page = browse(f"/journeys/{journey_id}", locale=LOCALES[language])
    expect(page.locator(".wl-canvas .react-flow__pane")).to_be_visible(timeout=WAIT)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(".wl-canvas-empty")).to_be_visible()
    screenshot(page, f"{shot}-1-empty")

    ids = build_journey(page, template_id, _)
    expect(page.locator('[data-action="problems"]')).to_contain_text(_("Ready"), timeout=WAIT)
    page.locator('[data-action="tidy"]').click()  # lay it out and fit it in view
    saved(page)
    page.wait_for_timeout(500)  # the fit-view animation
    screenshot(page, f"{shot}-3-built")
    assert_stored(live_app, journey_id, ids, template_id, names)

    # Who would enter: an event entry can take any customer, so all three, by name.
    page.locator('[data-action="preview"]').click()
    expect(page.locator("[data-audience-count]")).to_have_attribute(
        "data-audience-count", str(len(CUSTOMERS)), timeout=WAIT)
    sample = page.locator("[data-sample-customer]")
    expect(sample).to_have_count(len(CUSTOMERS))
    assert sorted(sample.evaluate_all("els => els.map(e => e.dataset.sampleCustomer)")) == list(
        CUSTOMERS)
    screenshot(page, f"{shot}-4-audience")
    page.locator('[data-action="preview"]').click()

    publish = page.locator('[data-action="publish"]')
    expect(publish).to_be_enabled(timeout=WAIT)
    publish.click()
    page.locator("[data-confirm]").click()
    expect(page.locator('[data-status="live"]')).to_have_text(
        _("Live · v{version}", version=1), timeout=WAIT)
    expect(page.locator("[data-live-total]")).to_have_attribute("data-live-total", "0",
                                                                timeout=WAIT)
    screenshot(page, f"{shot}-5-published")

    # Events arrive through the API: three carts, then one of them buys.
    for external_id in CUSTOMERS:
        post(live_app, "/api/events", {"external_id": external_id, "name": "cart_add"})
    drain(live_app.wayline.runtime)
    expect(page.locator("[data-live-total]")).to_have_attribute(
        "data-live-total", str(len(CUSTOMERS)), timeout=WAIT)
    expect(live_here(page, ids["wait"])).to_have_text(str(len(CUSTOMERS)))
    screenshot(page, f"{shot}-6-live")
    post(live_app, "/api/events", {"external_id": "c-1", "name": "order_completed"})
    drain(live_app.wayline.runtime)
    expect(live_here(page, ids["wait"])).to_have_text(str(len(CUSTOMERS) - 1), timeout=WAIT)
    expect(page.locator(f'[data-live="{ids["bought"]}"]')).to_contain_text(f"1 {_('entered')}")
    bought_wire = next(e["id"] for e in draft_of(live_app, journey_id)["edges"]
                       if e["source"] == ids["wait"] and e["sourceHandle"] == "matched")
    expect(page.locator(f'[data-edge-label="{bought_wire}"] .wl-edge-count')).to_have_text("1")
    screenshot(page, f"{shot}-7-bought")

    page.locator('[data-action="pause"]').click()
    expect(page.get_by_role("dialog")).to_contain_text(_(PAUSE_DIALOG))
    page.locator("[data-confirm]").click()
    expect(page.locator('[data-status="paused"]')).to_be_visible(timeout=WAIT)
    expect(page.locator('[data-banner="paused"]')).to_contain_text(_(
        PAUSED_BANNER, held=_("no message is waiting to go")))
    assert journeys.get_journey(live_app.wayline, journey_id).journey.status == "paused"
    screenshot(page, f"{shot}-8-paused")

    # Clone it from the journeys list; the copy is a draft with the same steps and wires.
    page.locator(".wl-back").click()
    row = page.locator(f'tr[data-journey="{journey_id}"]')
    expect(row.locator('[data-status="paused"]')).to_be_visible(timeout=WAIT)
    row.locator('[data-action="clone"]').click()
    page.wait_for_url("**/journeys/*", timeout=WAIT)
    expect(page.locator("[data-journey-name]")).to_have_text(
        _("Copy of {name}", name=names["journey"]), timeout=WAIT)
    expect(page.locator('[data-status="draft"]')).to_be_visible()
    copy_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert copy_id != journey_id
    expect(page.locator(".react-flow__node")).to_have_count(6, timeout=WAIT)
    expect(page.locator(".react-flow__edge")).to_have_count(5)
    assert_stored(live_app, copy_id, ids, template_id, names)
    screenshot(page, f"{shot}-9-clone")

    # Undo and redo an edit in the copy; the stored draft follows each.
    form = inspect(page, ids["mail"])
    name_step(form, names["renamed"])
    expect(node(page, ids["mail"]).locator(".wl-node-title")).to_have_text(names["renamed"])
    saved(page)
    assert label_of(live_app, copy_id, ids["mail"]) == names["renamed"]
    page.locator('[data-action="undo"]').click()
    expect(node(page, ids["mail"]).locator(".wl-node-title")).to_have_text(names["mail"])
    saved(page)
    assert label_of(live_app, copy_id, ids["mail"]) == names["mail"]
    screenshot(page, f"{shot}-10-undone")
    page.locator('[data-action="redo"]').click()
    expect(node(page, ids["mail"]).locator(".wl-node-title")).to_have_text(names["renamed"])
    saved(page)
    assert label_of(live_app, copy_id, ids["mail"]) == names["renamed"]
    # The original journey kept its name and its customers.
    assert label_of(live_app, journey_id, ids["mail"]) == names["mail"]
    screenshot(page, f"{shot}-11-redone")


def label_of(app: LiveApp, journey_id: int, node_id: str) -> str:
    document = draft_of(app, journey_id)
    return next(n for n in document["nodes"] if n["id"] == node_id)["data"]["label"]
