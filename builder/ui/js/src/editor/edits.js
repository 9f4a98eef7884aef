// How the canvas's edits change the working copy: pure functions from one store (nodes, edges,
// settings) to the next, so the editor's hooks only wire them to React Flow and the keyboard.
import { newId } from "./draft.js";

export const NODE_WIDTH = 220;

// A new step of `kind`, selected, its top centre a little above `at`.
export function newStep(kindKey, kind, at) {
  return {
    id: newId("n"),
    type: kindKey,
    position: { x: Math.round(at.x - NODE_WIDTH / 2), y: Math.round(at.y - 30) },
    data: { label: "", config: structuredClone(kind.starter) },
    selected: true,
  };
}

// Adds `node` as the only selected step.
export function withStep(store, node) {
  return { ...store, nodes: [...store.nodes.map((n) => ({ ...n, selected: false })), node] };
}

// Removes the steps and wires given, and every wire into or out of a removed step.
export function withoutSteps(store, nodes, edges) {
  const nodeIds = new Set(nodes.map((n) => n.id));
  const edgeIds = new Set(edges.map((e) => e.id));
  return {
    ...store,
    nodes: store.nodes.filter((n) => !nodeIds.has(n.id)),
    edges: store.edges.filter(
      (e) => !edgeIds.has(e.id) && !nodeIds.has(e.source) && !nodeIds.has(e.target),
    ),
  };
}

// Wires `connection` up as edge `id`; a port has one wire, so it replaces the port's old one.
export function withWire(store, connection, id) {
  const port = connection.sourceHandle || null;
  return {
    ...store,
    edges: [
      ...store.edges.filter(
        (e) => !(e.source === connection.source && (e.sourceHandle || null) === port),
      ),
      {
        id,
        source: connection.source,
        sourceHandle: connection.sourceHandle || undefined,
        target: connection.target,
      },
    ],
  };
}

// Selects step `nodeId` alone (none when null), and no wire.
export function withOnlySelected(store, nodeId) {
  return {
    ...store,
    nodes: store.nodes.map((n) => ({ ...n, selected: n.id === nodeId })),
    edges: store.edges.map((e) => ({ ...e, selected: false })),
  };
}

// Step `id` replaced by `update(step)`.
export function withStepChanged(store, id, update) {
  return { ...store, nodes: store.nodes.map((n) => (n.id === id ? update(n) : n)) };
}

// A wire may not loop back to its own step, nor lead into an entry.
export function isValidWire(connection, kinds, nodesById) {
  return (
    connection.source !== connection.target && !kinds[nodesById[connection.target]?.type]?.entry
  );
}

export function groupBy(items, key) {
  const groups = {};
  for (const item of items) if (item[key]) (groups[item[key]] ||= []).push(item);
  return groups;
}

// --- edits that could not be saved (the draft changed elsewhere meanwhile) ---------------------

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function byId(items) {
  return new Map((items || []).map((item) => [item.id, item]));
}

// `theirs` with what `mine` changed since `base` applied again, item by item: the steps and
// wires I added, changed or removed, and the settings if I changed them. What they changed and
// I did not stays theirs; where we both changed a step, mine wins (the person chose to re-apply).
function mergedById(base, mine, theirs) {
  const was = byId(base);
  const now = byId(mine);
  const out = (theirs || []).filter((item) => !(was.has(item.id) && !now.has(item.id)));
  const at = new Map(out.map((item, index) => [item.id, index]));
  for (const item of mine || []) {
    const before = was.get(item.id);
    if (before && same(before, item)) continue;
    if (at.has(item.id)) out[at.get(item.id)] = item;
    else out.push(item);
  }
  return out;
}

export function reapplied(base, mine, theirs) {
  const nodes = mergedById(base.nodes, mine.nodes, theirs.nodes);
  const ids = new Set(nodes.map((node) => node.id));
  const edges = mergedById(base.edges, mine.edges, theirs.edges).filter(
    (edge) => ids.has(edge.source) && ids.has(edge.target),
  );
  const settings = same(base.settings, mine.settings) ? theirs.settings : mine.settings;
  const notes = mergedById(base.notes, mine.notes, theirs.notes);
  return { nodes, edges, settings, notes };
}

// What `mine` changed since `base`, for a person to read: [{ change, what, label }], change is
// added | removed | moved | changed, what is step | wire | settings; a step unnamed is called
// by `kindLabel(its kind)`.
export function changesSince(base, mine, kindLabel = (type) => type) {
  const out = [];
  const was = byId(base.nodes);
  const now = byId(mine.nodes);
  const label = (node) => node.data?.label || kindLabel(node.type);
  for (const node of mine.nodes || []) {
    const before = was.get(node.id);
    if (!before) out.push({ change: "added", what: "step", label: label(node) });
    else if (!same(before, node)) {
      const moved = same({ ...before, position: node.position }, node);
      out.push({ change: moved ? "moved" : "changed", what: "step", label: label(node) });
    }
  }
  for (const node of base.nodes || [])
    if (!now.has(node.id)) out.push({ change: "removed", what: "step", label: label(node) });
  const wasWires = byId(base.edges);
  const nowWires = byId(mine.edges);
  const wireLabel = (edge) =>
    `${label(now.get(edge.source) || was.get(edge.source) || { type: edge.source })} → ${label(
      now.get(edge.target) || was.get(edge.target) || { type: edge.target },
    )}`;
  for (const edge of mine.edges || [])
    if (!wasWires.has(edge.id)) out.push({ change: "added", what: "wire", label: wireLabel(edge) });
  for (const edge of base.edges || [])
    if (!nowWires.has(edge.id))
      out.push({ change: "removed", what: "wire", label: wireLabel(edge) });
  if (!same(base.settings, mine.settings))
    out.push({ change: "changed", what: "settings", label: "" });
  if (!same(base.notes || [], mine.notes || []))
    out.push({ change: "changed", what: "notes", label: "" });
  return out;
}
