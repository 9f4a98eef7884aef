// Reading msgspec JSON schemas for the forms: refs, nullable unions, order, visibility, paths.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  analyse,
  emptyValue,
  humanize,
  isShown,
  joinPath,
  orderedProperties,
  resolve,
  setIn,
} from "../src/editor/schema.js";

const DEFS = { Duration: { type: "object", title: "Duration", properties: { amount: {} } } };

test("a $ref is followed and the referring schema's own keys win", () => {
  const field = resolve({ $ref: "#/$defs/Duration", title: "Wait for" }, DEFS);
  assert.equal(field.title, "Wait for");
  assert.equal(field.type, "object");
  assert.equal(field.$def, "Duration");
});

test("a nullable union is unwrapped, keeping the outer hints", () => {
  const schema = {
    anyOf: [{ $ref: "#/$defs/Duration" }, { type: "null" }],
    "x-widget": "duration",
    title: "Timeout",
  };
  const { field, nullable } = analyse(schema, DEFS);
  assert.equal(nullable, true);
  assert.equal(field.type, "object");
  assert.equal(field["x-widget"], "duration");
  assert.equal(field.title, "Timeout");
  assert.equal("anyOf" in field, false);
});

test("a union of several types stays a union", () => {
  const { field, nullable } = analyse({ anyOf: [{ type: "string" }, { type: "integer" }] }, {});
  assert.equal(nullable, false);
  assert.deepEqual(
    field.union.map((option) => option.type),
    ["string", "integer"],
  );
});

test("properties come in x-order, then as declared", () => {
  const schema = {
    properties: { c: {}, a: { "x-order": 2 }, b: { "x-order": 1 }, d: {} },
  };
  assert.deepEqual(
    orderedProperties(schema).map(([name]) => name),
    ["b", "a", "c", "d"],
  );
});

test("x-show-if hides a field until its condition holds", () => {
  const prop = { "x-show-if": { mode: "until" } };
  assert.equal(isShown(prop, { mode: "until" }), true);
  assert.equal(isShown(prop, { mode: "for" }), false);
  assert.equal(isShown({}, {}), true);
});

test("names read as words; paths join and set without touching the original", () => {
  assert.equal(humanize("send_at"), "Send at");
  assert.equal(joinPath("", "rules"), "rules");
  assert.equal(joinPath("rules", 0), "rules[0]");
  assert.equal(joinPath("rules[0]", "field"), "rules[0].field");
  const original = { a: { b: 1 } };
  const changed = setIn(original, ["a", "c"], 2);
  assert.deepEqual(changed, { a: { b: 1, c: 2 } });
  assert.deepEqual(original, { a: { b: 1 } });
});

test("an empty value fits its schema", () => {
  assert.equal(emptyValue({ type: "string" }, {}), "");
  assert.deepEqual(emptyValue({ type: "array" }, {}), []);
  assert.equal(emptyValue({ type: "integer", minimum: 1 }, {}), 1);
  assert.deepEqual(emptyValue({ $ref: "#/$defs/Duration" }, DEFS), { amount: 1, unit: "days" });
  const object = { type: "object", required: ["name"], properties: { name: { type: "string" } } };
  assert.deepEqual(emptyValue(object, {}), { name: "" });
});
