// The canvas's edits as pure store changes: adding, removing, wiring and selecting steps.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  groupBy,
  isValidWire,
  newStep,
  withOnlySelected,
  withStep,
  withStepChanged,
  withWire,
  withoutSteps,
} from "../src/editor/edits.js";

const step = (id, extra = {}) => ({ id, type: "t", position: { x: 0, y: 0 }, data: {}, ...extra });
const STORE = {
  nodes: [step("a", { selected: true }), step("b"), step("c")],
  edges: [
    { id: "ab", source: "a", sourceHandle: "yes", target: "b" },
    { id: "bc", source: "b", target: "c" },
  ],
  settings: { reentry: "never" },
};

test("a new step is centred on where it was dropped, with a copy of its kind's starter", () => {
  const kind = { starter: { channel: "email" } };
  const node = newStep("action.send", kind, { x: 300, y: 100 });
  assert.match(node.id, /^n/);
  assert.deepEqual(node.position, { x: 190, y: 70 });
  assert.deepEqual(node.data, { label: "", config: { channel: "email" } });
  assert.notEqual(node.data.config, kind.starter);
  assert.equal(node.selected, true);
});

test("an added step is the only one selected", () => {
  const after = withStep(STORE, step("d", { selected: true }));
  assert.deepEqual(
    after.nodes.filter((n) => n.selected).map((n) => n.id),
    ["d"],
  );
  assert.equal(after.settings, STORE.settings);
});

test("removing a step removes its wires too", () => {
  const after = withoutSteps(STORE, [step("b")], []);
  assert.deepEqual(
    after.nodes.map((n) => n.id),
    ["a", "c"],
  );
  assert.deepEqual(after.edges, []);
  assert.deepEqual(withoutSteps(STORE, [], [{ id: "bc" }]).edges, [STORE.edges[0]]);
});

test("a new wire replaces the old wire from the same port, and only that one", () => {
  const after = withWire(STORE, { source: "a", sourceHandle: "yes", target: "c" }, "ac");
  assert.deepEqual(after.edges, [
    STORE.edges[1],
    { id: "ac", source: "a", sourceHandle: "yes", target: "c" },
  ]);
  const unnamed = withWire(STORE, { source: "b", sourceHandle: null, target: "a" }, "ba");
  assert.deepEqual(unnamed.edges, [
    STORE.edges[0],
    { id: "ba", source: "b", sourceHandle: undefined, target: "a" },
  ]);
});

test("selecting one step unselects every other step and every wire", () => {
  const store = { ...STORE, edges: STORE.edges.map((e) => ({ ...e, selected: true })) };
  const after = withOnlySelected(store, "c");
  assert.deepEqual(
    after.nodes.map((n) => n.selected),
    [false, false, true],
  );
  assert.deepEqual(
    after.edges.map((e) => e.selected),
    [false, false],
  );
  assert.ok(withOnlySelected(store, null).nodes.every((n) => !n.selected));
});

test("changing one step leaves the others as they were", () => {
  const after = withStepChanged(STORE, "b", (n) => ({ ...n, data: { label: "B" } }));
  assert.deepEqual(after.nodes[1].data, { label: "B" });
  assert.equal(after.nodes[0], STORE.nodes[0]);
});

test("a wire may not loop to its own step nor lead into an entry", () => {
  const kinds = { t: {}, "entry.event": { entry: true } };
  const byId = { a: step("a"), e: { ...step("e"), type: "entry.event" } };
  assert.equal(isValidWire({ source: "a", target: "a" }, kinds, byId), false);
  assert.equal(isValidWire({ source: "a", target: "e" }, kinds, byId), false);
  assert.equal(isValidWire({ source: "e", target: "a" }, kinds, byId), true);
});

test("issues are grouped by their step; those of no step are left out", () => {
  const issues = [{ node_id: "a" }, { node_id: null }, { node_id: "a", code: 2 }, { node_id: "b" }];
  assert.deepEqual(groupBy(issues, "node_id"), {
    a: [issues[0], issues[2]],
    b: [issues[3]],
  });
});
