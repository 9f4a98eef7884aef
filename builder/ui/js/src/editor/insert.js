// Inserting a step on a wire: the pure store change behind the "+" at a wire's middle. The new
// step takes the place of the wire's target, which moves down a row with every step at or
// below it, so nothing overlaps; the wire becomes two (source → new step → old target).
import { newId } from "./draft.js";

// How far steps at and below the insertion move down: a step's height and a wire's length.
export const INSERT_ROW = 190;

// The store with `node` put on wire `edgeId`, leaving by its first output `port` (null: none).
export function withStepOnWire(store, edgeId, node, port) {
  const wire = store.edges.find((edge) => edge.id === edgeId);
  const target = wire && store.nodes.find((n) => n.id === wire.target);
  if (!target) return store;
  const top = target.position.y;
  const placed = {
    ...node,
    position: { x: target.position.x, y: top },
    selected: true,
  };
  const nodes = store.nodes.map((n) => {
    const moved =
      n.position.y >= top - 1
        ? { ...n, position: { ...n.position, y: n.position.y + INSERT_ROW } }
        : n;
    return moved.selected ? { ...moved, selected: false } : moved;
  });
  const edges = store.edges.filter((edge) => edge.id !== edgeId);
  edges.push({
    id: newId("e"),
    source: wire.source,
    sourceHandle: wire.sourceHandle,
    target: node.id,
  });
  if (port)
    edges.push({ id: newId("e"), source: node.id, sourceHandle: port, target: wire.target });
  return { ...store, nodes: [...nodes, placed], edges };
}

// Whether a step of `kind` can go on a wire: it is entered from a step and leads on.
export function fitsOnWire(kind) {
  return !kind.entry && (kind.ports || []).length > 0;
}
