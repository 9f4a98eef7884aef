"""Random valid journeys and customers, for the differential test (`test_differential.py`).

Everything is drawn from one `random.Random(seed)`, so a seed names a journey and its customers
exactly: a failing case prints its seed, and `journey(random.Random(seed), …)` followed by
`customers(same generator, …)` replays it. Journeys are DAGs from an audience entry over every
other flow and action kind (conditions, audience and random splits, delays of every mode,
waits for events, profile updates, sends on every channel, exits); customers differ in
attributes, tags, consent, time zone, contact details and event history.

Each journey's audience is its own cohort (`cohort` attribute), which no step ever changes, so
journeys sharing a database never meet: no customer enters late, and caps count one journey.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from nodes import default_registry
from nodes.kit.values import utc_text

CHANNELS = ("email", "sms", "kakao", "push", "webhook")
ZONES = ("Asia/Seoul", "Asia/Seoul", "Europe/Berlin", "America/New_York",
         "America/Los_Angeles", None)
EVENTS = ("purchase", "visit", "cart_add")
PLANS = ("free", "pro", "team")
TAGS = ("vip", "churn_risk", "beta", "welcomed")
STAGES = ("new", "engaged", "lapsed")
# Whole hours only, in zones a whole number of hours from UTC: every instant anything happens
# at is on the hour, so the real stack has few distinct instants to be driven through.
DURATIONS = ((1, "hours"), (2, "hours"), (9, "hours"), (1, "days"), (3, "days"), (1, "weeks"))
TIMES = ("00:00", "08:00", "09:00", "13:00", "21:00", "23:00")
ENTRIES = ("entry.api", "entry.event", "entry.segment")
ENTRY_WEIGHTS = (85, 7, 8)
"""Mostly API entries: segment entries are evaluated again at every sweep, which is slow."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KINDS = ("flow.condition", "flow.split", "flow.random", "flow.delay", "flow.wait_event",
         "action.send", "action.update", "flow.exit", "action.coupon")
WEIGHTS = (14, 6, 6, 12, 8, 22, 12, 5, 5)


# --- rules -------------------------------------------------------------------------------------


def rule(rng: random.Random, now: datetime, depth: int = 0) -> dict[str, Any]:
    """An audience rule over the attributes, tags and events customers and updates have."""
    if depth < 2 and rng.random() < 0.25:
        group = rng.choice(("and", "or", "not"))
        if group == "not":
            return {"type": "not", "rule": rule(rng, now, depth + 1)}
        return {"type": group, "rules": [rule(rng, now, depth + 1)
                                         for _ in range(rng.randint(1, 3))]}
    return rng.choice((_number, _text, _date, _tag, _event))(rng, now)


def _number(rng: random.Random, now: datetime) -> dict[str, Any]:
    name = rng.choice(("score", "score", "points"))  # points: only steps set it
    op = rng.choice(("eq", "ne", "lt", "lte", "gt", "gte", "between", "in", "not_in",
                     "exists", "not_exists"))
    value: Any = rng.randrange(0, 100, 5)
    if op == "between":
        value = sorted([value, rng.randrange(0, 100, 5)])
    elif op in ("in", "not_in"):
        value = rng.sample(range(0, 100, 5), 3)
    elif op in ("exists", "not_exists"):
        value = None
    return {"type": "attr", "field": name, "op": op, "value": value}


def _text(rng: random.Random, now: datetime) -> dict[str, Any]:
    name, values = rng.choice((("plan", PLANS), ("stage", STAGES), ("country", ("KR", "US"))))
    op = rng.choice(("eq", "ne", "in", "not_in", "contains"))
    value: Any = rng.sample(values, 2) if op in ("in", "not_in") else rng.choice(values)
    return {"type": "attr", "field": name, "op": op, "value": value}


def _date(rng: random.Random, now: datetime) -> dict[str, Any]:
    if rng.random() < 0.5:
        return {"type": "attr", "field": "renewal", "op": "within_next",
                "value": rng.randint(1, 10), "unit": "days"}
    op = rng.choice(("within_last", "more_than_ago", "gte"))
    if op == "gte":
        return {"type": "attr", "field": "signed_up", "op": "gte",
                "value": utc_text(now - timedelta(days=rng.randint(1, 60)))[:10]}
    return {"type": "attr", "field": "signed_up", "op": op, "value": rng.randint(1, 60),
            "unit": rng.choice(("hours", "days", "weeks"))}


def _tag(rng: random.Random, now: datetime) -> dict[str, Any]:
    return {"type": "tag", "tag": rng.choice(TAGS), "has": rng.random() < 0.7}


def _event(rng: random.Random, now: datetime) -> dict[str, Any]:
    leaf: dict[str, Any] = {"type": "event", "event": rng.choice(EVENTS),
                            "op": rng.choice(("gte", "lte", "eq", "gt", "lt")),
                            "count": rng.randint(0, 3)}
    if rng.random() < 0.6:
        amount, unit = rng.choice(((6, "hours"), (2, "days"), (7, "days"), (2, "weeks")))
        leaf["within"] = {"amount": amount, "unit": unit}
    if rng.random() < 0.3:
        leaf["where"] = [{"type": "attr", "field": "amount", "op": "gte",
                          "value": rng.randrange(0, 100_000, 10_000)}]
    return leaf


