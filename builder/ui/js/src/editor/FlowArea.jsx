// The canvas itself: React Flow drawing the working copy (steps, wires and sticky notes),
// taking drops from the palette, and turning React Flow's changes into the draft's (moves and
// selections as they happen; removals through `onDelete`, so a step's wires go with it).
// The view fits the journey with room left for the minimap (bottom right) and toasts (top), so
// neither ever covers a step; "+" on a wire inserts a step there (insert.js).
import { useCallback, useMemo, useState } from "react";
import {
  Background,
  ControlButton,
  Controls,
  MiniMap,
  ReactFlow,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
} from "@xyflow/react";
import { Keyboard, StickyNote } from "lucide-react";
import { t } from "../i18n.js";
import { newId } from "./draft.js";
import { isValidWire, newStep, withWire, withoutSteps } from "./edits.js";
import { JourneyEdge, JourneyNode, WireToolsContext } from "./graph.jsx";
import { fitsOnWire, withStepOnWire } from "./insert.js";
import { freeSpot } from "./layout.js";
import { NOTE_TYPE, newNote, withNoteData, withoutNotes } from "./notes.js";
import { NoteNode, NotesContext } from "./NoteNode.jsx";
import { DRAG_TYPE } from "./panels.jsx";
import { ShortcutsOverlay, useShortcutsOverlay } from "./Shortcuts.jsx";
import { withEdgeType } from "./views.js";

const EDGE_TYPES = { journey: JourneyEdge };
// Props handed to React Flow keep their identity between renders (a new array or function
// makes it update its store and redraw).
// Fitting leaves the minimap's column (200 px wide, bottom right) and the toasts' strip (top)
// free of steps, and the zoom buttons' (bottom left).
/** @type {import("@xyflow/react").FitViewOptions} */
export const FIT_VIEW_OPTIONS = {
  padding: { top: "76px", right: "232px", bottom: "40px", left: "64px" },
  maxZoom: 1,
};
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
  const [help, setHelp] = useShortcutsOverlay();
  const nodeTypes = useMemo(
    () => ({
      ...Object.fromEntries(catalogue.kinds.map((kind) => [kind.key, JourneyNode])),
      [NOTE_TYPE]: NoteNode,
    }),
    [catalogue],
  );
  const nodes = useMemo(() => withNotes(store.notes, store.nodes), [store.notes, store.nodes]);
  const edges = useMemo(() => withEdgeType(store.edges, "journey"), [store.edges]);
  const minimapColor = useCallback((node) => kinds[node.type]?.color || "#fde68a", [kinds]);
  const handlers = useFlowHandlers({ kinds, draft, steps, readOnly, onLeavePreview });
  const tools = useCanvasTools({ catalogue, kinds, draft, wrapper, readOnly });
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
      <WireToolsContext.Provider value={tools.wires}>
        <NotesContext.Provider value={tools.notes}>
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            edgeTypes={EDGE_TYPES}
            onNodesChange={handlers.onNodesChange}
            onEdgesChange={handlers.onEdgesChange}
            onDelete={handlers.onDelete}
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
            <Controls showInteractive={false} fitViewOptions={FIT_VIEW_OPTIONS}>
              {readOnly ? null : (
                <ControlButton
                  className="wl-control"
                  onClick={tools.addNote}
                  title={t("Add a sticky note")}
                  data-action="add-note"
                >
                  <StickyNote />
                </ControlButton>
              )}
              <ControlButton
                className="wl-control"
                onClick={() => setHelp(true)}
                title={t("Keyboard shortcuts (?)")}
                data-action="shortcuts"
              >
                <Keyboard />
              </ControlButton>
            </Controls>
            <MiniMap pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={3} />
          </ReactFlow>
        </NotesContext.Provider>
      </WireToolsContext.Provider>
      {store.nodes.length === 0 ? (
        <div className="wl-canvas-empty">
          {locked
            ? t("This journey has no steps yet.")
            : t("Drag an entry from the left to start: who enters this journey?")}
        </div>
      ) : null}
      {help ? <ShortcutsOverlay onClose={() => setHelp(false)} /> : null}
    </div>
  );
}

