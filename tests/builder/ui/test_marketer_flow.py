"""A marketer's whole afternoon with the mouse, in a real browser (issue 5's acceptance story).

From an empty canvas they build a 6-step cart-abandonment journey (drag steps from the palette,
wire port to port, fill each step's form), watch a problem badge appear and clear, preview who
would enter, publish, see customers arrive in the live counts as events come in through the real
HTTP API, pause the journey, clone it, and undo and redo an edit in the copy. Every step saves a
screenshot (marketer-*.png); the `browse` fixture fails the test on any console error or on any
request that leaves the app's own origin.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

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
    open_editor,
    saved,
)
from tests.runtime.harness import drain

CUSTOMERS = ("c-1", "c-2", "c-3")


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


def build_journey(page: Any, template_id: int) -> dict[str, str]:
    """Drag the six steps out, fill their forms and wire them; their node ids by role."""
    ids = {"entry": drop(page, "entry.event", 420, 80)}
    form = inspect(page, ids["entry"])
    name_step(form, "Added to cart")
    text_field(form, "config.event").fill("cart_add")  # a new step starts empty

    ids["wait"] = drop(page, "flow.wait_event", 420, 230)
    form = inspect(page, ids["wait"])
    name_step(form, "Bought within an hour?")
    text_field(form, "config.event").fill("order_completed")
    timeout = form.locator('[data-field="config.timeout"]')
    timeout.locator("input").fill("1")
    timeout.locator("select").select_option("hours")

    ids["bought"] = drop(page, "flow.exit", 200, 420)
    form = inspect(page, ids["bought"])
    name_step(form, "Bought")
    text_field(form, "config.reason").fill("Bought")

    ids["mail"] = drop(page, "action.send", 540, 420)
    # A send without a template is a problem: on the step's badge and on the form's field;
    # Publish is disabled. Choosing the template clears it as soon as the draft is checked.
    saved(page)
    badge = node(page, ids["mail"]).locator('[data-badge="error"]')
    expect(badge).to_be_visible(timeout=WAIT)
    expect(badge).to_have_attribute("title", re.compile("'Template' is required"))
    expect(page.locator('[data-action="publish"]')).to_be_disabled()
    form = inspect(page, ids["mail"])
    expect(form.locator('[data-field-error="config.template"]')).to_be_visible()
    screenshot(page, "marketer-2-badge")
    name_step(form, "Reminder email")
    form.locator('[data-field="config.channel"] select').select_option("email")
    form.locator('[data-picker="template"]').select_option(str(template_id))
    expect(form.locator('[data-field-error="config.template"]')).to_have_count(0, timeout=WAIT)
    expect(node(page, ids["mail"]).locator('[data-badge][title*="Template"]')).to_have_count(
        0, timeout=WAIT)

    ids["tag"] = drop(page, "action.update", 540, 575)
    form = inspect(page, ids["tag"])
    name_step(form, "Mark as reminded")
    form.get_by_role("button", name="Add change").click()  # a new step has none
    form.locator('[data-field="config.operations[0].op"] select').select_option("set")
    text_field(form, "config.operations[0].name").fill("cart_stage")
    text_field(form, "config.operations[0].value").fill("reminded")

    ids["done"] = drop(page, "flow.exit", 540, 720)
    form = inspect(page, ids["done"])
    name_step(form, "Reminded")
    text_field(form, "config.reason").fill("Reminded")

    for source, port, target in (("entry", "next", "wait"), ("wait", "matched", "bought"),
                                 ("wait", "timeout", "mail"), ("mail", "next", "tag"),
                                 ("tag", "next", "done")):
        connect(page, ids[source], port, ids[target])
    expect(page.locator(".react-flow__edge")).to_have_count(5, timeout=WAIT)
    saved(page)
    # Wired up, nothing is left to fix: every badge has cleared, but for the warnings that
    # no 'cart_add' or 'order_completed' event has arrived yet in this new workspace.
    screenshot(page, "marketer-3-wired")
    badges = page.locator('[data-badge]:not([data-badge="warning"][title*="never arrived"])')
    expect(badges).to_have_count(0, timeout=WAIT), badges.evaluate_all(
        "els => els.map(e => e.title)")
    return ids


def expected_document(ids: dict[str, str], template_id: int) -> tuple[dict, list]:
    """What the database must hold: each step's kind and settings, and the wiring."""
    steps = {ids["entry"]: ("entry.event", "Added to cart", {"event": "cart_add"}),
             ids["wait"]: ("flow.wait_event", "Bought within an hour?",
                           {"event": "order_completed", "timeout": {"amount": 1,
                                                                    "unit": "hours"}}),
             ids["bought"]: ("flow.exit", "Bought", {"reason": "Bought"}),
             ids["mail"]: ("action.send", "Reminder email",
                           {"channel": "email", "template": template_id}),
             ids["tag"]: ("action.update", "Mark as reminded", {"operations": [
                 {"op": "set", "name": "cart_stage", "value": "reminded"}]}),
             ids["done"]: ("flow.exit", "Reminded", {"reason": "Reminded"})}
    wires = sorted([(ids["entry"], "next", ids["wait"]), (ids["wait"], "matched", ids["bought"]),
                    (ids["wait"], "timeout", ids["mail"]), (ids["mail"], "next", ids["tag"]),
                    (ids["tag"], "next", ids["done"])])
    return steps, wires


def assert_stored(app: LiveApp, journey_id: int, ids: dict[str, str], template_id: int) -> None:
    document = draft_of(app, journey_id)
    steps, wires = expected_document(ids, template_id)
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


