// The editor's keyboard shortcuts and what its publishing controls say.
import assert from "node:assert/strict";
import { test } from "node:test";
import { shortcutOf } from "../src/editor/keyboard.js";
import { askTitle, dialogFor, heldText, publishState } from "../src/editor/publishing.js";

const press = (key, { ctrl = true, meta = false, shift = false } = {}) => ({
  key,
  ctrlKey: ctrl,
  metaKey: meta,
  shiftKey: shift,
});

test("shortcuts need Ctrl or Cmd; copy, cut and duplicate need a selection", () => {
  assert.equal(shortcutOf(press("z", { ctrl: false }), true), null);
  assert.equal(shortcutOf(press("z"), false), "undo");
  assert.equal(shortcutOf(press("Z", { shift: true }), false), "redo");
  assert.equal(shortcutOf(press("y", { ctrl: false, meta: true }), false), "redo");
  assert.equal(shortcutOf(press("c"), true), "copy");
  assert.equal(shortcutOf(press("x"), true), "cut");
  assert.equal(shortcutOf(press("d"), true), "duplicate");
  for (const key of ["c", "x", "d"]) assert.equal(shortcutOf(press(key), false), null);
  assert.equal(shortcutOf(press("v"), false), "paste");
  assert.equal(shortcutOf(press("q"), true), null);
});

const draft = { status: "draft", live_version: null, has_unpublished_changes: true };

test("publishing is open for a saved draft without errors, and says why not otherwise", () => {
  assert.deepEqual(publishState(draft, 0, "saved"), {
    blocked: false,
    title: "Publish this draft",
  });
  assert.deepEqual(publishState(draft, 2, "saved"), {
    blocked: true,
    title: "Fix 2 problems to publish",
  });
  assert.equal(publishState(draft, 1, "saved").title, "Fix 1 problem to publish");
  assert.equal(publishState(draft, 0, "saving").blocked, true);
  assert.equal(publishState({ ...draft, status: "archived" }, 0, "saved").blocked, true);
  const live = { status: "live", live_version: 3, has_unpublished_changes: false };
  assert.deepEqual(publishState(live, 0, "saved"), {
    blocked: true,
    title: "The live version is this draft",
  });
  assert.equal(askTitle("Publish this draft"), "Ask a publisher to publish this draft");
  assert.equal(askTitle("Fix 1 problem to publish"), "Fix 1 problem to publish");
});

test("publish and resume ask for confirmation; pause and request open their own forms", () => {
  const journey = { name: "Welcome", live_version: 2 };
  const publish = dialogFor("publish", journey);
  assert.equal(publish.op, "publish");
  assert.equal(publish.title, 'Publish changes to "Welcome"?');
  assert.match(publish.body, /^This becomes version 3: new customers get it\. Choose below/);
  assert.equal(dialogFor("publish", { name: "New", live_version: null }).title, 'Publish "New"?');
  assert.equal(dialogFor("resume", journey).action, "Resume journey");
  assert.deepEqual(dialogFor("pause", journey), { op: "pause" });
  assert.deepEqual(dialogFor("request", journey), { op: "request" });
});

test("held messages are counted in words", () => {
  assert.equal(heldText(0), "no message is waiting to go");
  assert.equal(heldText(1), "1 unsent message is held");
  assert.equal(heldText(1200), "1,200 unsent messages are held");
});