// React Flow's nodes: the sticky notes first (drawn under the steps), then the steps.
const withNotes = (notes, nodes) => (notes?.length ? [...notes, ...nodes] : nodes);

const kept = (changes) => changes.filter((c) => c.type !== "remove");

// React Flow's changes split between the steps and the notes they concern.
function applyChanges(store, changes) {
  const notes = new Set((store.notes || []).map((note) => note.id));
  const forNotes = changes.filter((c) => notes.has(c.id));
  const forSteps = changes.filter((c) => !notes.has(c.id));
  return {
    ...store,
    nodes: forSteps.length ? applyNodeChanges(forSteps, store.nodes) : store.nodes,
    notes: forNotes.length ? applyNodeChanges(forNotes, store.notes) : store.notes,
  };
}

// React Flow's callbacks. Removals are left to `onDelete` (one commit for steps, their wires
// and notes).
function useFlowHandlers({ kinds, draft, steps, readOnly, onLeavePreview }) {
  const { store, change, commit } = draft;
  const { addNode, select } = steps;
  const flow = useReactFlow();
  const nodesById = useMemo(
    () => Object.fromEntries(store.nodes.map((node) => [node.id, node])),
    [store.nodes],
  );
  const onNodesChange = useCallback(
    (changes) => change((s) => applyChanges(s, kept(changes))),
    [change],
  );
  const onEdgesChange = useCallback(
    (changes) => change((s) => ({ ...s, edges: applyEdgeChanges(kept(changes), s.edges) })),
    [change],
  );
  const onDelete = useCallback(
    ({ nodes, edges }) => {
      const notes = new Set(nodes.filter((n) => n.type === NOTE_TYPE).map((n) => n.id));
      const gone = nodes.filter((n) => !notes.has(n.id));
      commit((s) => withoutNotes(withoutSteps(s, gone, edges), notes));
    },
    [commit],
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
      if (node.type === NOTE_TYPE) return;
      onLeavePreview();
      select(node.id);
    },
    [onLeavePreview, select],
  );
  return {
    onNodesChange,
    onEdgesChange,
    onDelete,
    onConnect,
    onNodeDragStop,
    isValidConnection,
    onDrop,
    onNodeDoubleClick,
  };
}

// What wires and notes can do while the draft is edited: insert a step on a wire; add, write
// in, colour, resize and remove notes. Each is one commit (one undo step, one save).
function useCanvasTools({ catalogue, kinds, draft, wrapper, readOnly }) {
  const { commit } = draft;
  const flow = useReactFlow();
  const insertable = useMemo(() => catalogue.kinds.filter(fitsOnWire), [catalogue]);
  const wires = useMemo(
    () =>
      readOnly
        ? null
        : {
            insertable,
            onInsert: (edgeId, key) =>
              commit((s) =>
                withStepOnWire(
                  s,
                  edgeId,
                  newStep(key, kinds[key], { x: 0, y: 0 }),
                  kinds[key].ports[0]?.key,
                ),
              ),
          },
    [readOnly, insertable, kinds, commit],
  );
  const notes = useMemo(
    () =>
      readOnly
        ? null
        : {
            onText: (id, text) =>
              commit((s) => withNoteData(s, id, { text }), { delay: 350, burst: `note:${id}` }),
            onColor: (id, color) => commit((s) => withNoteData(s, id, { color })),
            onRemove: (id) => commit((s) => withoutNotes(s, new Set([id]))),
            onResized: () => commit((s) => s),
          },
    [readOnly, commit],
  );
  const addNote = useCallback(() => {
    const box = wrapper.current?.getBoundingClientRect();
    const middle = box
      ? flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 3 })
      : { x: 0, y: 0 };
    commit((s) => {
      const all = [...(s.notes || []), ...s.nodes];
      const at = freeSpot(all, middle);
      const note = newNote({ x: at.x - 110, y: at.y - 30 });
      return {
        ...s,
        nodes: s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
        notes: [...(s.notes || []).map((n) => ({ ...n, selected: false })), note],
      };
    });
  }, [commit, flow, wrapper]);
  return { wires, notes, addNote };
}
