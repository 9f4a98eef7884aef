// The draft in the browser: React Flow's nodes and edges plus the journey settings and name,
// undo/redo, and saving. Only committed changes are saved (drop, connect, move end, delete, form
// edits; the name as it is typed, after a pause), one command in flight at a time, each made on
// the revision the server last confirmed. "Saved" means the server acknowledged it.
// While the connection is down nothing is sent: the edits wait, counted, and are kept in
// localStorage with the revision they were made on, so a reload or a closed tab loses nothing.
// Once connected again (a new server `session`) they are sent in order. If the draft changed
// elsewhere meanwhile, they are not sent over it: the newer draft is shown and the edits are
// kept aside as a conflict, to re-apply onto it or discard (see edits.js `reapplied`).
import { useCallback, useEffect, useReducer, useRef } from "react";
import { notesFromDocument, notesToDocument } from "./notes.js";
import { currentConnection, onConnection, socketsClosed } from "../bridge.js";
import { reapplied } from "./edits.js";

const UI_KEYS = [
  "selected",
  "dragging",
  "measured",
  "width",
  "height",
  "resizing",
  "positionAbsolute",
];
const HISTORY_LIMIT = 100;

// The stored document shape (DESIGN §2): React Flow's, without what only the screen needs.
export function toDocument(store) {
  return {
    nodes: store.nodes.map((node) => {
      const out = {
        id: node.id,
        type: node.type,
        position: { x: Math.round(node.position.x), y: Math.round(node.position.y) },
        data: node.data,
      };
      if (node.version != null) out.version = node.version;
      return out;
    }),
    edges: store.edges.map(({ id, source, sourceHandle, target, targetHandle }) => {
      const out = { id, source, target };
      if (sourceHandle != null) out.sourceHandle = sourceHandle;
      if (targetHandle != null) out.targetHandle = targetHandle;
      return out;
    }),
    settings: store.settings,
    ...(store.notes?.length ? { notes: notesToDocument(store.notes) } : {}),
  };
}

// A stored document as the canvas holds it, keeping selection and sizes of nodes still there.
export function fromDocument(document, previous) {
  const old = new Map((previous?.nodes || []).map((node) => [node.id, node]));
  const oldEdges = new Map((previous?.edges || []).map((edge) => [edge.id, edge]));
  return {
    nodes: (document.nodes || []).map((node) => {
      const kept = old.get(node.id);
      const ui = kept
        ? Object.fromEntries(UI_KEYS.filter((k) => kept[k] !== undefined).map((k) => [k, kept[k]]))
        : {};
      return { ...node, data: { label: "", config: {}, ...(node.data || {}) }, ...ui };
    }),
    edges: (document.edges || []).map((edge) => ({
      ...edge,
      selected: oldEdges.get(edge.id)?.selected || false,
    })),
    settings: document.settings || {},
    notes: notesFromDocument(document.notes, previous?.notes),
  };
}

export function newId(prefix) {
  return prefix + Math.random().toString(36).slice(2, 9);
}

const NAME_DELAY_MS = 600;

// While an input method composes (a Korean syllable over several keys: ㅈ → 자 → 장), no field
// of the canvas saves: the half-built syllable would reach the server. Saving resumes when the
// composition is committed.
let composing = false;
const afterComposition = new Set();
if (typeof window !== "undefined") {
  window.addEventListener("compositionstart", () => (composing = true), true);
  window.addEventListener(
    "compositionend",
    () => {
      composing = false;
      const waiting = [...afterComposition];
      afterComposition.clear();
      setTimeout(() => waiting.forEach((flush) => flush()), 0);
    },
    true,
  );
}

function isConnected(connection) {
  return connection === "online" || connection === "back";
}

function freshSync(server) {
  return {
    base: server.revision, // the revision the edits below are made on
    baseDocument: server.document,
    dirty: false, // document edits not yet sent
    edits: 0, // document edits not yet confirmed (sent or not)
    name: null, // { value, from }: a rename not yet confirmed, made on the name `from`
    inflight: null, // { seq, kind: "document" | "name", ... }: sent, not yet answered
    conflict: null, // { document, baseDocument, edits, name }: refused, kept aside
    // Numbered from the clock, not 0: a page mounted again (after a reconnect) must not reuse
    // the numbers of the page before it, whose late answers may still arrive.
    seq: Date.now(),
    timer: null,
    nameTimer: null,
    session: server.session,
    // The connection dropped and this page has not yet heard from the new one: nothing is sent
    // until it has (what the new server holds is checked first, and the old page's handlers
    // would reach it unchecked).
    reconnecting: false,
    refused: false, // the server refused the last save (not a conflict): not saved
    gone: false, // unmounted: its timers must neither send nor overwrite what is kept
  };
}

