// Where steps go. "Tidy up": lay the journey out top to bottom, each step one row below the
// step before it, branches side by side in their ports' order (the order of their handles,
// left to right), so wires never cross. A step added from the palette or the keyboard goes to
// the next free spot (below the selected step, else the middle of the view), never on another.
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

// A new step's box: its width, a typical height, and the gap kept around it.
const BOX = { width: 220, height: 120, gap: 30 };

// The point (`at` as newStep reads it: the box's top centre, 30 px below) where a new step
// overlaps no step in `nodes`: `at` itself, else the next free spot one row further down.
export function freeSpot(nodes, at) {
  const spot = { ...at };
  const overlaps = (node) => {
    const left = spot.x - BOX.width / 2;
    const top = spot.y - 30;
    const width = node.measured?.width ?? node.width ?? BOX.width;
    const height = node.measured?.height ?? node.height ?? BOX.height;
    return (
      left < node.position.x + width + BOX.gap &&
      node.position.x < left + BOX.width + BOX.gap &&
      top < node.position.y + height + BOX.gap &&
      node.position.y < top + BOX.height + BOX.gap
    );
  };
  for (let tries = 0; tries < 200 && nodes.some(overlaps); tries += 1) spot.y += 40;
  return spot;
}

// Where a step added without a place goes: below the selected step, else at `centre`.
export function addSpot(nodes, centre) {
  const chosen = nodes.filter((node) => node.selected);
  const below = chosen.length
    ? chosen.reduce((low, node) => (node.position.y > low.position.y ? node : low))
    : null;
  const at = below
    ? {
        x: below.position.x + (below.measured?.width ?? BOX.width) / 2,
        y: below.position.y + (below.measured?.height ?? BOX.height) + 70,
      }
    : centre;
  return freeSpot(nodes, at);
}
