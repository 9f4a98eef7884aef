// Edits kept while offline: re-applied onto a draft changed elsewhere, and described for the
// conflict banner; the connection read from the page's ReactPy sockets.
import assert from "node:assert/strict";
import { test } from "node:test";
import { changesSince, reapplied } from "../src/editor/edits.js";
import { currentConnection, onConnection, setConnection, watchConnection } from "../src/bridge.js";

const step = (id, x, label = "") => ({
  id,
  type: "flow.delay",
  position: { x, y: 0 },
  data: { label, config: {} },
});

const BASE = {
  nodes: [step("a", 0), step("b", 100), step("c", 200)],
  edges: [{ id: "e1", source: "a", target: "b" }],
  settings: { reentry: "never" },
};

test("my edits go onto their draft: what I changed wins, what they changed stays", () => {
  const mine = {
    ...BASE,
    nodes: [step("a", 50), step("b", 100), step("d", 300)], // moved a, removed c, added d
    edges: [...BASE.edges, { id: "e2", source: "b", target: "d" }],
  };
  const theirs = {
    ...BASE,
    nodes: [step("a", 0), step("b", 100, "Cool-off"), step("c", 200)], // labelled b
    settings: { reentry: "always" },
  };
  const merged = reapplied(BASE, mine, theirs);
  assert.deepEqual(
    merged.nodes.map((n) => [n.id, n.position.x, n.data.label]),
    [
      ["a", 50, ""],
      ["b", 100, "Cool-off"],
      ["d", 300, ""],
    ],
  );
  assert.deepEqual(
    merged.edges.map((e) => e.id),
    ["e1", "e2"],
  );
  assert.deepEqual(merged.settings, { reentry: "always" });
});

test("a wire whose step they deleted is dropped, not left dangling", () => {
  const mine = { ...BASE, edges: [...BASE.edges, { id: "e2", source: "b", target: "c" }] };
  const theirs = { ...BASE, nodes: [step("a", 0), step("b", 100)] };
  const merged = reapplied(BASE, mine, theirs);
  assert.deepEqual(
    merged.edges.map((e) => e.id),
    ["e1"],
  );
});

test("what was not saved reads as steps and wires added, moved, changed and removed", () => {
  const mine = {
    nodes: [step("a", 50), step("b", 100, "Cool-off"), step("d", 300)],
    edges: [{ id: "e2", source: "a", target: "d" }],
    settings: { reentry: "always" },
  };
  const changes = changesSince(BASE, mine, (type) => (type === "flow.delay" ? "Wait" : type));
  assert.deepEqual(
    changes.map(({ change, what, label }) => `${change} ${what} ${label}`),
    [
      "moved step Wait",
      "changed step Cool-off",
      "added step Wait",
      "removed step Wait",
      "added wire Wait → Wait",
      "removed wire Wait → Cool-off",
      "changed settings ",
    ],
  );
});

// A stand-in for the browser's WebSocket: opens or fails when the test says so.
class FakeSocket {
  constructor(url) {
    this.url = url;
    this.listeners = {};
    FakeSocket.made.push(this);
  }
  addEventListener(type, listener) {
    (this.listeners[type] ||= []).push(listener);
  }
  fire(type) {
    for (const listener of this.listeners[type] || []) listener();
  }
}
FakeSocket.made = [];

test("a new ReactPy socket means the connection dropped: reconnecting, offline, back", () => {
  const scope = { WebSocket: FakeSocket };
  watchConnection(scope);
  const seen = [];
  const stop = onConnection((state) => seen.push(state));
  new scope.WebSocket("ws://host/elsewhere/"); // not ReactPy's: no change
  assert.equal(currentConnection(), "online");

  const first = new scope.WebSocket("ws://host/reactpy/builder.ui.editor.JourneyEditor/");
  first.fire("close"); // the try failed: the server is down
  const second = new scope.WebSocket("ws://host/reactpy/builder.ui.editor.JourneyEditor/");
  assert.equal(currentConnection(), "offline"); // still offline while trying again
  second.fire("open");
  assert.equal(currentConnection(), "back");
  assert.deepEqual(seen, ["reconnecting", "offline", "back"]);
  setConnection("online");
  stop();
});

test("re-applying edits keeps the sticky notes: mine, theirs, and neither lost", () => {
  const note = (id, text) => ({ id, text, position: { x: 0, y: 0 } });
  const base = { nodes: [], edges: [], settings: {}, notes: [note("n1", "a")] };
  const mine = { ...base, notes: [note("n1", "mine"), note("n2", "new")] };
  const theirs = { ...base, notes: [note("n1", "a"), note("n3", "theirs")] };
  const merged = reapplied(base, mine, theirs);
  assert.deepEqual(
    merged.notes.map((n) => [n.id, n.text]),
    [
      ["n1", "mine"],
      ["n3", "theirs"],
      ["n2", "new"],
    ],
  );
  assert.ok(changesSince(base, mine).some((c) => c.what === "notes"));
});
