// The journey editor: top bar, palette, canvas (React Flow) and inspector.
// Python owns the truth (the saved draft, its issues, each node's ports); this keeps the
// working copy, and sends committed changes through `onCommand` (see draft.js).
// `readOnly` (the role can't edit) hides the palette and freezes the canvas and forms;
// `server.can` says which publishing controls the role gets (see approvals.jsx).
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
} from "@xyflow/react";
import {
  ArrowLeft,
  CircleAlert,
  Eye,
  LoaderCircle,
  CircleCheck,
  LayoutGrid,
  Pause,
  Play,
  Redo2,
  Rocket,
  Undo2,
  WifiOff,
} from "lucide-react";
import { tidy } from "./layout.js";
import { newId, useDraft } from "./draft.js";
import { EditorContext, JourneyEdge, JourneyNode } from "./graph.jsx";
import { DRAG_TYPE, Inspector, JourneyPanel, Palette } from "./panels.jsx";
import { ViewsContext, useViews, withEdgeType } from "./views.js";
import { PreviewPanel } from "./PreviewPanel.jsx";
import { usePreviewPanel } from "./preview.js";
import { copySelection, pasteInto, readClipboard } from "./clipboard.js";
import { ApprovalBanner, AskButton, AskDialog, PauseDialog, VersionHistory } from "./approvals.jsx";

const NODE_WIDTH = 220;
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

export function Editor({ catalogue, state, readOnly = false, onCommand, onPreview }) {
  return (
    <ReactFlowProvider>
      <EditorBody
        catalogue={catalogue}
        server={state}
        locked={readOnly}
        onCommand={onCommand}
        onPreview={onPreview}
      />
    </ReactFlowProvider>
  );
}

