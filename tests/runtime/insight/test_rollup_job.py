"""The sweeper queues a rollup, a worker rolls every roller, and the next waits its turn."""

from __future__ import annotations

from sqlalchemy import select

from runtime.insight import registry
from runtime.run.jobs import ROLLUP_PENDING_KEY, ROLLUP_RESTING_KEY, Runtime, sweep_job
from runtime.run.worker import run_worker
from runtime.store.insight_models import InsightState


def test_a_sweep_queues_one_rollup_and_a_worker_rolls_every_summary(wayline: Runtime) -> None:
    sweep_job()
    sweep_job()  # a second sweep while one is queued queues nothing more
    assert wayline.steps.count == 1
    run_worker(wayline, burst=True, ticker=False)
    with wayline.sessions() as session:
        rolled = {row.key: row.rolled_at for row in session.scalars(select(InsightState))}
    assert set(rolled) == {roller.key for roller in registry()}
    assert all(when == wayline.clock.now() for when in rolled.values())
    assert not wayline.redis.exists(ROLLUP_PENDING_KEY)
    assert wayline.redis.exists(ROLLUP_RESTING_KEY)  # the next one waits ROLLUP_EVERY
    sweep_job()
    assert wayline.steps.count == 0
    wayline.redis.delete(ROLLUP_RESTING_KEY)  # as when it expires
    sweep_job()
    assert wayline.steps.count == 1
