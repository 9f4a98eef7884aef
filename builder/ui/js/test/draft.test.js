// The draft's document shape: what the canvas keeps only for the screen never reaches Python.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromDocument, newId, toDocument } from "../src/editor/draft.js";

const DOCUMENT = {
  nodes: [
    { id: "a", type: "entry.event", position: { x: 0, y: 0 }, data: { label: "In", config: {} } },
    { id: "b", type: "flow.exit", position: { x: 10, y: 200 }, data: { label: "Out", config: {} } },
  ],
  edges: [{ id: "e1", source: "a", sourceHandle: "next", target: "b" }],
  settings: { reentry: "never" },
};

test("a document read and written back is the same document", () => {
  assert.deepEqual(toDocument(fromDocument(DOCUMENT)), DOCUMENT);
});

test("the screen's keys are left out and positions are rounded", () => {
  const store = fromDocument(DOCUMENT);
  store.nodes[0] = {
    ...store.nodes[0],
    selected: true,
    measured: { width: 220, height: 80 },
    position: { x: 10.4, y: 19.6 },
  };
  store.edges[0] = { ...store.edges[0], selected: true };
  const written = toDocument(store);
  assert.deepEqual(written.nodes[0].position, { x: 10, y: 20 });
  assert.equal("selected" in written.nodes[0], false);
  assert.equal("measured" in written.nodes[0], false);
  assert.deepEqual(written.edges[0], DOCUMENT.edges[0]);
});

test("a new revision keeps the selection of steps and wires still there", () => {
  const before = fromDocument(DOCUMENT);
  before.nodes[1] = { ...before.nodes[1], selected: true, width: 220 };
  before.edges[0] = { ...before.edges[0], selected: true };
  const next = { ...DOCUMENT, nodes: DOCUMENT.nodes.slice(1) };
  const after = fromDocument(next, before);
  assert.equal(after.nodes.length, 1);
  assert.equal(after.nodes[0].selected, true);
  assert.equal(after.nodes[0].width, 220);
  assert.equal(after.edges[0].selected, true);
});

test("a node without data gets an empty label and config; missing parts default", () => {
  const store = fromDocument({ nodes: [{ id: "x", type: "flow.exit", position: { x: 0, y: 0 } }] });
  assert.deepEqual(store.nodes[0].data, { label: "", config: {} });
  assert.deepEqual(store.edges, []);
  assert.deepEqual(store.settings, {});
});

test("new ids carry their prefix and differ", () => {
  const ids = new Set(Array.from({ length: 50 }, () => newId("n")));
  assert.equal(ids.size, 50);
  for (const id of ids) assert.match(id, /^n[a-z0-9]+$/);
});
