"""Step figures of a big journey (more runs than WAYLINE_STATS_LIVE_RUNS): counted in the
background and kept in Redis, who is where now counted for each answer, and counted on every
view while Redis is down (server/services/step_counts.py)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

from redis import Redis

from runtime.run.lifecycle import publish
from server.context import Wayline
from server.services.stats import journey_stats
from tests.runtime.harness import add_customers, add_journey, add_template, drain
from tests.server.test_stats import buy, shop_journey


def test_a_big_journeys_step_figures_are_counted_in_the_background(app_context):
    """Above WAYLINE_STATS_LIVE_RUNS runs, the step figures come from a count kept in Redis
    (the first view counts at once; a view of a count over 10 s old starts one recount); who
    is where now is always counted for the answer."""
    big = Wayline(replace(app_context.runtime, settings=replace(
        app_context.settings, stats_live_runs=5)))
    rt = app_context.runtime
    journey = published_shop(app_context)
    first = journey_stats(big, journey)
    assert first.counted_at == app_context.now()  # nothing kept yet: counted at once
    assert journey_stats(app_context, journey).counted_at is None  # a small journey: live
    assert _figures(first) == _figures(journey_stats(app_context, journey))

    rt.clock.advance(timedelta(seconds=5))
    buy(rt)
    kept = journey_stats(big, journey)
    assert kept.counted_at == first.counted_at and _figures(kept) == _figures(first)
    assert kept.totals == journey_stats(app_context, journey).totals  # counted now
    assert kept.totals.completed == 4

    rt.clock.advance(timedelta(seconds=6))  # the count is 11 s old: this view starts a recount
    assert journey_stats(big, journey).counted_at == first.counted_at
    for _ in range(600):  # a loaded machine: up to 30 s
        recounted = journey_stats(big, journey)
        if recounted.counted_at != first.counted_at and \
                not rt.redis.keys("wayline:stats:*:counting"):
            break
        time.sleep(0.05)
    assert recounted.counted_at == rt.clock.now()
    assert _figures(recounted) == _figures(journey_stats(app_context, journey))
    ports = {(node.node_id, port.port): port.count for node in recounted.nodes
             for port in node.ports}
    assert ports["buy", "matched"] == 4
    assert not rt.redis.keys("wayline:stats:*:counting")  # the recount let its lock go


def test_with_redis_down_a_big_journeys_step_figures_are_counted_at_once(app_context):
    down = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)  # nothing listens
    big = Wayline(replace(app_context.runtime, redis=down, settings=replace(
        app_context.settings, stats_live_runs=5)))
    journey = published_shop(app_context)
    counted = journey_stats(big, journey)
    assert counted.counted_at is None and counted.totals.entered == 12
    assert _figures(counted) == _figures(journey_stats(app_context, journey))


def published_shop(app_context) -> int:
    """Twelve customers in the shop journey, published and moved as far as they go now."""
    with app_context.writing() as session:
        add_customers(session, 12, app_context.now())
        template = add_template(session, subject="Hi", source="Offer")
        journey = add_journey(session, shop_journey(template), "Shop")
        publish(session, journey, app_context.now())
    drain(app_context.runtime)
    return journey


def _figures(stats) -> list:
    """What the kept count gives: per node entered, converted, outputs, messages, median."""
    return [(node.node_id, node.entered, node.converted,
             [(port.port, port.count, port.converted) for port in node.ports],
             node.messages, node.median_seconds) for node in stats.nodes]