# --- node configs ------------------------------------------------------------------------------


def _duration(rng: random.Random) -> dict[str, Any]:
    amount, unit = rng.choice(DURATIONS)
    return {"amount": amount, "unit": unit}


def _delay(rng: random.Random) -> dict[str, Any]:
    mode = rng.choice(("duration", "duration", "time_of_day", "date_attribute"))
    if mode == "duration":
        return {"mode": mode, "duration": _duration(rng)}
    if mode == "time_of_day":
        config: dict[str, Any] = {"mode": mode, "at": rng.choice(TIMES)}
        if rng.random() < 0.4:
            config["weekdays"] = sorted(rng.sample(WEEKDAYS, rng.randint(1, 3)),
                                        key=WEEKDAYS.index)
        return config
    return {"mode": mode, "attribute": "renewal", "offset_days": rng.randint(-3, 2),
            "at": rng.choice(TIMES)}


def _send(rng: random.Random, templates: dict[str, int]) -> dict[str, Any]:
    channel = rng.choice(CHANNELS)
    config: dict[str, Any] = {"channel": channel, "template": templates[channel],
                              "purpose": rng.choice(("marketing", "marketing", "transactional"))}
    if config["purpose"] == "marketing" and rng.random() < 0.3:
        config["when_blocked"] = "skip"
    if channel == "kakao" and rng.random() < 0.3:
        config["sms_fallback"] = False
    return config


def _update(rng: random.Random) -> dict[str, Any]:
    operations = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(("set", "increment", "unset", "add_tag", "remove_tag"))
        if kind == "set":
            name, value = rng.choice((("stage", rng.choice(STAGES)),
                                      ("points", rng.randrange(0, 100, 5)),
                                      ("plan", rng.choice(PLANS))))
            operations.append({"op": kind, "name": name, "value": value})
        elif kind == "increment":
            operations.append({"op": kind, "name": rng.choice(("points", "score")),
                               "value": rng.choice((5, 10, 25, -5))})
        elif kind == "unset":
            operations.append({"op": kind, "name": rng.choice(("points", "stage"))})
        else:
            operations.append({"op": kind, "name": rng.choice(TAGS)})
    return {"operations": operations}


def _config(rng: random.Random, kind: str, now: datetime,
            templates: dict[str, int]) -> dict[str, Any]:
    if kind == "flow.condition":
        return {"rule": rule(rng, now)}
    if kind == "flow.split":
        return {"branches": [{"key": f"b{index}", "label": f"Branch {index}",
                              "rule": rule(rng, now)} for index in range(rng.randint(1, 3))]}
    if kind == "flow.random":
        return _random_split(rng)
    if kind == "flow.delay":
        return _delay(rng)
    if kind == "flow.wait_event":
        config = {"event": rng.choice(EVENTS), "timeout": _duration(rng)}
        if rng.random() < 0.3:
            config["where"] = [{"type": "attr", "field": "amount", "op": "gte", "value": 10_000}]
        return config
    if kind == "action.send":
        return _send(rng, templates)
    if kind == "action.update":
        return _update(rng)
    if kind == "action.coupon":  # a pool that never runs dry, or one that is empty
        return {"pool": templates[rng.choice(("coupons", "coupons", "no_coupons"))]}
    return {"reason": rng.choice(("", "Done", "Reached the end"))}


def _random_split(rng: random.Random) -> dict[str, Any]:
    count = rng.randint(1, 3)
    control = rng.choice((0, 10, 20)) if count > 1 else rng.choice((10, 20, 50))
    cuts = sorted(rng.sample(range(1, 100 - control), count - 1))
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100 - control], strict=True)]
    return {"variants": [{"key": f"v{index}", "label": f"Variant {index}", "percent": share}
                         for index, share in enumerate(shares)],
            "control_percent": control}


def ports(kind: str, config: dict[str, Any]) -> list[str]:
    """A kind's output ports for a config, as the kind itself declares them."""
    spec = default_registry()[kind]
    return [port.key for port in spec.ports_for(spec.parse(config))]


# --- journeys ----------------------------------------------------------------------------------