function EditorBody({ catalogue, server, locked, onCommand, onPreview }) {
  const draft = useDraft(server, onCommand);
  const { store, change, commit } = draft;
  const flow = useReactFlow();
  const wrapper = useRef(null);
  const send = useRef(onCommand);
  send.current = onCommand;
  const [confirm, setConfirm] = useState(null);
  const [asking, setAsking] = useState(false);
  const [pausing, setPausing] = useState(false);
  // Fit the view to the journey when it opens; an empty canvas keeps its zoom as steps arrive.
  const [fitOnOpen] = useState(() => store.nodes.length > 0);
  const kinds = useMemo(
    () => Object.fromEntries(catalogue.kinds.map((kind) => [kind.key, kind])),
    [catalogue],
  );
  const nodeTypes = useMemo(
    () => Object.fromEntries(catalogue.kinds.map((kind) => [kind.key, JourneyNode])),
    [catalogue],
  );
  const journey = server.journey;
  const archived = journey.status === "archived";
  const readOnly = archived || locked;
  const can = server.can || {};
  const issues = server.issues;
  const errors = issues.filter((issue) => issue.severity === "error").length;
  const issuesByNode = useMemo(() => groupBy(issues, "node_id"), [issues]);
  const nodesById = useMemo(
    () => Object.fromEntries(store.nodes.map((node) => [node.id, node])),
    [store.nodes],
  );
  const selected = store.nodes.filter((node) => node.selected);
  const timezone = store.settings?.timezone || catalogue.timezone;
  const preview = usePreviewPanel(server, onPreview, store.edges, timezone);
  const { pathView, dryView } = preview;
  const pausedSteps = useMemo(() => new Set(journey.paused_steps || []), [journey.paused_steps]);
  const ctx = useMemo(
    () => ({
      kinds,
      ports: server.ports,
      issuesByNode,
      segments: server.segments,
      templates: server.templates,
      references: server.references,
      live: server.live?.nodes,
      edgeCounts: server.live?.edges,
      path: pathView,
      dry: dryView,
      pausedSteps,
    }),
    [
      kinds,
      server.ports,
      issuesByNode,
      server.segments,
      server.templates,
      server.references,
      server.live,
      pathView,
      dryView,
      pausedSteps,
    ],
  );
  const views = useViews(ctx);
  const edges = useMemo(() => withEdgeType(store.edges, "journey"), [store.edges]);
  const minimapColor = useCallback((node) => kinds[node.type]?.color || "#94a3b8", [kinds]);

  const addNode = useCallback(
    (kindKey, position) => {
      const kind = kinds[kindKey];
      const at = position || centre(flow, wrapper.current);
      const node = {
        id: newId("n"),
        type: kindKey,
        position: { x: Math.round(at.x - NODE_WIDTH / 2), y: Math.round(at.y - 30) },
        data: { label: "", config: structuredClone(kind.starter) },
        selected: true,
      };
      commit((s) => ({ ...s, nodes: [...s.nodes.map((n) => ({ ...n, selected: false })), node] }));
    },
    [kinds, flow, commit],
  );

  const onNodesChange = useCallback(
    (changes) =>
      change((s) => ({
        ...s,
        nodes: applyNodeChanges(
          changes.filter((c) => c.type !== "remove"),
          s.nodes,
        ),
      })),
    [change],
  );
  const onEdgesChange = useCallback(
    (changes) =>
      change((s) => ({
        ...s,
        edges: applyEdgeChanges(
          changes.filter((c) => c.type !== "remove"),
          s.edges,
        ),
      })),
    [change],
  );
  const onDelete = useCallback(
    ({ nodes, edges: gone }) => {
      const nodeIds = new Set(nodes.map((n) => n.id));
      const edgeIds = new Set(gone.map((e) => e.id));
      commit((s) => ({
        ...s,
        nodes: s.nodes.filter((n) => !nodeIds.has(n.id)),
        edges: s.edges.filter(
          (e) => !edgeIds.has(e.id) && !nodeIds.has(e.source) && !nodeIds.has(e.target),
        ),
      }));
    },
    [commit],
  );
  const onConnect = useCallback(
    (connection) =>
      commit((s) => ({
        ...s,
        edges: [
          ...s.edges.filter(
            (e) =>
              !(
                e.source === connection.source &&
                (e.sourceHandle || null) === (connection.sourceHandle || null)
              ),
          ),
          {
            id: newId("e"),
            source: connection.source,
            sourceHandle: connection.sourceHandle || undefined,
            target: connection.target,
          },
        ],
      })),
    [commit],
  );
  const onNodeDragStop = useCallback(() => commit((s) => s), [commit]);
  const isValidConnection = useCallback(
    (c) => c.source !== c.target && !kinds[nodesById[c.target]?.type]?.entry,
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

  const select = useCallback(
    (nodeId) => {
      change((s) => ({
        ...s,
        nodes: s.nodes.map((n) => ({ ...n, selected: n.id === nodeId })),
        edges: s.edges.map((e) => ({ ...e, selected: false })),
      }));
      const node = store.nodes.find((n) => n.id === nodeId);
      if (node)
        flow.setCenter(node.position.x + NODE_WIDTH / 2, node.position.y + 50, {
          zoom: Math.max(flow.getZoom(), 0.9),
          duration: 300,
        });
    },
    [change, flow, store.nodes],
  );
  // Double-clicking a step while previewing leaves the preview for that step's form.
  const onNodeDoubleClick = useCallback(
    (_event, node) => {
      preview.close();
      select(node.id);
    },
    [preview.close, select],
  );
  const pickIssue = useCallback(
    (issue) => (issue.node_id ? select(issue.node_id) : select(null)),
    [select],
  );

  const setNode = (id, update, burst) =>
    commit((s) => ({ ...s, nodes: s.nodes.map((n) => (n.id === id ? update(n) : n)) }), {
      delay: 350,
      burst,
    });
  // Pastes steps (and the wires between them) as new steps, selected, offset from the copies.
  const paste = useCallback((clip) => commit((s) => pasteInto(s, clip)), [commit]);
  const duplicate = (nodes) =>
    paste(
      copySelection({ nodes: nodes.map((n) => ({ ...n, selected: true })), edges: store.edges }),
    );

  useKeyboard({ draft, store, commit, readOnly, paste, onDelete });

  const run = (op, fields = {}) => send.current(JSON.stringify({ op, ...fields }));
  const ask = (op) => setConfirm(CONFIRMATIONS[op](journey, server));
  const single = selected.length === 1 ? selected[0] : null;
  const unchanged = journey.live_version != null && !journey.has_unpublished_changes;
  const publishBlocked = errors > 0 || archived || draft.status !== "saved" || unchanged;
  const publishTitle = errors
    ? `Fix ${errors} problem${errors === 1 ? "" : "s"} to publish`
    : unchanged
      ? "The live version is this draft"
      : "Publish this draft";

  return (
    <EditorContext.Provider value={ctx}>
      <ViewsContext.Provider value={views}>
        <div className={`wl-editor ${readOnly ? "read-only" : ""}`}>
          <header className="wl-topbar">
            <a className="wl-back" href="/" title="All journeys">
              <ArrowLeft size={16} /> Journeys
            </a>
            <div className="wl-title">
              <h1 data-journey-name>{journey.name}</h1>
              <StatusPill journey={journey} />
              {journey.has_unpublished_changes && journey.live_version ? (
                <span className="wl-pill subtle">Unpublished changes</span>
              ) : null}
            </div>
            {locked ? null : <SaveState status={draft.status} />}
            {server.live ? (
              <span className="wl-live-total" data-live-total={server.live.here}>
                <span className="wl-live-dot" />
                {server.live.here.toLocaleString()} in journey ·{" "}
                {server.live.entered.toLocaleString()} entered
              </span>
            ) : null}
            <div className="wl-toolbar">
              {locked ? null : (
                <>
                  <button
                    type="button"
                    className="wl-icon-button"
                    title="Undo (Ctrl+Z)"
                    disabled={!draft.canUndo || readOnly}
                    onClick={draft.undo}
                    data-action="undo"
                  >
                    <Undo2 size={16} />
                  </button>
                  <button
                    type="button"
                    className="wl-icon-button"
                    title="Redo (Ctrl+Shift+Z)"
                    disabled={!draft.canRedo || readOnly}
                    onClick={draft.redo}
                    data-action="redo"
                  >
                    <Redo2 size={16} />
                  </button>
                  <button
                    type="button"
                    className="wl-icon-button"
                    title="Tidy up the layout"
                    disabled={readOnly || !store.nodes.length}
                    data-action="tidy"
                    onClick={() => {
                      commit((s) => ({ ...s, nodes: tidy(s.nodes, s.edges, server.ports) }));
                      setTimeout(
                        () => flow.fitView({ padding: 0.3, maxZoom: 1, duration: 300 }),
                        50,
                      );
                    }}
                  >
                    <LayoutGrid size={16} />
                  </button>
                </>
              )}
              <VersionHistory versions={server.versions} />
              {can.previews ? (
                <button
                  type="button"
                  className={`wl-button ${preview.tab ? "on" : ""}`}
                  data-action="preview"
                  title="Who enters, one customer's path, and a dry run"
                  onClick={preview.toggle}
                >
                  <Eye size={15} /> Preview
                </button>
              ) : null}
              <button
                type="button"
                className={`wl-button ${errors ? "warn" : "ok"}`}
                onClick={() => {
                  preview.close();
                  select(null);
                }}
                data-action="problems"
              >
                {errors ? (
                  <>
                    <CircleAlert size={15} /> {errors} to fix
                  </>
                ) : (
                  <>
                    <CircleCheck size={15} /> Ready
                  </>
                )}
              </button>
              {can.pause && journey.status === "live" ? (
                <button
                  type="button"
                  className="wl-button"
                  onClick={() => setPausing(true)}
                  data-action="pause"
                >
                  <Pause size={15} /> Pause
                </button>
              ) : null}
              {can.pause && journey.status === "paused" ? (
                <button
                  type="button"
                  className="wl-button"
                  onClick={() => ask("resume")}
                  data-action="resume"
                >
                  <Play size={15} /> Resume
                </button>
              ) : null}
              {can.publish ? (
                <button
                  type="button"
                  className="wl-button primary"
                  disabled={publishBlocked}
                  data-action="publish"
                  title={publishTitle}
                  onClick={() => ask("publish")}
                >
                  <Rocket size={15} /> {journey.live_version ? "Publish changes" : "Publish"}
                </button>
              ) : can.request ? (
                <AskButton
                  disabled={publishBlocked}
                  title={publishTitle.replace(
                    "Publish this draft",
                    "Ask a publisher to publish this draft",
                  )}
                  onClick={() => setAsking(true)}
                />
              ) : null}
            </div>
          </header>
          {archived ? (
            <div className="wl-banner">
              This journey is archived: no one enters it and it can't be edited. Clone it from the
              journeys list to reuse it.
            </div>
          ) : null}
          {locked && !archived ? (
            <div className="wl-banner" data-banner="view-only">
              View only: your role can look at this journey and its numbers, but not change or
              publish it.
            </div>
          ) : null}
          {server.sending ? (
            <div className="wl-banner stopped" data-banner="sending-stopped">
              {server.sending} No message of any journey goes out; they wait.{" "}
              <a href="/settings">Send rules</a>
            </div>
          ) : null}
          {journey.status === "paused" ? (
            <div className="wl-banner warn" data-banner="paused">
              {journey.paused_reason ? (
                <strong data-paused-reason>{journey.paused_reason}. </strong>
              ) : null}
              No one new enters and customers inside wait where they are until{" "}
              {can.pause ? "you resume" : "a publisher resumes it"};{" "}
              {heldText(journey.held_messages)}.
            </div>
          ) : null}
          {journey.status === "live" && pausedSteps.size ? (
            <div className="wl-banner warn" data-banner="paused-steps">
              {pausedSteps.size === 1 ? "1 step is" : `${pausedSteps.size} steps are`} paused:
              customers wait before {pausedSteps.size === 1 ? "it" : "them"};{" "}
              {heldText(journey.held_messages)}. Select a paused step to resume it.
            </div>
          ) : null}
          <ApprovalBanner approval={server.approval} can={can} onCommand={run} />
          <div className="wl-workspace">
            {locked ? null : (
              <Palette
                kinds={catalogue.kinds}
                categories={catalogue.categories}
                onAdd={(key) => addNode(key)}
                readOnly={readOnly}
              />
            )}
            <div
              className="wl-canvas"
              ref={wrapper}
              onDragOver={(e) => {
                e.preventDefault();
                e.dataTransfer.dropEffect = "move";
              }}
              onDrop={onDrop}
            >
              <ReactFlow
                nodes={store.nodes}
                edges={edges}
                nodeTypes={nodeTypes}
                edgeTypes={EDGE_TYPES}
                onNodesChange={onNodesChange}
                onEdgesChange={onEdgesChange}
                onDelete={onDelete}
                onConnect={onConnect}
                onNodeDragStop={onNodeDragStop}
                isValidConnection={isValidConnection}
                onNodeDoubleClick={onNodeDoubleClick}
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
            <aside className={`wl-side ${preview.tab ? "previewing" : ""}`}>
              {preview.tab ? (
                <PreviewPanel
                  preview={preview}
                  kinds={kinds}
                  ports={server.ports}
                  timezone={timezone}
                  onPickNode={select}
                  onPickIssue={(issue) => {
                    preview.close();
                    pickIssue(issue);
                  }}
                />
              ) : single ? (
                <Inspector
                  key={single.id}
                  node={single}
                  kind={kinds[single.type]}
                  issues={issuesByNode[single.id] || []}
                  ctx={ctx}
                  readOnly={readOnly}
                  canPreview={can.previews}
                  stepPause={
                    can.pause && ["live", "paused"].includes(journey.status)
                      ? {
                          paused: pausedSteps.has(single.id),
                          toggle: () =>
                            run(pausedSteps.has(single.id) ? "resume_step" : "pause_step", {
                              node: single.id,
                            }),
                        }
                      : null
                  }
                  onConfig={(config) =>
                    setNode(
                      single.id,
                      (n) => ({ ...n, data: { ...n.data, config } }),
                      `config:${single.id}`,
                    )
                  }
                  onLabel={(label) =>
                    setNode(
                      single.id,
                      (n) => ({ ...n, data: { ...n.data, label } }),
                      `label:${single.id}`,
                    )
                  }
                  onDelete={() => onDelete({ nodes: [single], edges: [] })}
                  onDuplicate={() => duplicate([single])}
                />
              ) : selected.length > 1 ? (
                <div className="wl-inspector">
                  <div className="wl-panel-title">{selected.length} steps selected</div>
                  <p className="wl-help">
                    Drag to move them together, Ctrl+C / Ctrl+V to copy them with the wires between
                    them, Delete to remove.
                  </p>
                  {!readOnly ? (
                    <div className="wl-inspector-actions">
                      <button
                        type="button"
                        className="wl-button"
                        onClick={() => duplicate(selected)}
                        data-action="duplicate-selection"
                      >
                        Duplicate {selected.length} steps
                      </button>
                      <button
                        type="button"
                        className="wl-button danger"
                        onClick={() => onDelete({ nodes: selected, edges: [] })}
                      >
                        Delete {selected.length} steps
                      </button>
                    </div>
                  ) : null}
                </div>
              ) : (
                <JourneyPanel
                  key={journey.id + journey.name}
                  journey={journey}
                  settings={store.settings}
                  settingsSchema={catalogue.settingsSchema}
                  issues={issues}
                  onPick={pickIssue}
                  readOnly={readOnly}
                  ctx={ctx}
                  onSettings={(settings) =>
                    commit((s) => ({ ...s, settings }), { delay: 350, burst: "settings" })
                  }
                  onRename={(name) => send.current(JSON.stringify({ op: "rename", name }))}
                />
              )}
            </aside>
          </div>
          <Toast notice={server.notice} />
          {confirm ? (
            <Confirm
              {...confirm}
              onCancel={() => setConfirm(null)}
              onConfirm={() => {
                setConfirm(null);
                run(confirm.op);
              }}
            >
              {confirm.op === "publish" ? (
                <PublishFacts
                  journey={journey}
                  live={server.live}
                  warnings={issues.filter((issue) => issue.severity === "warning")}
                />
              ) : null}
            </Confirm>
          ) : null}
          {pausing ? (
            <PauseDialog
              journey={journey}
              onCancel={() => setPausing(false)}
              onConfirm={(reason) => {
                setPausing(false);
                run("pause", { reason });
              }}
            />
          ) : null}
          {asking ? (
            <AskDialog
              journey={journey}
              required={can.required}
              onCancel={() => setAsking(false)}
              onConfirm={(comment) => {
                setAsking(false);
                run("request", { comment });
              }}
            />
          ) : null}
        </div>
      </ViewsContext.Provider>
    </EditorContext.Provider>
  );
}

function heldText(count) {
  if (!count) return "no message is waiting to go";
  return count === 1
    ? "1 unsent message is held"
    : `${count.toLocaleString()} unsent messages are held`;
}

const CONFIRMATIONS = {
  publish: (journey) => ({
    op: "publish",
    title: journey.live_version
      ? `Publish changes to "${journey.name}"?`
      : `Publish "${journey.name}"?`,
    body: journey.live_version
      ? `This becomes version ${journey.live_version + 1}. Customers already in the journey stay on the version they entered; new customers get the new one.`
      : "Customers start entering as soon as it is live, and messages go out as they reach each step.",
    action: "Publish",
  }),
  pause: (journey) => ({
    op: "pause",
    title: `Pause "${journey.name}"?`,
    body: "No one new enters. Customers inside wait where they are and get no messages until you resume.",
    action: "Pause journey",
  }),
  resume: (journey) => ({
    op: "resume",
    title: `Resume "${journey.name}"?`,
    body: "Customers move on again: waits that ended while paused continue at once, and messages go out.",
    action: "Resume journey",
  }),
};

function StatusPill({ journey }) {
  const text = {
    draft: "Draft",
    live: `Live · v${journey.live_version}`,
    paused: `Paused · v${journey.live_version}`,
    archived: "Archived",
  }[journey.status];
  return (
    <span className={`wl-pill status-${journey.status}`} data-status={journey.status}>
      {text}
    </span>
  );
}

// "Saving…", and after a few seconds without an answer (the connection dropped, or the server
// is restarting) a calmer word that the change is kept and will be saved when it is back.
const SLOW_SAVE_MS = 3000;

function SaveState({ status }) {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    setSlow(false);
    if (status !== "saving") return undefined;
    const timer = setTimeout(() => setSlow(true), SLOW_SAVE_MS);
    return () => clearTimeout(timer);
  }, [status]);
  if (status !== "saving")
    return (
      <span className="wl-save saved" data-save="saved">
        <CircleCheck size={14} /> Saved
      </span>
    );
  return (
    <span
      className={`wl-save saving ${slow ? "slow" : ""}`}
      data-save="saving"
      data-slow={slow || undefined}
      title={
        slow
          ? "Your changes are kept in this tab and are saved as soon as the server answers."
          : undefined
      }
    >
      {slow ? (
        <>
          <WifiOff size={14} /> Waiting for the server — changes kept
        </>
      ) : (
        <>
          <LoaderCircle size={14} className="wl-spin" /> Saving…
        </>
      )}
    </span>
  );
}

