// The attribute and event pickers' logic: matching, keyboard moves, operators per type, and
// the facts each option shows (in English and Korean).
import assert from "node:assert/strict";
import { test } from "node:test";
import { setLanguage } from "../src/i18n.js";
import {
  attributeDetail,
  eventDetail,
  isUnseen,
  matching,
  moveActive,
  opsFor,
  optionsOf,
} from "../src/editor/discovery.js";

const DISCOVERY = {
  customers: 3,
  sampled_customers: false,
  sampled_events: true,
  attributes: [
    { name: "plan", type: "text", customers: 3, samples: ["pro", "free"], builtin: false },
    { name: "score", type: "number", customers: 1200, samples: [10], builtin: false },
    { name: "last_plan_change", type: "date", customers: 1, samples: [], builtin: false },
  ],
  events: [
    {
      name: "order_completed",
      total: 40,
      recent: 12,
      last_seen: "2026-03-01T10:00:00Z",
      properties: ["amount", "item"],
    },
  ],
};

test("matching puts names that start with the query first, and takes any case", () => {
  const names = matching(DISCOVERY.attributes, "PLAN").map((item) => item.name);
  assert.deepEqual(names, ["plan", "last_plan_change"]);
  assert.equal(matching(DISCOVERY.attributes, "").length, 3);
  assert.deepEqual(matching(DISCOVERY.attributes, "zzz"), []);
});

test("the highlighted option moves and wraps", () => {
  assert.equal(moveActive(-1, 1, 3), 0);
  assert.equal(moveActive(-1, -1, 3), 2);
  assert.equal(moveActive(2, 1, 3), 0);
  assert.equal(moveActive(0, -1, 3), 2);
  assert.equal(moveActive(0, 1, 0), -1);
});

test("operators fit the attribute's type and keep the one chosen", () => {
  const every = ["eq", "gt", "contains", "within_last", "exists"];
  assert.deepEqual(opsFor("number", every, "eq"), ["eq", "gt", "exists"]);
  assert.deepEqual(opsFor("text", every, "eq"), ["eq", "contains", "exists"]);
  assert.deepEqual(opsFor("date", every, "eq"), ["eq", "gt", "within_last", "exists"]);
  assert.deepEqual(opsFor("boolean", every, "gt"), ["eq", "gt", "exists"]);
  assert.deepEqual(opsFor(undefined, every, "eq"), every);
});

test("options say type, customers and samples, or counts and properties", () => {
  setLanguage("en", {});
  const [plan] = optionsOf(DISCOVERY, "attribute");
  assert.equal(plan.detail, "text · 3 customers · e.g. pro, free");
  const [order] = optionsOf(DISCOVERY, "event");
  assert.match(
    order.detail,
    /^about 12 in the last 30 days · last Mar 1, 2026 · properties: amount, item$/,
  );
  assert.deepEqual(
    optionsOf(DISCOVERY, "property", "order_completed").map((o) => o.name),
    ["amount", "item"],
  );
  assert.deepEqual(optionsOf(null, "attribute"), []);
  const dates = optionsOf(DISCOVERY, "attribute", null, "date").map((o) => o.name);
  assert.deepEqual(dates, ["last_plan_change", "plan", "score"]);
});

test("the facts are said in Korean with the catalogue's words", () => {
  setLanguage("ko", {
    number: "숫자",
    "{n} customer": ["고객 {n}명"],
    "e.g. {values}": "예: {values}",
  });
  assert.equal(attributeDetail(DISCOVERY.attributes[1], false), "숫자 · 고객 1,200명 · 예: 10");
  assert.match(eventDetail(DISCOVERY.events[0], false), /^12 in the last 30 days/);
  setLanguage("en", {});
});

test("a name is unseen only when the data is loaded and lacks it", () => {
  assert.equal(isUnseen(DISCOVERY, "attribute", "scroe"), true);
  assert.equal(isUnseen(DISCOVERY, "attribute", "plan"), false);
  assert.equal(isUnseen(DISCOVERY, "event", "order_completed"), false);
  assert.equal(isUnseen(null, "event", "x"), false);
  assert.equal(isUnseen(DISCOVERY, "event", ""), false);
});
