// "Tidy up": rows by depth, branches side by side in their ports' order, parents centred.
import assert from "node:assert/strict";
import { test } from "node:test";
import { tidy } from "../src/editor/layout.js";

const node = (id) => ({ id, type: "t", position: { x: 999, y: 999 }, data: {} });
const at = (nodes) => Object.fromEntries(nodes.map((n) => [n.id, n.position]));

test("a chain is one column, one row per step", () => {
  const nodes = [node("a"), node("b"), node("c")];
  const edges = [
    { id: "1", source: "a", target: "b" },
    { id: "2", source: "b", target: "c" },
  ];
  assert.deepEqual(at(tidy(nodes, edges, {})), {
    a: { x: 0, y: 0 },
    b: { x: 0, y: 190 },
    c: { x: 0, y: 380 },
  });
});

test("branches follow their ports' order and the parent sits over them", () => {
  const nodes = [node("split"), node("no"), node("yes")];
  const edges = [
    { id: "1", source: "split", sourceHandle: "no", target: "no" },
    { id: "2", source: "split", sourceHandle: "yes", target: "yes" },
  ];
  const ports = { split: [{ key: "yes" }, { key: "no" }] };
  const placed = at(tidy(nodes, edges, ports));
  assert.ok(placed.yes.x < placed.no.x, "yes is drawn left of no, as the ports are ordered");
  assert.equal(placed.split.x, (placed.yes.x + placed.no.x) / 2);
  assert.equal(placed.yes.y, placed.no.y);
});

test("a loop and wires to unknown steps do not stop the layout", () => {
  const nodes = [node("a"), node("b")];
  const edges = [
    { id: "1", source: "a", target: "b" },
    { id: "2", source: "b", target: "a" },
    { id: "3", source: "a", target: "ghost" },
  ];
  const laid = tidy(nodes, edges, {});
  assert.equal(laid.length, 2);
  for (const n of laid) assert.ok(Number.isFinite(n.position.x) && Number.isFinite(n.position.y));
});