function Toast({ notice }) {
  const [shown, setShown] = useState(null);
  useEffect(() => {
    if (!notice) return undefined;
    setShown(notice);
    const timer = setTimeout(() => setShown(null), notice.kind === "error" ? 12000 : 6000);
    return () => clearTimeout(timer);
  }, [notice?.id]);
  if (!shown) return null;
  return (
    <div className={`wl-toast ${shown.kind}`} role="status" data-notice={shown.kind}>
      <span>{shown.text}</span>
      <button type="button" className="wl-icon-button" onClick={() => setShown(null)}>
        ×
      </button>
    </div>
  );
}

// What publishing will do, for the dialog: who enters (the draft's audience, counted now),
// who is in the journey already (they stay on their version), and every warning on the draft.
function PublishFacts({ journey, live, warnings }) {
  const [audience, setAudience] = useState(
    /** @type {{ loading?: boolean, error?: string, count?: number, notes?: string[] }} */ ({
      loading: true,
    }),
  );
  useEffect(() => {
    let current = true;
    fetch(`/api/journeys/${journey.id}/audience?limit=1`)
      .then(async (answer) => {
        const data = await answer.json();
        if (current)
          setAudience(
            answer.ok ? { count: data.count, notes: data.notes || [] } : { error: data.detail },
          );
      })
      .catch(() => current && setAudience({ error: "could not be counted" }));
    return () => {
      current = false;
    };
  }, [journey.id]);
  const entering = audience.loading
    ? "counting…"
    : audience.error
      ? audience.error
      : audience.count == null
        ? "customers enter as they do the entry's event or call"
        : `${audience.count.toLocaleString()} customer${audience.count === 1 ? "" : "s"} match the entry now`;
  return (
    <div className="wl-publish-facts" data-publish-facts>
      <div className="wl-rendered-line">
        <span>Who enters</span>
        <strong data-publish-audience={audience.count ?? ""}>{entering}</strong>
      </div>
      <div className="wl-rendered-line">
        <span>In the journey now</span>
        <strong data-publish-in-flight={live ? live.here : 0}>
          {(live ? live.here : 0).toLocaleString()}
          {live && live.here ? ` (they stay on v${journey.live_version})` : ""}
        </strong>
      </div>
      {warnings.length ? (
        <div className="wl-publish-warnings" data-publish-warnings={warnings.length}>
          <span className="wl-label">
            {warnings.length} warning{warnings.length === 1 ? "" : "s"} — publishing is allowed, but
            look first
          </span>
          <ul>
            {warnings.map((warning, index) => (
              <li key={index}>{warning.message}</li>
            ))}
          </ul>
        </div>
      ) : (
        <div className="wl-help">No warnings.</div>
      )}
    </div>
  );
}

