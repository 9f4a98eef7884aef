// The canvas itself: React Flow drawing the working copy, taking drops from the palette, and
// turning React Flow's changes into the draft's (moves and selections as they happen; removals
// through `onDelete`, so a step's wires go with it).
import { useCallback, useMemo, useState } from "react";
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
} from "@xyflow/react";
import { newId } from "./draft.js";
import { isValidWire, withWire } from "./edits.js";
import { JourneyEdge, JourneyNode } from "./graph.jsx";
import { DRAG_TYPE } from "./panels.jsx";
import { withEdgeType } from "./views.js";

const EDGE_TYPES = { journey: JourneyEdge };
// Props handed to React Flow keep their identity between renders (a new array or function
// makes it update its store and redraw).
const FIT_VIEW_OPTIONS = { padding: 0.3, maxZoom: 1 };
/** @type {[number, number]} */
const SNAP_GRID = [10, 10];
const MULTI_SELECT_KEYS = ["Meta", "Control", "Shift"];
const DELETE_KEYS = ["Backspace", "Delete"];
const DEFAULT_EDGE_OPTIONS = { type: "journey" };
const PRO_OPTIONS = { hideAttribution: true };
// Above this many steps the canvas draws only the steps and wires in view.
const LARGE_JOURNEY = 120;

export function FlowArea(props) {
  const { catalogue, kinds, draft, steps, readOnly, locked, wrapper, onLeavePreview } = props;
  const { store } = draft;
  // Fit the view to the journey when it opens; an empty canvas keeps its zoom as steps arrive.
  const [fitOnOpen] = useState(() => store.nodes.length > 0);
  const nodeTypes = useMemo(
    () => Object.fromEntries(catalogue.kinds.map((kind) => [kind.key, JourneyNode])),
    [catalogue],
  );
  const edges = useMemo(() => withEdgeType(store.edges, "journey"), [store.edges]);
  const minimapColor = useCallback((node) => kinds[node.type]?.color || "#94a3b8", [kinds]);
  const handlers = useFlowHandlers({ kinds, draft, steps, readOnly, onLeavePreview });
  return (
    <div
      className="wl-canvas"
      ref={wrapper}
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = "move";
      }}
      onDrop={handlers.onDrop}
    >
      <ReactFlow
        nodes={store.nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={EDGE_TYPES}
        onNodesChange={handlers.onNodesChange}
        onEdgesChange={handlers.onEdgesChange}
        onDelete={steps.onDelete}
        onConnect={handlers.onConnect}
        onNodeDragStop={handlers.onNodeDragStop}
        isValidConnection={handlers.isValidConnection}
        onNodeDoubleClick={handlers.onNodeDoubleClick}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        elementsSelectable
        deleteKeyCode={readOnly ? null : DELETE_KEYS}
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        fitView={fitOnOpen}
        fitViewOptions={FIT_VIEW_OPTIONS}
        minZoom={0.1}
        maxZoom={2}
        defaultEdgeOptions={DEFAULT_EDGE_OPTIONS}
        proOptions={PRO_OPTIONS}
        snapToGrid
        snapGrid={SNAP_GRID}
        onlyRenderVisibleElements={store.nodes.length > LARGE_JOURNEY}
      >
        <Background gap={20} size={1.2} color="#cbd5e1" />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={3} />
      </ReactFlow>
      {store.nodes.length === 0 ? (
        <div className="wl-canvas-empty">
          {locked
            ? "This journey has no steps yet."
            : "Drag an entry from the left to start: who enters this journey?"}
        </div>
      ) : null}
    </div>
  );
}

const kept = (changes) => changes.filter((c) => c.type !== "remove");

// React Flow's callbacks. Removals are left to `onDelete` (one commit for a step and its wires).
function useFlowHandlers({ kinds, draft, steps, readOnly, onLeavePreview }) {
  const { store, change, commit } = draft;
  const { addNode, select } = steps;
  const flow = useReactFlow();
  const nodesById = useMemo(
    () => Object.fromEntries(store.nodes.map((node) => [node.id, node])),
    [store.nodes],
  );
  const onNodesChange = useCallback(
    (changes) => change((s) => ({ ...s, nodes: applyNodeChanges(kept(changes), s.nodes) })),
    [change],
  );
  const onEdgesChange = useCallback(
    (changes) => change((s) => ({ ...s, edges: applyEdgeChanges(kept(changes), s.edges) })),
    [change],
  );
  const onConnect = useCallback(
    (connection) => commit((s) => withWire(s, connection, newId("e"))),
    [commit],
  );
  const onNodeDragStop = useCallback(() => commit((s) => s), [commit]);
  const isValidConnection = useCallback(
    (c) => isValidWire(c, kinds, nodesById),
    [kinds, nodesById],
  );
  const onDrop = useCallback(
    (event) => {
      event.preventDefault();
      const key = event.dataTransfer.getData(DRAG_TYPE);
      if (!key || !kinds[key] || readOnly) return;
      addNode(key, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
    },
    [addNode, flow, kinds, readOnly],
  );
  // Double-clicking a step while previewing leaves the preview for that step's form.
  const onNodeDoubleClick = useCallback(
    (_event, node) => {
      onLeavePreview();
      select(node.id);
    },
    [onLeavePreview, select],
  );
  return {
    onNodesChange,
    onEdgesChange,
    onConnect,
    onNodeDragStop,
    isValidConnection,
    onDrop,
    onNodeDoubleClick,
  };
}
