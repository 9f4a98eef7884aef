// The version history's marks and choices, from the server's comparison.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  customersText,
  diffMarks,
  drawnDocument,
  sideOptions,
  statusText,
} from "../src/editor/diff.js";

const DIFF = {
  steps: [
    { id: "a", change: "added" },
    { id: "w", change: "changed" },
    { id: "r", change: "removed" },
  ],
  wires: [
    { change: "moved", edge_id: "e1" },
    { change: "added", edge_id: "e2" },
    { change: "removed", edge_id: "e3" },
  ],
};

const WAS = { id: "was:w:next:r", source: "w", sourceHandle: "next", target: "r" };

test("steps are marked by change, and wires by their id in the drawn document", () => {
  assert.deepEqual(diffMarks({ diff: DIFF, removed_wires: [WAS] }), {
    nodes: { a: "added", w: "changed", r: "removed" },
    edges: { e1: "moved", e2: "added", "was:w:next:r": "removed" },
  });
  assert.deepEqual(diffMarks(null), { nodes: {}, edges: {} });
});

test("removed steps and wires are drawn with the newer side's", () => {
  const drawn = drawnDocument({
    document: { nodes: [{ id: "a" }], edges: [{ id: "e1" }], settings: {} },
    removed: [{ id: "r" }],
    removed_wires: [WAS],
  });
  assert.deepEqual(
    drawn.nodes.map((n) => n.id),
    ["a", "r"],
  );
  assert.deepEqual(
    drawn.edges.map((e) => e.id),
    ["e1", WAS.id],
  );
  assert.deepEqual(drawn.settings, {});
});

test("a comparison can take the draft or any version; statuses read plainly", () => {
  const versions = [
    { number: 2, is_live: true, status: "live", customers: 1 },
    { number: 1, is_live: false, status: "holding", customers: 1200 },
  ];
  assert.deepEqual(
    sideOptions(versions).map((o) => [o.value, o.label]),
    [
      ["draft", "Draft"],
      ["2", "Version 2 (live)"],
      ["1", "Version 1"],
    ],
  );
  assert.equal(statusText(versions[1]), "Older version, customers still in it");
  assert.equal(statusText({ status: "retired" }), "Retired");
  assert.equal(customersText(1), "1 customer in it now");
  assert.equal(customersText(1200), "1,200 customers in it now");
});