export function Confirm({ title, body, action, danger, onCancel, onConfirm, children = null }) {
  useEffect(() => {
    const key = (event) => event.key === "Escape" && onCancel();
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, [onCancel]);
  return (
    <div className="wl-modal-backdrop" onClick={onCancel}>
      <div
        className="wl-modal"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        onClick={(e) => e.stopPropagation()}
      >
        <h2>{title}</h2>
        <p>{body}</p>
        {children}
        <div className="wl-modal-actions">
          <button type="button" className="wl-button" onClick={onCancel}>
            Cancel
          </button>
          <button
            type="button"
            className={`wl-button ${danger ? "danger-solid" : "primary"}`}
            onClick={onConfirm}
            data-confirm
            autoFocus
          >
            {action}
          </button>
        </div>
      </div>
    </div>
  );
}

function useKeyboard({ draft, store, commit, readOnly, paste, onDelete }) {
  const latest = useRef({ draft, store, commit, readOnly, paste, onDelete });
  latest.current = { draft, store, commit, readOnly, paste, onDelete };
  useEffect(() => {
    const onKey = (event) => {
      const { draft, store, readOnly, paste, onDelete } = latest.current;
      const target = event.target;
      if (readOnly || target.closest?.("input, textarea, select, [contenteditable=true]")) return;
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      const chosen = store.nodes.filter((n) => n.selected);
      if (mod && key === "z" && !event.shiftKey) {
        event.preventDefault();
        draft.undo();
      } else if (mod && (key === "y" || (key === "z" && event.shiftKey))) {
        event.preventDefault();
        draft.redo();
      } else if (mod && (key === "c" || key === "x") && chosen.length) {
        copySelection(store, true);
        if (key === "x") {
          event.preventDefault();
          onDelete({ nodes: chosen, edges: [] });
        }
      } else if (mod && key === "v") {
        const clip = readClipboard();
        if (clip) {
          event.preventDefault();
          paste(clip);
        }
      } else if (mod && key === "d" && chosen.length) {
        event.preventDefault();
        paste(copySelection(store));
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}

function centre(flow, element) {
  const box = element?.getBoundingClientRect();
  if (!box) return { x: 0, y: 0 };
  return flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 3 });
}

function groupBy(items, key) {
  const groups = {};
  for (const item of items) if (item[key]) (groups[item[key]] ||= []).push(item);
  return groups;
}