export function useDraft(server, onCommand) {
  const store = useRef(null);
  const sync = useRef(null);
  if (store.current === null) {
    sync.current = freshSync(server);
    store.current = fromDocument(server.document);
    const kept = restored(server, sync.current);
    if (kept) store.current = fromDocument(kept);
  }
  const [, rerender] = useReducer((n) => n + 1, 0);
  const history = useRef({ past: [], future: [], burst: null });
  const send = useRef(onCommand);
  send.current = onCommand;
  const place = placeOf(server);

  const flush = useCallback(() => {
    const s = sync.current;
    clearTimeout(s.timer);
    if (s.gone) return; // unmounted (the page mounted again after a reconnect): not ours
    if (composing) {
      afterComposition.add(flush);
      return;
    }
    if (!isConnected(currentConnection()) && !s.reconnecting) {
      s.reconnecting = true;
      s.closedAt = socketsClosed();
    }
    // Back on the same socket (the network blinked, the socket never closed): nothing was
    // lost, so nothing waits for a new connection's state.
    if (s.reconnecting && isConnected(currentConnection()) && socketsClosed() === s.closedAt)
      s.reconnecting = false;
    const ready = isConnected(currentConnection()) && !s.reconnecting;
    if (s.inflight === null && !s.conflict && ready) {
      if (s.dirty) {
        s.dirty = false;
        s.seq += 1;
        const document = toDocument(store.current);
        s.inflight = { seq: s.seq, kind: "document", document, edits: s.edits };
        send.current(JSON.stringify({ op: "save", seq: s.seq, revision: s.base, document }));
      } else if (s.name) {
        s.seq += 1;
        s.inflight = { seq: s.seq, kind: "name", value: s.name.value };
        const { value, from } = s.name;
        send.current(JSON.stringify({ op: "rename", seq: s.seq, name: value, was: from }));
      }
    }
    keep(place, s, store.current);
    rerender();
  }, [place]);

  // Local-only changes (selection, dragging, measured sizes): drawn, not saved.
  const change = useCallback((update) => {
    store.current = update(store.current);
    rerender();
  }, []);

  // A committed change: drawn, remembered for undo, and saved (after `delay` ms of quiet).
  const commit = useCallback(
    (update, { delay = 0, burst = null } = {}) => {
      const h = history.current;
      const s = sync.current;
      const now = Date.now();
      if (!(burst && h.burst && h.burst.key === burst && now - h.burst.at < 1500)) {
        h.past.push(toDocument(store.current));
        if (h.past.length > HISTORY_LIMIT) h.past.shift();
        h.future = [];
        s.edits += 1;
      }
      h.burst = burst ? { key: burst, at: now } : null;
      store.current = update(store.current);
      s.dirty = true;
      keep(place, s, store.current);
      rerender();
      clearTimeout(s.timer);
      s.timer = setTimeout(flush, delay);
    },
    [flush, place],
  );

  // The journey's new name: saved after a pause in typing, or at once (`now`: Enter, leaving).
  const rename = useCallback(
    (value, { now = false } = {}) => {
      const s = sync.current;
      const name = value.trim();
      if (!name) return;
      if (!s.name) s.name = { value: name, from: server.journey.name };
      else s.name.value = name;
      if (name === s.name.from && s.inflight?.kind !== "name") s.name = null;
      keep(place, s, store.current);
      rerender();
      clearTimeout(s.nameTimer);
      s.nameTimer = setTimeout(flush, now ? 0 : NAME_DELAY_MS);
    },
    [flush, place, server.journey.name],
  );

  const travel = useCallback(
    (from, to) => {
      const h = history.current;
      const target = h[from].pop();
      if (!target) return;
      h[to].push(toDocument(store.current));
      h.burst = null;
      store.current = fromDocument(target, store.current);
      sync.current.dirty = true;
      sync.current.edits += 1;
      rerender();
      flush();
    },
    [flush],
  );
  const undo = useCallback(() => travel("past", "future"), [travel]);
  const redo = useCallback(() => travel("future", "past"), [travel]);

  // The edits the server refused, onto the draft as it is now (they are saved as new edits).
  const reapply = useCallback(() => {
    const s = sync.current;
    const kept = s.conflict;
    if (!kept) return;
    s.conflict = null;
    if (kept.document) {
      const merged = reapplied(kept.baseDocument, kept.document, toDocument(store.current));
      history.current.past.push(toDocument(store.current));
      store.current = fromDocument(merged, store.current);
      s.dirty = true;
      s.edits += kept.edits || 1;
    }
    if (kept.name) s.name = { value: kept.name.value, from: server.journey.name };
    flush();
  }, [flush, server.journey.name]);

  const discard = useCallback(() => {
    sync.current.conflict = null;
    keep(place, sync.current, store.current);
    rerender();
  }, [place]);

  // The server's answer to what is in flight, or a newer draft from elsewhere.
  useEffect(() => {
    const s = sync.current;
    if (server.session !== s.session) {
      // A new connection: the answer to what was in flight went with the old one; the document
      // is sent again (the server takes a save it already has as done), a rename stays pending.
      s.session = server.session;
      s.reconnecting = false;
      if (s.inflight?.kind === "document") s.dirty = true;
      s.inflight = null;
    }
    if (s.inflight !== null && server.ack >= s.inflight.seq) answered(s, server);
    // Revisions only grow: an older one is a late answer from before our save, not news.
    if (server.revision > s.base && s.inflight?.kind !== "document") {
      if (s.dirty) setAside(s, { document: toDocument(store.current) });
      else if (!s.conflict) history.current = { past: [], future: [], burst: null };
      store.current = fromDocument(server.document, store.current);
      s.base = server.revision;
      s.baseDocument = server.document;
    }
    if (s.name && s.inflight?.kind !== "name") {
      const theirs = server.journey.name;
      if (theirs === s.name.value) s.name = null;
      else if (theirs !== s.name.from) setAside(s, { name: s.name });
    }
    flush();
  }, [server, flush]);

  useEffect(() => onConnection(flush), [flush]);
  useEffect(
    () => () => {
      const s = sync.current;
      s.gone = true;
      clearTimeout(s.timer);
      clearTimeout(s.nameTimer);
    },
    [],
  );

  const s = sync.current;
  const waiting =
    (s.dirty || s.inflight?.kind === "document" ? Math.max(s.edits, 1) : 0) + (s.name ? 1 : 0);
  let status = "saved";
  if (s.conflict) status = "conflict";
  else if (waiting) status = isConnected(currentConnection()) ? "saving" : "offline";
  else if (s.refused) status = "refused";
  return {
    store: store.current,
    change,
    commit,
    flush,
    rename,
    undo,
    redo,
    reapply,
    discard,
    status,
    waiting,
    conflict: s.conflict,
    name: s.name?.value ?? null,
    savedName: server.journey.name,
    canUndo: history.current.past.length > 0,
    canRedo: history.current.future.length > 0,
  };
}

