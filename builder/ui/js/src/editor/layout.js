// "Tidy up": lay the journey out top to bottom, each step one row below the step before it,
// branches side by side in their ports' order, so wires never cross a row.
const COLUMN = 270;
const ROW = 190;

export function tidy(nodes, edges, ports) {
  const children = new Map(nodes.map((node) => [node.id, []]));
  const parents = new Map(nodes.map((node) => [node.id, 0]));
  const order = (edge) =>
    (ports[edge.source] || []).findIndex((port) => port.key === (edge.sourceHandle || "next"));
  for (const edge of [...edges].sort((a, b) => order(a) - order(b))) {
    if (!children.has(edge.source) || !children.has(edge.target)) continue;
    children.get(edge.source).push(edge.target);
    parents.set(edge.target, parents.get(edge.target) + 1);
  }
  const placed = new Map();
  let nextColumn = 0;
  // Depth-first from each root: a leaf takes the next free column, a parent sits over its children.
  const place = (id, depth, seen) => {
    if (placed.has(id) || seen.has(id)) return placed.get(id)?.x ?? nextColumn;
    seen.add(id);
    const xs = children
      .get(id)
      .filter((child) => !placed.has(child))
      .map((child) => place(child, depth + 1, seen));
    const x = xs.length ? (Math.min(...xs) + Math.max(...xs)) / 2 : nextColumn++;
    placed.set(id, { x, depth });
    return x;
  };
  const roots = nodes.filter((node) => parents.get(node.id) === 0);
  for (const root of [...roots, ...nodes]) place(root.id, 0, new Set());
  return nodes.map((node) => {
    const spot = placed.get(node.id);
    return { ...node, position: { x: Math.round(spot.x * COLUMN), y: spot.depth * ROW } };
  });
}
