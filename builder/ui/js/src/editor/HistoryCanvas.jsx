// A published version, or a comparison, drawn read-only where the draft's canvas is: the same
// steps and wires (graph.jsx) with the comparison's marks (added green, changed amber, removed
// ghosted red where they were, wires too), and beside it what changed — all of it, or, for the step
// clicked, its fields before and after, above the step's form (read-only).
import { useCallback, useContext, useMemo, useState } from "react";
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
} from "@xyflow/react";
import { t } from "../i18n.js";
import { fromDocument } from "./draft.js";
import { FIT_VIEW_OPTIONS } from "./FlowArea.jsx";
import { NOTE_TYPE } from "./notes.js";
import { NoteNode } from "./NoteNode.jsx";
import { changeWord, customersText, diffMarks, drawnDocument, sentence } from "./diff.js";
import { EditorContext, JourneyEdge, JourneyNode } from "./graph.jsx";
import { shortTime } from "./labels.js";
import { Inspector } from "./panels.jsx";
import { ViewsContext, useViews, withEdgeType } from "./views.js";

const EDGE_TYPES = { journey: JourneyEdge };
const PRO_OPTIONS = { hideAttribution: true };
const NO_STEPS = new Set();

// A React Flow of its own: the draft's stays mounted, hidden, beside it.
export function HistoryCanvas(props) {
  return (
    <ReactFlowProvider>
      <HistoryFlow {...props} />
    </ReactFlowProvider>
  );
}

function HistoryFlow({ history, versions, catalogue, kinds }) {
  const editor = useContext(EditorContext);
  const marks = useMemo(() => diffMarks(history), [history]);
  const ctx = useMemo(
    () => ({
      ...editor,
      ports: history.ports,
      issuesByNode: {},
      live: history.live?.nodes ?? null,
      edgeCounts: history.live?.edges ?? null,
      edgeLifts: history.live?.lifts ?? null,
      path: null,
      dry: null,
      pausedSteps: NO_STEPS,
      diff: marks,
    }),
    [editor, history.ports, history.live, marks],
  );
  const views = useViews(ctx);
  const [store, setStore] = useState(() => fromDocument(drawnDocument(history)));
  const onNodesChange = useCallback(
    (changes) =>
      setStore((s) => ({
        ...s,
        nodes: applyNodeChanges(
          changes.filter((c) => c.type === "select" || c.type === "dimensions"),
          s.nodes,
        ),
      })),
    [],
  );
  const nodeTypes = useMemo(
    () => ({
      ...Object.fromEntries(catalogue.kinds.map((kind) => [kind.key, JourneyNode])),
      [NOTE_TYPE]: NoteNode,
    }),
    [catalogue],
  );
  const edges = useMemo(() => withEdgeType(store.edges, "journey"), [store.edges]);
  const minimapColor = useCallback((node) => kinds[node.type]?.color || "#94a3b8", [kinds]);
  const selected = store.nodes.filter((node) => node.selected);
  return (
    <EditorContext.Provider value={ctx}>
      <ViewsContext.Provider value={views}>
        <div className="wl-workspace">
          <div className="wl-canvas history" data-history-canvas={history.new}>
            <ReactFlow
              nodes={[...store.notes, ...store.nodes]}
              edges={edges}
              nodeTypes={nodeTypes}
              edgeTypes={EDGE_TYPES}
              onNodesChange={onNodesChange}
              nodesDraggable={false}
              nodesConnectable={false}
              elementsSelectable
              deleteKeyCode={null}
              fitView
              fitViewOptions={FIT_VIEW_OPTIONS}
              minZoom={0.1}
              maxZoom={2}
              proOptions={PRO_OPTIONS}
            >
              <Background gap={20} size={1.2} color="#cbd5e1" />
              <Controls showInteractive={false} />
              <MiniMap pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={3} />
            </ReactFlow>
          </div>
          <aside className="wl-side">
            {selected.length === 1 ? (
              <StepChanges
                node={selected[0]}
                step={history.diff?.steps.find((s) => s.id === selected[0].id)}
                history={history}
                kind={kinds[selected[0].type]}
                ctx={ctx}
              />
            ) : (
              <Changes history={history} versions={versions} />
            )}
          </aside>
        </div>
      </ViewsContext.Provider>
    </EditorContext.Provider>
  );
}

