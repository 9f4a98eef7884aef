// What the editor does to steps, for the palette, the inspector, the keyboard and the canvas:
// add (in a free spot), select (and centre on), change, paste, duplicate and delete. Each
// commits one change.
import { useCallback } from "react";
import { copySelection, pasteInto } from "./clipboard.js";
import { addSpot } from "./layout.js";
import {
  NODE_WIDTH,
  newStep,
  withOnlySelected,
  withStep,
  withStepChanged,
  withoutSteps,
} from "./edits.js";

export function useStepActions({ kinds, draft, flow, wrapper }) {
  const { store, change, commit } = draft;
  const addNode = useCallback(
    (kindKey, position) => {
      let at = position;
      commit((s) => {
        at = position || addSpot(s.nodes, centre(flow, wrapper.current));
        return withStep(s, newStep(kindKey, kinds[kindKey], at));
      });
      if (!position) keepInView(flow, wrapper.current, at);
    },
    [kinds, flow, commit, wrapper],
  );
  const onDelete = useCallback(
    ({ nodes, edges }) => commit((s) => withoutSteps(s, nodes, edges)),
    [commit],
  );
  const select = useCallback(
    (nodeId) => {
      change((s) => withOnlySelected(s, nodeId));
      const node = store.nodes.find((n) => n.id === nodeId);
      if (node)
        flow.setCenter(node.position.x + NODE_WIDTH / 2, node.position.y + 50, {
          zoom: Math.max(flow.getZoom(), 0.9),
          duration: 300,
        });
    },
    [change, flow, store.nodes],
  );
  // Typing in a form commits once it pauses; `burst` keeps one field's typing one undo step.
  const setNode = (id, update, burst) =>
    commit((s) => withStepChanged(s, id, update), { delay: 350, burst });
  // Pastes steps (and the wires between them) as new steps, selected, offset from the copies.
  const paste = useCallback((clip) => commit((s) => pasteInto(s, clip)), [commit]);
  const duplicate = (nodes) =>
    paste(
      copySelection({ nodes: nodes.map((n) => ({ ...n, selected: true })), edges: store.edges }),
    );
  return { addNode, onDelete, select, setNode, paste, duplicate };
}

// Pans (at the same zoom) so a step added at `at` out of sight comes into view.
function keepInView(flow, element, at) {
  const box = element?.getBoundingClientRect();
  if (!box) return;
  const zoom = flow.getZoom();
  const top = flow.flowToScreenPosition({ x: at.x, y: at.y - 30 });
  const seen =
    top.x - 110 * zoom >= box.left &&
    top.x + 110 * zoom <= box.right &&
    top.y >= box.top &&
    top.y + 130 * zoom <= box.bottom;
  if (!seen) flow.setCenter(at.x, at.y + 40, { zoom, duration: 200 });
}

// Where a step added from the palette goes: the middle of the canvas, a third of the way down.
function centre(flow, element) {
  const box = element?.getBoundingClientRect();
  if (!box) return { x: 0, y: 0 };
  return flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 3 });
}
