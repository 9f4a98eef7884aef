// Steps and wires re-render only when what they show changes.
//
// The editor's context (kinds, issues, ports, live counts, previews, pickers) is rebuilt on every
// answer from the server, and every consumer of a React context re-renders when it changes: on a
// 300-step journey that was every step and every wire on each save, ~100 ms a time. Steps and
// wires read the context through `useStepContext(id)` / `useWireContext(id, source)` instead:
// they get the same context object, but re-render only when their own slice of a per-step part
// (their issues, ports, counts, preview and comparison marks) or a shared part they read has changed.
import {
  createContext,
  useContext,
  useLayoutEffect,
  useMemo,
  useRef,
  useSyncExternalStore,
} from "react";

export const ViewsContext = createContext(null);

const ignored = () => null;

// How one step takes its slice of each per-step part of the context.
const STEP_SLICES = {
  issuesByNode: (value, id) => value?.[id],
  ports: (value, id) => value?.[id],
  live: (value, id) => value?.[id],
  edgeCounts: ignored,
  edgeLifts: ignored,
  path: (value, id) => (value ? [true, value.nodes?.[id]] : null),
  dry: (value, id) => (value ? [true, value.nodes?.[id]] : null),
  highlight: (value, id) => (value ? [true, value.has?.(id)] : null),
  pausedSteps: (value, id) => (value ? [true, value.has?.(id)] : null),
  diff: (value, id) => value?.nodes?.[id],
};

// How one wire takes its slice ({id, source}); wires show no step issues or step counts.
const WIRE_SLICES = {
  issuesByNode: ignored,
  live: ignored,
  ports: (value, wire) => value?.[wire.source],
  edgeCounts: (value, wire) => value?.[wire.id],
  edgeLifts: (value, wire) => value?.[wire.id],
  path: (value, wire) => (value ? [true, value.edges?.has?.(wire.id)] : null),
  dry: (value, wire) => (value ? [true, value.edges?.[wire.id]] : null),
  highlight: ignored,
  pausedSteps: ignored,
  diff: (value, wire) => value?.edges?.[wire.id],
};

// Shared parts compared by content (they arrive as new arrays with every server answer); any
// other shared part counts as changed when it is a different object.
const BY_CONTENT = new Set(["segments", "templates", "references"]);

function createViews() {
  const listeners = new Set();
  const views = {
    ctx: null,
    versions: {}, // per context key: bumped when that part changed
    seen: {},
    set(ctx) {
      for (const [key, value] of Object.entries(ctx)) {
        const before = views.seen[key];
        const same =
          before !== undefined &&
          (before.value === value ||
            (BY_CONTENT.has(key) && before.text === JSON.stringify(value)));
        if (!same) {
          views.versions[key] = (views.versions[key] || 0) + 1;
          views.seen[key] = { value, text: BY_CONTENT.has(key) ? JSON.stringify(value) : null };
        }
      }
      views.ctx = ctx;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notify() {
      for (const listener of listeners) listener();
    },
  };
  return views;
}

// For the editor: the views store over `ctx`; put it in ViewsContext around the canvas.
export function useViews(ctx) {
  const views = useMemo(createViews, []);
  if (views.ctx !== ctx) views.set(ctx); // steps rendering now read the new context
  useLayoutEffect(() => views.notify(), [views, ctx]); // the others check theirs before paint
  return views;
}

function fingerprint(views, slices, subject) {
  const ctx = views.ctx;
  return JSON.stringify(
    Object.keys(ctx).map((key) =>
      slices[key] ? (slices[key](ctx[key], subject) ?? null) : views.versions[key],
    ),
  );
}

function useSlicedContext(slices, subject, key) {
  const views = useContext(ViewsContext);
  const cache = useRef(null);
  const snapshot = () => {
    const c = cache.current;
    if (c && c.ctx === views.ctx && c.key === key) return c.value;
    const print = fingerprint(views, slices, subject);
    const value = c && c.print === print ? c.value : views.ctx;
    cache.current = { ctx: views.ctx, key, print, value };
    return value;
  };
  return useSyncExternalStore(views.subscribe, snapshot);
}

// The editor context as step `id` needs it.
export function useStepContext(id) {
  return useSlicedContext(STEP_SLICES, id, id);
}

// The editor context as wire `id` (from step `source`) needs it.
export function useWireContext(id, source) {
  return useSlicedContext(WIRE_SLICES, { id, source }, `${id}:${source}`);
}

// React Flow edges with our edge type, the same object for the same edge, so React Flow redraws
// only the wires that changed.
const typed = new WeakMap();

export function withEdgeType(edges, type) {
  return edges.map((edge) => {
    let out = typed.get(edge);
    if (!out || out.type !== type) {
      out = { ...edge, type };
      typed.set(edge, out);
    }
    return out;
  });
}
