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