def journey(rng: random.Random, cohort: int, now: datetime,
            templates: dict[str, int]) -> dict[str, Any]:
    """A valid journey document: an audience entry for the cohort, then a random DAG.

    Edges only go from an earlier node to a later one, so there is no cycle; every new node is
    the target of the port that made it, so every node is reachable. Some ports lead to a node
    made earlier on another branch (paths merge), some are left open (the path ends there).
    """
    kind = rng.choices(ENTRIES, ENTRY_WEIGHTS)[0]
    nodes = [_node("entry", kind, _entry(rng, kind, cohort, now))]
    edges: list[dict[str, Any]] = []
    order = {"entry": 0}
    open_ports = [("entry", "next")]
    budget = rng.randint(2, 14)
    while open_ports:
        source, port = open_ports.pop(rng.randrange(len(open_ports)))
        later = [node["id"] for node in nodes if order[node["id"]] > order[source]]
        if later and rng.random() < 0.15:
            edges.append(_edge(source, port, rng.choice(later)))
            continue
        if len(nodes) > budget:
            if port != "next" or source == "entry" or rng.random() < 0.5:
                continue  # left open: customers who take it leave the journey here
            kind = "flow.exit"
        else:
            kind = rng.choices(KINDS, WEIGHTS)[0]
        node_id = f"n{len(nodes)}"
        config = _config(rng, kind, now, templates)
        nodes.append(_node(node_id, kind, config))
        order[node_id] = len(order)
        edges.append(_edge(source, port, node_id))
        open_ports += [(node_id, out) for out in ports(kind, config)]
    zone = rng.choice(("Asia/Seoul", "UTC", "America/New_York"))
    return {"nodes": nodes, "edges": edges, "settings": {"timezone": zone}}


def _entry(rng: random.Random, kind: str, cohort: int, now: datetime) -> dict[str, Any]:
    if kind == "entry.api":
        return {"required_fields": ["order_id"],
                "sample_payload": payloads(random.Random(cohort))[0]}
    if kind == "entry.event":
        config: dict[str, Any] = {"event": f"signup_{cohort}"}
        if rng.random() < 0.5:
            config["where"] = [{"type": "attr", "field": "amount", "op": "gte", "value": 30_000}]
        return config
    audience: dict[str, Any] = {"type": "attr", "field": "cohort", "op": "eq", "value": cohort}
    if rng.random() < 0.5:  # a narrower audience, on what no step changes
        audience = {"type": "and", "rules": [audience, rng.choice((_tag, _text))(rng, now)]}
    return {"rule": audience}


def payloads(rng: random.Random) -> list[dict[str, Any]]:
    """Three payloads an API-entry journey is called with (customer i gets payload i % 3);
    drawn from `random.Random(cohort)`, apart from the journey's own draws."""
    return [{"order_id": f"A-{rng.randint(1000, 9999)}", "total": rng.randrange(0, 90_000, 1000)}
            for _ in range(3)]


def _node(node_id: str, kind: str, config: dict[str, Any]) -> dict[str, Any]:
    return {"id": node_id, "type": kind, "position": {"x": 0, "y": 0},
            "data": {"label": f"{kind} {node_id}", "config": config}}


def _edge(source: str, port: str, target: str) -> dict[str, Any]:
    return {"id": f"{source}-{port}-{target}", "source": source, "sourceHandle": port,
            "target": target}


# --- customers ---------------------------------------------------------------------------------


def customers(rng: random.Random, cohort: int, count: int, now: datetime) -> list[dict[str, Any]]:
    """`count` customers of the cohort: rows for `customers`, plus their `tags` and `events`."""
    return [_customer(rng, cohort, index, now) for index in range(count)]


def _customer(rng: random.Random, cohort: int, index: int, now: datetime) -> dict[str, Any]:
    external_id = f"k{cohort}-{index}"
    attributes: dict[str, Any] = {"cohort": cohort, "plan": rng.choice(PLANS),
                                  "country": rng.choice(("KR", "KR", "US"))}
    if rng.random() < 0.9:
        attributes["score"] = rng.randrange(0, 100, 5)
    if rng.random() < 0.3:
        attributes["points"] = rng.randrange(0, 50, 5)
    if rng.random() < 0.3:
        attributes["stage"] = rng.choice(STAGES)
    if rng.random() < 0.8:
        attributes["signed_up"] = utc_text(now - timedelta(minutes=rng.randint(30, 90 * 1440)))
    if rng.random() < 0.7:
        attributes["renewal"] = (now + timedelta(days=rng.randint(-3, 12))).date().isoformat()
    events = [{"name": rng.choice(EVENTS),
               "properties": {"amount": rng.randrange(0, 100_000, 5000)},
               "occurred_at": now - timedelta(minutes=rng.randint(1, 20 * 1440))}
              for _ in range(rng.choice((0, 0, 1, 2, 4)))]
    return {"external_id": external_id, "entry_amount": rng.randrange(0, 60_000, 5000),
            "email": f"{external_id}@example.kr" if rng.random() < 0.9 else None,
            "phone": f"+8210{cohort:04d}{index:04d}" if rng.random() < 0.8 else None,
            "timezone": rng.choice(ZONES), "attributes": attributes,
            "consent": {channel: _consent(rng) for channel in CHANNELS if rng.random() < 0.85},
            "tags": sorted(tag for tag in TAGS if rng.random() < 0.3), "events": events}


def _consent(rng: random.Random) -> Any:
    return rng.choice((True, True, False, {"marketing": True, "night": True},
                       {"marketing": True}, {"marketing": False}, {"transactional": False}))
