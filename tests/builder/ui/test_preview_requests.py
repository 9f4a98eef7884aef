"""The editor's preview requests over the real services: answers, refusals in the marketer's
words, and the audience's next page added to the first."""

from __future__ import annotations

import msgspec

from builder.ui.previews import AUDIENCE_PAGE, merged, run_preview
from runtime.store.audit import SYSTEM
from server.schemas.customers import CustomerBulkIn
from server.services import customers, starters
from tests.builder.ui.conftest import LiveApp, signed_in_services


def welcome_with_customers(app: LiveApp, count: int) -> int:
    items = [{"external_id": f"k{i:02d}", "attributes": {"first_name": f"Lee{i}"}}
             for i in range(count)]
    customers.upsert_bulk(app.wayline, msgspec.convert({"items": items}, CustomerBulkIn))
    return starters.create_from_starter(app.wayline, SYSTEM, "welcome").journey.id


def ask(app: LiveApp, journey_id: int, **command):
    return run_preview(signed_in_services(app, "editor"), journey_id,
                       msgspec.json.encode({"id": "r1", "revision": 1, **command}).decode())


def test_the_audience_pages_add_up(live_app: LiveApp) -> None:
    total = AUDIENCE_PAGE + 3
    journey_id = welcome_with_customers(live_app, total)
    op, first = ask(live_app, journey_id, op="audience")
    assert op == "audience" and first["id"] == "r1" and first["revision"] == 1
    assert first["data"]["count"] == total
    assert len(first["data"]["customers"]) == AUDIENCE_PAGE
    _, second = ask(live_app, journey_id, op="audience", after=first["data"]["next_after"])
    both = merged(first, second)
    assert [c["external_id"] for c in both["data"]["customers"]] == [
        f"k{i:02d}" for i in range(total)]
    assert both["data"]["next_after"] is None
    # A first page again (a recount) replaces what was shown.
    assert merged(both, first) is first


def test_a_path_and_a_dry_run_answer(live_app: LiveApp) -> None:
    journey_id = welcome_with_customers(live_app, 3)
    _, path = ask(live_app, journey_id, op="path", external_id="k01",
                  events=[{"name": "order_completed", "after": {"amount": 3, "unit": "days"}}])
    steps = [step["node_id"] for step in path["data"]["steps"]]
    assert steps[:3] == ["entry", "hello", "wait2"]
    assert "done" in steps and "coupon" not in steps  # the imagined order took the yes branch
    _, dry = ask(live_app, journey_id, op="dry_run", horizon_days=7)
    assert dry["data"]["entered"]["count"] == 3


def test_refusals_are_answers_in_words(live_app: LiveApp) -> None:
    journey_id = welcome_with_customers(live_app, 1)
    _, unknown = ask(live_app, journey_id, op="explain", external_id="nobody")
    assert "nobody" in unknown["error"] and "data" not in unknown
    _, too_far = ask(live_app, journey_id, op="dry_run", horizon_days=400)
    assert "at most a year" in too_far["error"]
    _, bad_event = ask(live_app, journey_id, op="path", external_id="k00",
                       events=[{"name": "", "after": {"amount": 1, "unit": "days"}}])
    assert bad_event["error"].startswith("The preview request is not valid")
    # A request that is not one of the bridge's still gets an answer under its op and id,
    # rather than the canvas waiting for ever.
    op, odd = ask(live_app, journey_id, op="teleport")
    assert op == "teleport" and odd["id"] == "r1"
    assert "preview Wayline doesn't understand" in odd["error"] and "`$.op`" in odd["error"]
    op, broken = ask(live_app, journey_id, op="explain")  # no customer named
    assert op == "explain" and broken["id"] == "r1" and "external_id" in broken["error"]
    assert run_preview(signed_in_services(live_app, "editor"), journey_id, "not json")[1][
        "error"].startswith("The canvas asked for a preview")
