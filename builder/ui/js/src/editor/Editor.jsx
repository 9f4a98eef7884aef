// The journey editor: top bar, palette, canvas (React Flow) and the panel beside it.
// Python owns the truth (the saved draft, its issues, each node's ports); this keeps the
// working copy, and sends committed changes through `onCommand` (see draft.js).
// `readOnly` (the role can't edit) hides the palette and freezes the canvas and forms;
// `server.can` says which publishing controls the role gets (see approvals.jsx).
// The parts: TopBar.jsx, Banners.jsx, FlowArea.jsx, SidePanel.jsx, dialogs.jsx; the edits they
// make are step-actions.js and keyboard.js, over the pure store changes in edits.js.
// The connection to the server is watched here (bridge.js): its banner and the save state
// follow it, and edits made while it is down wait in draft.js.
import { useEffect, useMemo, useRef, useState } from "react";
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import { currentConnection, onConnection, watchConnection } from "../bridge.js";
import { useDraft } from "./draft.js";
import { groupBy } from "./edits.js";
import { EditorContext } from "./graph.jsx";
import { Palette } from "./panels.jsx";
import { ViewsContext, useViews } from "./views.js";
import { usePreviewPanel } from "./preview.js";
import { dialogFor } from "./publishing.js";
import { useKeyboard } from "./keyboard.js";
import { useStepActions } from "./step-actions.js";
import { TopBar } from "./TopBar.jsx";
import { Banners } from "./Banners.jsx";
import { FlowArea } from "./FlowArea.jsx";
import { HistoryBanner } from "./History.jsx";
import { HistoryCanvas } from "./HistoryCanvas.jsx";
import { SidePanel } from "./SidePanel.jsx";
import { EditorDialogs } from "./dialogs.jsx";
import { Toast } from "./status.jsx";

watchConnection();

// The connection now, re-rendering as it changes.
function useConnection() {
  const [connection, setConnection] = useState(currentConnection);
  useEffect(() => onConnection(setConnection), []);
  return connection;
}

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
  const connection = useConnection();
  const draft = useDraft(server, onCommand);
  const { store } = draft;
  const flow = useReactFlow();
  const wrapper = useRef(null);
  const send = useRef(onCommand);
  send.current = onCommand;
  const [dialog, setDialog] = useState(null);
  const kinds = useMemo(
    () => Object.fromEntries(catalogue.kinds.map((kind) => [kind.key, kind])),
    [catalogue],
  );
  const journey = server.journey;
  const readOnly = journey.status === "archived" || locked;
  const issues = server.issues;
  const errors = issues.filter((issue) => issue.severity === "error").length;
  const issuesByNode = useMemo(() => groupBy(issues, "node_id"), [issues]);
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
      senders: server.senders,
      discovery: server.discovery,
      live: server.live?.nodes,
      edgeCounts: server.live?.edges,
      edgeLifts: server.live?.lifts,
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
      server.senders,
      server.discovery,
      server.live,
      pathView,
      dryView,
      pausedSteps,
    ],
  );
  const views = useViews(ctx);
  const steps = useStepActions({ kinds, draft, flow, wrapper });
  // While a version or a comparison is drawn (`history`), the draft's canvas is kept as it is
  // (zoom, selection) but out of sight, and its shortcuts and edit tools are off.
  const history = server.history;
  const frozen = readOnly || !!history;
  useKeyboard({ draft, store, readOnly: frozen, paste: steps.paste, onDelete: steps.onDelete });
  const run = (op, fields = {}) => send.current(JSON.stringify({ op, ...fields }));

  return (
    <EditorContext.Provider value={ctx}>
      <ViewsContext.Provider value={views}>
        <div className={`wl-editor ${readOnly ? "read-only" : ""}`}>
          <TopBar
            server={server}
            draft={draft}
            locked={locked || !!history}
            readOnly={readOnly}
            errors={errors}
            preview={preview}
            onProblems={() => {
              preview.close();
              steps.select(null);
            }}
            onOpen={(op) => setDialog(dialogFor(op, journey))}
            run={run}
          />
          <Banners
            server={server}
            draft={draft}
            connection={connection}
            locked={locked}
            pausedSteps={pausedSteps}
            onCommand={run}
          />
          {history ? (
            <>
              <HistoryBanner
                history={history}
                versions={server.versions}
                canRestore={!readOnly}
                run={run}
              />
              <HistoryCanvas
                key={`${history.old}:${history.new}`}
                history={history}
                versions={server.versions}
                catalogue={catalogue}
                kinds={kinds}
              />
            </>
          ) : null}
          <div className="wl-workspace" hidden={!!history}>
            {locked ? null : (
              <Palette
                kinds={catalogue.kinds}
                categories={catalogue.categories}
                onAdd={(key) => steps.addNode(key)}
                readOnly={readOnly}
              />
            )}
            <FlowArea
              catalogue={catalogue}
              kinds={kinds}
              draft={draft}
              steps={steps}
              readOnly={readOnly}
              locked={locked}
              wrapper={wrapper}
              onLeavePreview={preview.close}
            />
            <SidePanel
              catalogue={catalogue}
              server={server}
              draft={draft}
              steps={steps}
              preview={preview}
              timezone={timezone}
              readOnly={readOnly}
              run={run}
            />
          </div>
          <Toast notice={server.notice} />
          <EditorDialogs
            dialog={dialog}
            server={server}
            onClose={() => setDialog(null)}
            run={run}
          />
        </div>
      </ViewsContext.Provider>
    </EditorContext.Provider>
  );
}
