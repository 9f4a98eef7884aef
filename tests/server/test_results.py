"""A/B results: the statistics against known values, and a real 10,000-customer split."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from runtime.flow.ingest import ingest_event
from runtime.store.models import Customer, Run, Step
from server.services.significance import compare, normal_cdf, percent, verdict
from tests.builder.journeys import document, edge, node
from tests.runtime.harness import add_customers, add_journey, drain

# --- the statistics ----------------------------------------------------------------------------


@pytest.mark.parametrize(("x", "expected"), [
    (0.0, 0.5), (1.0, 0.8413447460685429), (-1.0, 0.15865525393145707),
    (1.959963984540054, 0.975), (-2.5758293035489, 0.005), (6.0, 0.9999999990134123)])
def test_the_normal_cdf_matches_tabulated_values(x, expected):
    assert normal_cdf(x) == pytest.approx(expected, abs=1e-12)


def chi_square(a: int, n: int, b: int, m: int) -> float:
    """Pearson's chi-square of the 2×2 table (converted / not × path / baseline), computed
    cell by cell: an independent route to z² for the same data."""
    table = [[a, n - a], [b, m - b]]
    total = n + m
    columns = [a + b, total - a - b]
    return sum((table[row][col] - size * columns[col] / total) ** 2
               / (size * columns[col] / total)
               for row, size in enumerate((n, m)) for col in range(2))


def test_the_z_test_matches_a_published_result():
    # R's prop.test(correct = FALSE) on 94 of 214 against 39 of 128 prints
    # "X-squared = 6.1026, df = 1, p-value = 0.01350" (influentialpoints.com, two-sample test
    # for independent proportions); z² is that X².
    result = compare(94, 214, 39, 128)
    assert result.z ** 2 == pytest.approx(6.1026, abs=5e-5)
    assert result.p_value == pytest.approx(0.01350, abs=5e-6)
    assert result.rate == pytest.approx(0.4392523) and result.baseline_rate == 0.3046875
    assert result.confidence == pytest.approx(1 - result.p_value)


@pytest.mark.parametrize(("a", "n", "b", "m"), [
    (250, 1000, 200, 1000), (200, 1000, 250, 1000), (120, 1000, 100, 1000), (3, 40, 9, 45),
    (4_512, 45_103, 1_021, 9_877)])
def test_z_squared_is_pearson_s_chi_square_of_the_table(a, n, b, m):
    result = compare(a, n, b, m)
    assert result.z ** 2 == pytest.approx(chi_square(a, n, b, m), rel=1e-9)
    assert result.p_value == pytest.approx(math.erfc(abs(result.z) / math.sqrt(2)), rel=1e-9)
    assert (result.z > 0) == (a / n > b / m)
    assert result.uplift == pytest.approx((a / n - b / m) / (b / m))


def test_verdicts_speak_plainly():
    win = compare(250, 1000, 200, 1000)
    assert verdict("B", "Control group", win, entered=1000, baseline_entered=1000) == \
        "B beats Control group with 99.2% confidence."
    loss = compare(200, 1000, 250, 1000)
    assert verdict("B", "Control group", loss).startswith("B does worse than Control group")
    unclear = compare(120, 1000, 100, 1000)
    assert verdict("B", "Control", unclear) == (
        "No clear difference between B and Control yet (84% confidence; 95% is the bar).")
    few = compare(5, 20, 1, 20)
    assert not few.enough and not few.significant
    assert verdict("B", "Control", few, entered=20, baseline_entered=20).startswith(
        "Too few customers to tell yet (20 in B, 20 in Control")
    nobody = compare(0, 0, 3, 100)
    assert verdict("B", "Control", nobody) == "No customers have reached B yet."
    flat = compare(0, 500, 0, 500)  # no conversions at all: nothing to tell apart
    assert (flat.p_value, flat.significant) == (1.0, False)


def test_confidence_is_rounded_down_so_a_near_miss_never_reads_as_95():
    assert percent(0.9499) == "94%" and percent(0.97) == "97%" and percent(0.99999) == "99.9%"
    assert compare(111, 1000, 90, 1000).significant is False  # p ≈ 0.12


# --- a real split ------------------------------------------------------------------------------

CUSTOMERS = 10_000
SHARES = {"a": 0.45, "b": 0.45, "control": 0.10}


def ab_journey() -> dict:
    """Everyone → split 45 / 45 / 10 (control) → exits; goal: a purchase within 7 days."""
    return document(
        [node("in", "entry.segment", "Everyone", {"rule": {"type": "and", "rules": []}}),
         node("split", "flow.random", "Welcome offer", {"variants": [
             {"key": "a", "label": "Coupon", "percent": 45},
             {"key": "b", "label": "Free shipping", "percent": 45}], "control_percent": 10}),
         node("x", "flow.exit", "A"), node("y", "flow.exit", "B"), node("z", "flow.exit", "C")],
        [edge("in", "split"), edge("split", "x", "a"), edge("split", "y", "b"),
         edge("split", "z", "control")],
        goal={"event": "purchase", "within": {"amount": 7, "unit": "days"}, "exit": False})


def converts(port: str, index: int) -> bool:
    """Who buys: every 10th customer of Coupon and of the control group, every 6th of Free
    shipping (10%, 10%, 16.7%)."""
    return index % (6 if port == "b" else 10) == 0


def test_a_ten_thousand_customer_split_and_its_results(client, app_context):
    rt = app_context.runtime
    with app_context.writing() as session:
        add_customers(session, CUSTOMERS, app_context.now())
        journey = add_journey(session, ab_journey(), "A/B")
    assert client.post(f"/api/journeys/{journey}/publish").status_code == 200
    drain(rt)
    with app_context.reading() as session:
        taken = session.execute(select(Customer.external_id, Step.port)
                                .join(Run, Run.id == Step.run_id)
                                .join(Customer, Customer.id == Run.customer_id)
                                .where(Step.node_id == "split").order_by(Run.id)).all()
    ports = Counter(port for _, port in taken)
    assert sum(ports.values()) == CUSTOMERS
    for port, share in SHARES.items():  # within 4 standard deviations of the share
        sigma = math.sqrt(CUSTOMERS * share * (1 - share))
        assert abs(ports[port] - CUSTOMERS * share) < 4 * sigma, ports

    rt.clock.advance(timedelta(days=2))
    seen: Counter[str] = Counter()
    buyers: Counter[str] = Counter()
    with rt.sessions() as session:
        for external_id, port in taken:
            seen[port] += 1
            if converts(port, seen[port]):
                buyers[port] += 1
                ingest_event(session, external_id, "purchase", {}, rt.clock.now(),
                             rt.clock.now())
        # a purchase after the 7-day window converts no one
        ingest_event(session, taken[1][0], "purchase", {}, rt.clock.now() + timedelta(days=6),
                     rt.clock.now() + timedelta(days=6))
        session.commit()

    answer = client.get(f"/api/journeys/{journey}/results")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["entered"], body["converted"]) == (CUSTOMERS, sum(buyers.values()))
    assert body["goal"] == {"event": "purchase", "within": "7 days", "exit": False}
    [split] = body["splits"]
    assert (split["node_id"], split["baseline"], split["baseline_label"]) == (
        "split", "control", "Control group")
    variants = {variant["key"]: variant for variant in split["variants"]}
    for port in SHARES:
        assert (variants[port]["entered"], variants[port]["converted"]) == (
            ports[port], buyers[port])
    expected = compare(buyers["b"], ports["b"], buyers["control"], ports["control"])
    shipping = variants["b"]
    assert shipping["p_value"] == pytest.approx(expected.p_value)
    assert shipping["uplift"] == pytest.approx(expected.uplift)
    assert shipping["significant"] is True
    assert shipping["verdict"].startswith("Free shipping beats Control group with 9")
    assert split["summary"] == shipping["verdict"]
    coupon = variants["a"]
    assert coupon["significant"] is False and coupon["verdict"].startswith("No clear difference")
    assert variants["control"]["is_baseline"] is True and variants["control"]["p_value"] is None
    with app_context.reading() as session:
        recorded = session.scalars(select(Run.converted_at).where(
            Run.converted_at.is_not(None))).all()
    assert len(recorded) == sum(buyers.values())
    assert set(recorded) == {rt.clock.now()}

    assert client.get(f"/api/journeys/{journey}/results?version=2").status_code == 404
    assert client.get("/api/journeys/999999/results").status_code == 404


def test_results_without_a_goal_or_a_control_group(client, app_context):
    doc = ab_journey()
    doc["settings"].pop("goal")
    doc["nodes"][1]["data"]["config"] = {"variants": [
        {"key": "a", "label": "Coupon", "percent": 50},
        {"key": "b", "label": "Free shipping", "percent": 50}], "control_percent": 0}
    doc["edges"] = [item for item in doc["edges"] if item.get("sourceHandle") != "control"]
    doc["nodes"] = [item for item in doc["nodes"] if item["id"] != "z"]
    with app_context.writing() as session:
        add_customers(session, 40, app_context.now())
        journey = add_journey(session, doc, "No goal")
    assert client.post(f"/api/journeys/{journey}/publish").status_code == 200
    drain(app_context.runtime)
    body = client.get(f"/api/journeys/{journey}/results").json()
    assert body["goal"] is None and body["converted"] == 0
    [split] = body["splits"]
    assert (split["baseline"], split["baseline_label"]) == ("a", "Coupon")  # the first path
    assert split["summary"].startswith("This journey has no goal")
    assert sum(variant["entered"] for variant in split["variants"]) == 40