// Nothing selected: everything that changed, or (a version alone) who published it and when.
function Changes({ history, versions }) {
  const { diff } = history;
  if (!diff) {
    const version = versions?.find((v) => v.number === history.number);
    return (
      <div className="wl-inspector wl-changes" data-changes="version">
        <div className="wl-panel-title">{t("Version {number}", { number: history.number })}</div>
        {version ? <p className="wl-help">{publishedText(version)}</p> : null}
        <p className="wl-help">{t("Read-only: select a step to see its settings.")}</p>
      </div>
    );
  }
  return (
    <div className="wl-inspector wl-changes" data-changes="diff">
      <div className="wl-panel-title">{t("What changed")}</div>
      <p className="wl-diff-summary" data-diff-summary>
        {sentence(diff.summary)}.
      </p>
      {diff.steps.length ? (
        <ul className="wl-diff-list">
          {diff.steps.map((step) => (
            <li key={step.id} className={`diff-${step.change}`} data-diff-step={step.id}>
              <span className={`wl-diff-tag ${step.change}`}>{changeWord(step.change)}</span>{" "}
              <strong>{step.label}</strong> <small>{t(step.kind)}</small>
            </li>
          ))}
        </ul>
      ) : null}
      {diff.wires.length ? (
        <ul className="wl-diff-list" data-diff-wires>
          {diff.wires.map((wire, index) => (
            <li key={index} className={`diff-${wire.change}`}>
              <span className={`wl-diff-tag ${wire.change}`}>{changeWord(wire.change)}</span>{" "}
              {sentence(wire.text)}
            </li>
          ))}
        </ul>
      ) : null}
      {diff.settings.length ? (
        <>
          <div className="wl-label">{t("Journey settings")}</div>
          <FieldChanges fields={diff.settings} />
        </>
      ) : null}
      <p className="wl-help">{t("Click a marked step to see what changed in it.")}</p>
    </div>
  );
}

// "Published Mar 2, 2026, 21:30 GMT+9 by Pat; 3 customers in it now. Added a step."
function publishedText(version) {
  const holes = {
    when: shortTime(version.published_at),
    person: version.published_by,
    customers: customersText(version.customers),
  };
  const published = version.published_by
    ? t("Published {when} by {person}; {customers}.", holes)
    : t("Published {when}; {customers}.", holes);
  return version.summary ? `${published} ${sentence(version.summary)}.` : published;
}

// One step clicked: how it changed (fields before → after), then its form, read-only.
function StepChanges({ node, step, history, kind, ctx }) {
  return (
    <div className="wl-step-changes" data-step-changes={node.id}>
      {step ? (
        <div className={`wl-diff-step diff-${step.change}`}>
          <span className={`wl-diff-tag ${step.change}`}>{changeWord(step.change)}</span>
          {step.change === "changed" ? (
            <FieldChanges fields={step.fields} />
          ) : (
            <p className="wl-help">
              {step.change === "added"
                ? t("This step is new here.")
                : t("This step was taken out here; it is shown where it was.")}
            </p>
          )}
        </div>
      ) : history.diff ? (
        <p className="wl-help wl-diff-step">{t("Unchanged.")}</p>
      ) : null}
      <Inspector
        node={node}
        kind={kind}
        issues={[]}
        ctx={ctx}
        readOnly
        canPreview={false}
        onConfig={() => {}}
        onLabel={() => {}}
        onDelete={() => {}}
        onDuplicate={() => {}}
      />
    </div>
  );
}

function FieldChanges({ fields }) {
  return (
    <table className="wl-field-changes">
      <tbody>
        {fields.map((field) => (
          <tr key={field.field} data-field-change={field.field}>
            <th>{t(field.label)}</th>
            <td>
              <del>{field.old_text}</del>
              <span className="wl-arrow">→</span>
              <ins>{field.new_text}</ins>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