// What the server said to the command in flight: a save stored as ours, or refused because
// the draft had changed (the edits are set aside); a rename done.
function answered(s, server) {
  const done = s.inflight;
  s.inflight = null;
  if (done.kind === "name") {
    if (!s.name) return;
    if (server.journey.name !== done.value) {
      setAside(s, { name: s.name }); // refused: renamed elsewhere meanwhile, or not a name
      return;
    }
    s.name.from = done.value;
    if (s.name.value === done.value) s.name = null;
    return;
  }
  if (server.saved && server.saved.seq === done.seq) {
    s.base = server.saved.revision;
    s.baseDocument = done.document;
    s.edits = Math.max(0, s.edits - done.edits);
    s.refused = false;
  } else if (server.revision > s.base) {
    s.dirty = true; // refused, the draft changed elsewhere: set aside below with what came since
  } else {
    // Refused for what it is (the server's notice says why): kept on the canvas, not sent
    // again until the next edit, and not called saved.
    s.refused = true;
  }
}

// Unsent edits the draft moved on from: kept aside for the person to re-apply or discard.
function setAside(s, { document = null, name = null }) {
  const kept = s.conflict || { document: null, baseDocument: s.baseDocument, edits: 0, name: null };
  if (document) {
    kept.document = document;
    kept.baseDocument = s.baseDocument;
    kept.edits += Math.max(s.edits, 1);
    s.dirty = false;
    s.edits = 0;
  }
  if (name) {
    kept.name = name;
    s.name = null;
  }
  s.conflict = kept;
}

// --- what is not yet saved, kept in localStorage until the server confirms it ------------------

// Kept per person and journey: on a shared browser, the next person never sends the edits
// someone else left unsaved (the audit trail would name the wrong person).
function placeOf(server) {
  return `${server.me ?? "anyone"}.${server.journey.id}`;
}

function keyOf(place) {
  return `wayline.unsaved.${place}`;
}

function keep(place, s, store) {
  const unsent = s.dirty || s.inflight?.kind === "document";
  try {
    if (!unsent && !s.name && !s.conflict) {
      window.localStorage.removeItem(keyOf(place));
      return;
    }
    const kept = {
      base: s.base,
      baseDocument: s.baseDocument,
      document: unsent ? toDocument(store) : null,
      edits: s.edits,
      name: s.name,
      conflict: s.conflict,
    };
    window.localStorage.setItem(keyOf(place), JSON.stringify(kept));
  } catch {
    // storage unavailable or full: the edits are still sent, just not kept
  }
}

// Edits kept by an earlier page of this journey and never confirmed: sent again if made on the
// revision the server still has, set aside as a conflict if the draft moved on. Returns the
// document to draw (or null for the server's).
function restored(server, s) {
  let kept = null;
  try {
    kept = JSON.parse(window.localStorage.getItem(keyOf(placeOf(server))) || "null");
  } catch {
    return null; // unreadable or no storage: nothing to restore
  }
  if (!kept) return null;
  s.conflict = kept.conflict || null;
  let document = null;
  if (kept.document && JSON.stringify(kept.document) !== JSON.stringify(server.document)) {
    if (kept.base === server.revision) {
      document = kept.document;
      s.dirty = true;
      s.edits = kept.edits || 1;
    } else {
      s.baseDocument = kept.baseDocument;
      s.edits = kept.edits || 1;
      setAside(s, { document: kept.document });
      s.baseDocument = server.document;
    }
  }
  if (kept.name && kept.name.value !== server.journey.name) {
    if (kept.name.from === server.journey.name) s.name = kept.name;
    else setAside(s, { name: kept.name });
  }
  return document;
}
