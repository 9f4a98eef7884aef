// What the preview panel's tabs read from the answers, and the imagined events' edits.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  attributesText,
  clauseText,
  portLabel,
  setsNoConditions,
} from "../src/editor/preview-panel/text.js";
import { dryWindows, reachWithin, shownWindow } from "../src/editor/preview-panel/dry-run.js";
import {
  delayed,
  inUnit,
  named,
  newEvent,
  renamed,
  without,
} from "../src/editor/preview-panel/imagined.js";

test("a clause names its group's kind, or gives its reason", () => {
  assert.equal(clauseText({ kind: "and" }), "All of these");
  assert.equal(clauseText({ kind: "or" }), "Any of these");
  assert.equal(clauseText({ kind: "not" }), "None of this");
  assert.equal(clauseText({ kind: "attr", reason: "score is 30" }), "score is 30");
  assert.equal(setsNoConditions([{ kind: "and" }]), true);
  assert.equal(setsNoConditions([{ kind: "and" }, { kind: "attr" }]), false);
  assert.equal(setsNoConditions([{ kind: "attr" }]), false);
});

test("a port is named by its label, else its key", () => {
  const ports = [{ key: "yes", label: "Yes" }];
  assert.equal(portLabel(ports, "yes"), "Yes");
  assert.equal(portLabel(ports, "no"), "no");
  assert.equal(portLabel(undefined, "no"), "no");
});

test("a sample customer shows three attributes, long values cut short", () => {
  const text = attributesText({ plan: "pro", score: 30, note: "x".repeat(30), city: "Seoul" });
  assert.equal(text, `plan: pro · score: 30 · note: ${"x".repeat(23)}…`);
});

test("a dry run's counts are read in the chosen window, else over the horizon", () => {
  const within = [
    { label: "7 days", count: { count: 3, margin: 0 } },
    { label: "horizon", count: { count: 5, margin: 1 } },
  ];
  const node = { within, reached: { count: 5, margin: 1 } };
  const dry = { ports: [], nodes: [node] };
  assert.deepEqual(dryWindows(dry), within);
  assert.deepEqual(dryWindows({ ports: [], nodes: [] }), []);
  assert.equal(shownWindow(within, "7 days"), "7 days");
  assert.equal(shownWindow(within, "1 day"), "horizon");
  assert.deepEqual(reachWithin(node, "7 days"), { count: 3, margin: 0 });
});

test("imagined events are edited one at a time; a delay is never negative", () => {
  let events = [newEvent(), newEvent()];
  events = renamed(events, 0, "order_completed");
  events = delayed(events, 1, "-4");
  events = inUnit(events, 0, "days");
  assert.deepEqual(events, [
    { name: "order_completed", after: { amount: 30, unit: "days" } },
    { name: "", after: { amount: 0, unit: "minutes" } },
  ]);
  assert.equal(delayed(events, 0, "")[0].after.amount, 0);
  assert.deepEqual(named(events), [events[0]]);
  assert.deepEqual(without(events, 0), [events[1]]);
});
