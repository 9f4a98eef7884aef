// The draft in the browser: React Flow's nodes and edges plus the journey settings, undo/redo,
// and saving. Only committed changes are saved (drop, connect, move end, delete, form edits),
// one save in flight at a time, each made on the revision the server last confirmed.
// A change not yet confirmed is also kept in sessionStorage until it is: if the connection
// drops (a new server `session` arrives after the reconnect) or the page is reloaded, it is
// sent again rather than lost; the server treats a save it already has as done.
import { useCallback, useEffect, useReducer, useRef } from "react";
import { notesFromDocument, notesToDocument } from "./notes.js";

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

export function useDraft(server, onCommand) {
  const store = useRef(null);
  const sync = useRef(null);
  if (store.current === null) {
    const kept = keptChange(server);
    store.current = fromDocument(kept || server.document);
    sync.current = {
      base: server.revision,
      inflight: null,
      dirty: !!kept,
      seq: 0,
      timer: null,
      session: server.session,
    };
  }
  const [, rerender] = useReducer((n) => n + 1, 0);
  const history = useRef({ past: [], future: [], burst: null });
  const send = useRef(onCommand);
  send.current = onCommand;

  const flush = useCallback(() => {
    const s = sync.current;
    clearTimeout(s.timer);
    if (s.inflight !== null || !s.dirty) return;
    s.dirty = false;
    s.seq += 1;
    s.inflight = s.seq;
    rerender();
    const document = toDocument(store.current);
    keep(server.journey.id, s.base, document);
    send.current(JSON.stringify({ op: "save", seq: s.seq, revision: s.base, document }));
  }, []);

  // Local-only changes (selection, dragging, measured sizes): drawn, not saved.
  const change = useCallback((update) => {
    store.current = update(store.current);
    rerender();
  }, []);

  // A committed change: drawn, remembered for undo, and saved (after `delay` ms of quiet).
  const commit = useCallback(
    (update, { delay = 0, burst = null } = {}) => {
      const h = history.current;
      const now = Date.now();
      if (!(burst && h.burst && h.burst.key === burst && now - h.burst.at < 1500)) {
        h.past.push(toDocument(store.current));
        if (h.past.length > HISTORY_LIMIT) h.past.shift();
        h.future = [];
      }
      h.burst = burst ? { key: burst, at: now } : null;
      store.current = update(store.current);
      sync.current.dirty = true;
      rerender();
      clearTimeout(sync.current.timer);
      sync.current.timer = setTimeout(flush, delay);
    },
    [flush],
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
      rerender();
      flush();
    },
    [flush],
  );
  const undo = useCallback(() => travel("past", "future"), [travel]);
  const redo = useCallback(() => travel("future", "past"), [travel]);

  // The server's answer: our save confirmed, or a newer draft from elsewhere to adopt.
  useEffect(() => {
    const s = sync.current;
    if (server.session !== s.session) {
      // A new connection: the answer to a save in flight went with the old one; send it again.
      s.session = server.session;
      if (s.inflight !== null) {
        s.inflight = null;
        s.dirty = true;
      }
    }
    if (s.inflight !== null && server.ack >= s.inflight) s.inflight = null;
    if (server.revision !== s.base) {
      const ours =
        server.saved &&
        server.saved.seq === server.ack &&
        server.saved.revision === server.revision &&
        server.ack === s.seq;
      if (!ours) {
        store.current = fromDocument(server.document, store.current);
        s.dirty = false;
        history.current = { past: [], future: [], burst: null };
      }
      s.base = server.revision;
    }
    rerender();
    if (s.inflight === null && s.dirty) flush();
    else if (s.inflight === null) forget(server.journey.id);
  }, [server]);

  const status = sync.current.inflight !== null || sync.current.dirty ? "saving" : "saved";
  return {
    store: store.current,
    change,
    commit,
    flush,
    undo,
    redo,
    status,
    canUndo: history.current.past.length > 0,
    canRedo: history.current.future.length > 0,
  };
}

// --- the unconfirmed change, kept per tab until the server confirms it -------------------------

function keyOf(journeyId) {
  return `wayline.unsaved.${journeyId}`;
}

function keep(journeyId, base, document) {
  try {
    window.sessionStorage.setItem(keyOf(journeyId), JSON.stringify({ base, document }));
  } catch {
    // storage unavailable or full: the change is still sent, just not kept
  }
}

function forget(journeyId) {
  try {
    window.sessionStorage.removeItem(keyOf(journeyId));
  } catch {
    // nothing kept
  }
}

// A change this tab made on the revision the server still has, and never saw confirmed.
function keptChange(server) {
  try {
    const kept = JSON.parse(window.sessionStorage.getItem(keyOf(server.journey.id)) || "null");
    if (
      kept &&
      kept.base === server.revision &&
      JSON.stringify(kept.document) !== JSON.stringify(server.document)
    )
      return kept.document;
  } catch {
    // unreadable: nothing to restore
  }
  forget(server.journey.id);
  return null;
}
