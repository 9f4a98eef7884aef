"""flow.random: shares over many customers, a stable draw per step, and the control group."""

from __future__ import annotations

from collections import Counter

import msgspec
import pytest

from nodes.flow_random import SPEC, Config, Variant, bucket
from nodes.kit.spec import Go, Problem
from tests.nodes.conftest import MakeContext

SEEDS = [f"run-{number}:n7" for number in range(20_000)]


def shares(config: Config, make_ctx: MakeContext) -> dict[str, float]:
    """The percentage of the 20k seeds that goes through each port."""
    counts = Counter(SPEC.run(config, make_ctx(seed=seed)).port for seed in SEEDS)
    return {port: 100 * count / len(SEEDS) for port, count in counts.items()}


def variants(*percents: float) -> list[Variant]:
    """Paths a, b, c… with these shares."""
    return [Variant(key=chr(ord("a") + index), label=f"Path {index + 1}", percent=percent)
            for index, percent in enumerate(percents)]


def test_customers_are_shared_out_by_percentage(make_ctx: MakeContext) -> None:
    measured = shares(Config(variants=variants(50, 30, 20)), make_ctx)
    assert measured.keys() == {"a", "b", "c"}
    assert measured["a"] == pytest.approx(50, abs=1.5)
    assert measured["b"] == pytest.approx(30, abs=1.5)
    assert measured["c"] == pytest.approx(20, abs=1.5)


def test_the_control_group_gets_its_share(make_ctx: MakeContext) -> None:
    config = Config(variants=variants(45, 45), control_percent=10)
    measured = shares(config, make_ctx)
    assert measured["control"] == pytest.approx(10, abs=1.5)
    assert measured["a"] == pytest.approx(45, abs=1.5)
    assert {port.key for port in SPEC.ports_for(config)} == {"a", "b", "control"}
    assert SPEC.ports_for(config)[-1].optional


def test_one_path_and_a_control_group(make_ctx: MakeContext) -> None:
    config = Config(variants=variants(80), control_percent=20)
    assert SPEC.check(config) == []
    assert shares(config, make_ctx)["control"] == pytest.approx(20, abs=1.5)


def test_the_same_seed_always_goes_the_same_way(make_ctx: MakeContext) -> None:
    config = Config(variants=variants(34, 33, 33))
    for seed in SEEDS[:200]:
        first = SPEC.run(config, make_ctx(seed=seed))
        assert all(SPEC.run(config, make_ctx(seed=seed)) == first for _ in range(3))


def test_the_draw_is_a_stable_hash_in_range() -> None:
    assert bucket("run-1:n1") == bucket("run-1:n1")
    assert bucket("run-1:n1") != bucket("run-1:n2")
    assert all(0 <= bucket(seed) < 100 for seed in SEEDS[:1000])


def test_the_why_shows_the_draw(make_ctx: MakeContext) -> None:
    decision = SPEC.run(Config(variants=variants(50, 50)), make_ctx(seed="run-1:n1"))
    drawn = bucket("run-1:n1")
    expected = ("a", "Path 1") if drawn < 50 else ("b", "Path 2")
    assert decision == Go(expected[0], why=f"drew {drawn:.2f} of 100: {expected[1]} (50%)")


def test_shares_a_hair_short_of_100_still_place_everyone(make_ctx: MakeContext) -> None:
    config = Config(variants=variants(33.3333333, 33.3333333, 33.3333333))
    assert SPEC.check(config) == []
    assert all(SPEC.run(config, make_ctx(seed=seed)).port in "abc" for seed in SEEDS[:2000])


def test_ports_name_each_share() -> None:
    config = Config(variants=variants(45, 45), control_percent=10)
    assert [port.label for port in SPEC.ports_for(config)] == [
        "Path 1 (45%)", "Path 2 (45%)", "Control group (10%)"]
    assert "control" not in {port.key for port in SPEC.ports_for(Config(variants=variants(50, 50)))}


# --- check and schema --------------------------------------------------------------------------


def test_shares_must_add_up_to_100() -> None:
    assert SPEC.check(Config(variants=variants(50, 40))) == [Problem(
        "variants", "Paths: the shares add up to 90%; make the paths and the control group add "
                    "up to exactly 100%")]
    assert SPEC.check(Config(variants=variants(50, 40), control_percent=20))[0].message.startswith(
        "Paths: the shares add up to 110%")


def test_float_rounding_is_tolerated() -> None:
    assert SPEC.check(Config(variants=variants(33.33, 33.33, 33.34))) == []
    assert SPEC.check(Config(variants=variants(0.1, 0.2), control_percent=99.7)) == []


def test_one_path_needs_a_control_group() -> None:
    assert SPEC.check(Config(variants=variants(100))) == [Problem(
        "variants", "Paths: add a second path or a control group, so customers have two ways "
                    "to go")]


def test_keys_are_unique_and_control_is_kept() -> None:
    config = Config(variants=[Variant(key="a", label="A", percent=40),
                              Variant(key="a", label="A again", percent=30),
                              Variant(key="control", label="Holdout", percent=30)])
    assert SPEC.check(config) == [
        Problem("variants[1].key", "Paths: two paths use the key 'a'; give each its own"),
        Problem("variants[2].key", "Paths: the key 'control' is kept for the control group; "
                                   "pick another"),
    ]


@pytest.mark.parametrize("raw", [
    {"variants": [{"key": "a", "label": "A", "percent": 0}, {"key": "b", "label": "B",
                                                            "percent": 100}]},
    {"variants": [{"key": "A b", "label": "A", "percent": 50},
                  {"key": "b", "label": "B", "percent": 50}]},
    {"variants": [{"key": f"v{n}", "label": "V", "percent": 100 / 11} for n in range(11)]},
    {"variants": [{"key": "a", "label": "A", "percent": 50}], "control_percent": 101},
])
def test_the_schema_refuses_impossible_values(raw: dict) -> None:
    with pytest.raises(msgspec.ValidationError):
        SPEC.parse(raw)
