// The draft in the browser: React Flow's nodes and edges plus the journey settings, undo/redo,
// and saving. Only committed changes are saved (drop, connect, move end, delete, form edits),
// one save in flight at a time, each made on the revision the server last confirmed.
import { useCallback, useEffect, useReducer, useRef } from "react";

const UI_KEYS = ["selected", "dragging", "measured", "width", "height", "resizing", "positionAbsolute"];
const HISTORY_LIMIT = 100;

// The stored document shape (DESIGN §2): React Flow's, without what only the screen needs.
export function toDocument(store) {
  return {
    nodes: store.nodes.map((node) => {
      const out = { id: node.id, type: node.type, position: { x: Math.round(node.position.x), y: Math.round(node.position.y) }, data: node.data };
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
  };
}

// A stored document as the canvas holds it, keeping selection and sizes of nodes still there.
export function fromDocument(document, previous) {
  const old = new Map((previous?.nodes || []).map((node) => [node.id, node]));
  const oldEdges = new Map((previous?.edges || []).map((edge) => [edge.id, edge]));
  return {
    nodes: (document.nodes || []).map((node) => {
      const kept = old.get(node.id);
      const ui = kept ? Object.fromEntries(UI_KEYS.filter((k) => kept[k] !== undefined).map((k) => [k, kept[k]])) : {};
      return { ...node, data: { label: "", config: {}, ...(node.data || {}) }, ...ui };
    }),
    edges: (document.edges || []).map((edge) => ({ ...edge, selected: oldEdges.get(edge.id)?.selected || false })),
    settings: document.settings || {},
  };
}

export function newId(prefix) {
  return prefix + Math.random().toString(36).slice(2, 9);
}

export function useDraft(server, onCommand) {
  const store = useRef(null);
  if (store.current === null) store.current = fromDocument(server.document);
  const [, rerender] = useReducer((n) => n + 1, 0);
  const sync = useRef({ base: server.revision, inflight: null, dirty: false, seq: 0, timer: null, lost: false });
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
    send.current(JSON.stringify({ op: "save", seq: s.seq, revision: s.base, document: toDocument(store.current) }));
  }, []);

  // Local-only changes (selection, dragging, measured sizes): drawn, not saved.
  const change = useCallback((update) => {
    store.current = update(store.current);
    rerender();
  }, []);

  // A committed change: drawn, remembered for undo, and saved (after `delay` ms of quiet).
  const commit = useCallback((update, { delay = 0, burst = null } = {}) => {
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
  }, [flush]);

  const travel = useCallback((from, to) => {
    const h = history.current;
    const target = h[from].pop();
    if (!target) return;
    h[to].push(toDocument(store.current));
    h.burst = null;
    store.current = fromDocument(target, store.current);
    sync.current.dirty = true;
    rerender();
    flush();
  }, [flush]);
  const undo = useCallback(() => travel("past", "future"), [travel]);
  const redo = useCallback(() => travel("future", "past"), [travel]);

  // The server's answer: our save confirmed, or a newer draft from elsewhere to adopt.
  useEffect(() => {
    const s = sync.current;
    if (s.inflight !== null && server.ack >= s.inflight) s.inflight = null;
    if (server.revision !== s.base) {
      const ours = server.saved && server.saved.seq === server.ack && server.saved.revision === server.revision && server.ack === s.seq;
      if (!ours) {
        store.current = fromDocument(server.document, store.current);
        s.dirty = false;
        history.current = { past: [], future: [], burst: null };
      }
      s.base = server.revision;
    }
    rerender();
    if (s.inflight === null && s.dirty) flush();
  }, [server]);

  const status = sync.current.inflight !== null || sync.current.dirty ? "saving" : "saved";
  return {
    store: store.current, change, commit, flush, undo, redo, status,
    canUndo: history.current.past.length > 0, canRedo: history.current.future.length > 0,
  };
}
