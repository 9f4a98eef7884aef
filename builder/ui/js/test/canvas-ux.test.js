// The canvas's own helpers: inserting a step on a wire, free spots for new steps, palette
// search, sticky notes in the document, select all, and counts and wire words per language.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setLanguage } from "../src/i18n.js";
import { compactNumber, wireLabel } from "../src/editor/counts.js";
import { fitsOnWire, withStepOnWire, INSERT_ROW } from "../src/editor/insert.js";
import { addSpot, freeSpot } from "../src/editor/layout.js";
import { matchingKinds } from "../src/editor/palette-search.js";
import { newNote, notesFromDocument, notesToDocument, withoutNotes } from "../src/editor/notes.js";
import { fromDocument, toDocument } from "../src/editor/draft.js";
import { shortcutOf } from "../src/editor/keyboard.js";

const step = (id, y, extra = {}) => ({
  id,
  type: "t",
  position: { x: 0, y },
  data: {},
  ...extra,
});

test("a step put on a wire splits it in two and moves the steps below down a row", () => {
  const store = {
    nodes: [step("a", 0), step("b", 190), step("side", 190, { position: { x: 300, y: 190 } })],
    edges: [{ id: "ab", source: "a", sourceHandle: "yes", target: "b" }],
    settings: {},
  };
  const added = step("new", 0);
  const after = withStepOnWire(store, "ab", added, "next");
  const at = Object.fromEntries(after.nodes.map((n) => [n.id, n.position]));
  assert.deepEqual(at.new, { x: 0, y: 190 });
  assert.equal(at.b.y, 190 + INSERT_ROW);
  assert.equal(at.side.y, 190 + INSERT_ROW);
  assert.equal(at.a.y, 0);
  const wires = after.edges.map((e) => [e.source, e.sourceHandle, e.target]);
  assert.deepEqual(wires, [
    ["a", "yes", "new"],
    ["new", "next", "b"],
  ]);
  assert.deepEqual(
    after.nodes.filter((n) => n.selected).map((n) => n.id),
    ["new"],
  );
  assert.equal(withStepOnWire(store, "missing", added, "next"), store);
});

test("only steps entered from a step and leading on fit on a wire", () => {
  assert.ok(fitsOnWire({ entry: false, ports: [{ key: "next" }] }));
  assert.ok(!fitsOnWire({ entry: true, ports: [{ key: "next" }] }));
  assert.ok(!fitsOnWire({ entry: false, ports: [] }));
});

test("a new step goes to the next free spot, and below the selected step", () => {
  const taken = [step("a", 0, { position: { x: -110, y: 0 } })];
  const spot = freeSpot(taken, { x: 0, y: 30 });
  assert.ok(spot.y - 30 >= 120, `the spot ${spot.y} is below the step`);
  assert.deepEqual(freeSpot([], { x: 5, y: 6 }), { x: 5, y: 6 });
  const below = addSpot([step("s", 400, { selected: true })], { x: 0, y: 0 });
  assert.ok(below.y > 400 + 120);
});

test("palette search matches names and descriptions, ignoring case", () => {
  const kinds = [
    { key: "d", label: "Wait", description: "Hold customers" },
    { key: "x", label: "Exit", description: "Leave the journey" },
  ];
  assert.deepEqual(
    matchingKinds(kinds, " WAIT ").map((k) => k.key),
    ["d"],
  );
  assert.deepEqual(
    matchingKinds(kinds, "journey").map((k) => k.key),
    ["x"],
  );
  assert.equal(matchingKinds(kinds, "").length, 2);
});

test("sticky notes travel in the document beside the steps, without screen-only state", () => {
  const note = { ...newNote({ x: 10.4, y: 20.6 }), data: { text: "메모", color: "pink" } };
  const store = { nodes: [], edges: [], settings: {}, notes: [note] };
  const document = toDocument(store);
  assert.deepEqual(document.notes, [
    {
      id: note.id,
      position: { x: 10, y: 21 },
      width: 220,
      height: 140,
      text: "메모",
      color: "pink",
    },
  ]);
  const back = fromDocument(document, store);
  assert.equal(back.notes[0].selected, true, "a selected note stays selected");
  assert.deepEqual(notesToDocument(back.notes), document.notes);
  assert.deepEqual(notesFromDocument(undefined), []);
  assert.deepEqual(withoutNotes(store, new Set([note.id])).notes, []);
});

test("Ctrl+A and Cmd+A are select all", () => {
  const press = (key, mods) => ({ key, ctrlKey: false, metaKey: false, shiftKey: false, ...mods });
  assert.equal(shortcutOf(press("a", { ctrlKey: true }), false), "select-all");
  assert.equal(shortcutOf(press("a", { metaKey: true }), false), "select-all");
  assert.equal(shortcutOf(press("a", {}), false), null);
});

test("counts are summarised in the page's language, and wires name their output", () => {
  setLanguage("en", {});
  assert.equal(compactNumber(12000), "12K");
  const ports = [
    { key: "next", label: "Next" },
    { key: "failed", label: "Failed" },
  ];
  assert.equal(wireLabel(ports, "failed"), "Failed");
  assert.equal(wireLabel(ports, "next"), "Next");
  assert.equal(wireLabel([{ key: "next", label: "Next" }], "next"), null);
  setLanguage("ko", { Failed: "실패" });
  assert.equal(compactNumber(12345), "1.2만");
  assert.equal(wireLabel(ports, "failed"), "실패");
  setLanguage("en", {});
});