def test_a_marketer_builds_checks_previews_publishes_watches_pauses_and_clones(
        live_app: LiveApp, browse: Any) -> None:
    add_customers(live_app)
    template_id = email_template(live_app)
    journey_id = blank_journey(live_app, "Cart abandonment")
    page = open_editor(browse, journey_id)
    expect(page.locator(".wl-canvas-empty")).to_be_visible()
    screenshot(page, "marketer-1-empty")

    ids = build_journey(page, template_id)
    expect(page.locator('[data-action="problems"]')).to_contain_text("Ready", timeout=WAIT)
    page.locator('[data-action="tidy"]').click()  # lay it out and fit it in view
    saved(page)
    page.wait_for_timeout(500)  # the fit-view animation
    screenshot(page, "marketer-3-built")
    assert_stored(live_app, journey_id, ids, template_id)

    # Who would enter: an event entry can take any customer, so all three, by name.
    page.locator('[data-action="preview"]').click()
    expect(page.locator("[data-audience-count]")).to_have_attribute(
        "data-audience-count", str(len(CUSTOMERS)), timeout=WAIT)
    sample = page.locator("[data-sample-customer]")
    expect(sample).to_have_count(len(CUSTOMERS))
    assert sorted(sample.evaluate_all("els => els.map(e => e.dataset.sampleCustomer)")) == list(
        CUSTOMERS)
    screenshot(page, "marketer-4-audience")
    page.locator('[data-action="preview"]').click()

    publish = page.locator('[data-action="publish"]')
    expect(publish).to_be_enabled(timeout=WAIT)
    publish.click()
    page.locator("[data-confirm]").click()
    expect(page.locator('[data-status="live"]')).to_have_text("Live · v1", timeout=WAIT)
    expect(page.locator("[data-live-total]")).to_have_attribute("data-live-total", "0",
                                                                timeout=WAIT)
    screenshot(page, "marketer-5-published")

    # Events arrive through the API: three carts, then one of them buys.
    for external_id in CUSTOMERS:
        post(live_app, "/api/events", {"external_id": external_id, "name": "cart_add"})
    drain(live_app.wayline.runtime)
    expect(page.locator("[data-live-total]")).to_have_attribute(
        "data-live-total", str(len(CUSTOMERS)), timeout=WAIT)
    expect(live_here(page, ids["wait"])).to_have_text(str(len(CUSTOMERS)))
    screenshot(page, "marketer-6-live")
    post(live_app, "/api/events", {"external_id": "c-1", "name": "order_completed"})
    drain(live_app.wayline.runtime)
    expect(live_here(page, ids["wait"])).to_have_text(str(len(CUSTOMERS) - 1), timeout=WAIT)
    expect(page.locator(f'[data-live="{ids["bought"]}"]')).to_contain_text("1 entered")
    bought_wire = next(e["id"] for e in draft_of(live_app, journey_id)["edges"]
                       if e["source"] == ids["wait"] and e["sourceHandle"] == "matched")
    expect(page.locator(f'[data-edge-label="{bought_wire}"] .wl-edge-count')).to_have_text("1")
    screenshot(page, "marketer-7-bought")

    page.locator('[data-action="pause"]').click()
    expect(page.get_by_role("dialog")).to_contain_text("No one new enters")
    page.locator("[data-confirm]").click()
    expect(page.locator('[data-status="paused"]')).to_be_visible(timeout=WAIT)
    expect(page.locator(".wl-banner.warn")).to_contain_text("Paused")
    assert journeys.get_journey(live_app.wayline, journey_id).journey.status == "paused"
    screenshot(page, "marketer-8-paused")

    # Clone it from the journeys list; the copy is a draft with the same steps and wires.
    page.locator(".wl-back").click()
    row = page.locator(f'tr[data-journey="{journey_id}"]')
    expect(row.locator('[data-status="paused"]')).to_be_visible(timeout=WAIT)
    row.locator('[data-action="clone"]').click()
    page.wait_for_url("**/journeys/*", timeout=WAIT)
    expect(page.locator("[data-journey-name]")).to_have_text("Copy of Cart abandonment",
                                                              timeout=WAIT)
    expect(page.locator('[data-status="draft"]')).to_be_visible()
    copy_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert copy_id != journey_id
    expect(page.locator(".react-flow__node")).to_have_count(6, timeout=WAIT)
    expect(page.locator(".react-flow__edge")).to_have_count(5)
    assert_stored(live_app, copy_id, ids, template_id)
    screenshot(page, "marketer-9-clone")

    # Undo and redo an edit in the copy; the stored draft follows each.
    form = inspect(page, ids["mail"])
    name_step(form, "Last-chance email")
    expect(node(page, ids["mail"]).locator(".wl-node-title")).to_have_text("Last-chance email")
    saved(page)
    assert label_of(live_app, copy_id, ids["mail"]) == "Last-chance email"
    page.locator('[data-action="undo"]').click()
    expect(node(page, ids["mail"]).locator(".wl-node-title")).to_have_text("Reminder email")
    saved(page)
    assert label_of(live_app, copy_id, ids["mail"]) == "Reminder email"
    screenshot(page, "marketer-10-undone")
    page.locator('[data-action="redo"]').click()
    expect(node(page, ids["mail"]).locator(".wl-node-title")).to_have_text("Last-chance email")
    saved(page)
    assert label_of(live_app, copy_id, ids["mail"]) == "Last-chance email"
    # The original journey kept its name and its customers.
    assert label_of(live_app, journey_id, ids["mail"]) == "Reminder email"
    screenshot(page, "marketer-11-redone")


def label_of(app: LiveApp, journey_id: int, node_id: str) -> str:
    document = draft_of(app, journey_id)
    return next(n for n in document["nodes"] if n["id"] == node_id)["data"]["label"]
