// The panel beside the canvas: the preview when open, else the selected step's form, what to
// do with several selected steps, or (nothing selected) the journey's settings and problems.
import { useCallback, useContext } from "react";
import { t, tn } from "../i18n.js";
import { EditorContext } from "./graph.jsx";
import { Inspector, JourneyPanel } from "./panels.jsx";
import { PreviewPanel } from "./PreviewPanel.jsx";

export function SidePanel({ catalogue, server, draft, steps, preview, timezone, readOnly, run }) {
  const ctx = useContext(EditorContext);
  const { select } = steps;
  const onPickIssue = useCallback(
    (issue) => (issue.node_id ? select(issue.node_id) : select(null)),
    [select],
  );
  const { store, commit } = draft;
  const { journey } = server;
  const selected = store.nodes.filter((node) => node.selected);
  let panel;
  if (preview.tab)
    panel = (
      <PreviewPanel
        preview={preview}
        kinds={ctx.kinds}
        ports={server.ports}
        timezone={timezone}
        onPickNode={steps.select}
        onPickIssue={(issue) => {
          preview.close();
          onPickIssue(issue);
        }}
      />
    );
  else if (selected.length === 1)
    panel = (
      <StepInspector
        step={selected[0]}
        server={server}
        steps={steps}
        readOnly={readOnly}
        run={run}
      />
    );
  else if (selected.length > 1)
    panel = <SelectionPanel selected={selected} steps={steps} readOnly={readOnly} />;
  else
    panel = (
      <JourneyPanel
        key={journey.id}
        name={draft.name ?? journey.name}
        settings={store.settings}
        settingsSchema={catalogue.settingsSchema}
        issues={server.issues}
        onPick={onPickIssue}
        readOnly={readOnly}
        ctx={ctx}
        onSettings={(settings) =>
          commit((s) => ({ ...s, settings }), { delay: 350, burst: "settings" })
        }
        onRename={draft.rename}
      />
    );
  return <aside className={`wl-side ${preview.tab ? "previewing" : ""}`}>{panel}</aside>;
}

// One selected step's form; on a running journey a publisher may pause the step too.
function StepInspector({ step, server, steps, readOnly, run }) {
  const ctx = useContext(EditorContext);
  const can = server.can || {};
  const paused = ctx.pausedSteps.has(step.id);
  const stepPause =
    can.pause && ["live", "paused"].includes(server.journey.status)
      ? {
          paused,
          toggle: () => run(paused ? "resume_step" : "pause_step", { node: step.id }),
        }
      : null;
  return (
    <Inspector
      key={step.id}
      node={step}
      kind={ctx.kinds[step.type]}
      issues={ctx.issuesByNode[step.id] || []}
      ctx={ctx}
      readOnly={readOnly}
      canPreview={can.previews}
      stepPause={stepPause}
      onConfig={(config) =>
        steps.setNode(step.id, (n) => ({ ...n, data: { ...n.data, config } }), `config:${step.id}`)
      }
      onLabel={(label) =>
        steps.setNode(step.id, (n) => ({ ...n, data: { ...n.data, label } }), `label:${step.id}`)
      }
      onDelete={() => steps.onDelete({ nodes: [step], edges: [] })}
      onDuplicate={() => steps.duplicate([step])}
    />
  );
}

function SelectionPanel({ selected, steps, readOnly }) {
  const count = selected.length;
  const words = {
    title: tn("{n} step selected", "{n} steps selected", count),
    duplicate: tn("Duplicate {n} step", "Duplicate {n} steps", count),
    remove: tn("Delete {n} step", "Delete {n} steps", count),
  };
  return (
    <div className="wl-inspector">
      <div className="wl-panel-title">{words.title}</div>
      <p className="wl-help">
        {t(
          "Drag to move them together, Ctrl+C / Ctrl+V to copy them with the wires between them, Delete to remove.",
        )}
      </p>
      {!readOnly ? (
        <div className="wl-inspector-actions">
          <button
            type="button"
            className="wl-button"
            onClick={() => steps.duplicate(selected)}
            data-action="duplicate-selection"
          >
            {words.duplicate}
          </button>
          <button
            type="button"
            className="wl-button danger"
            onClick={() => steps.onDelete({ nodes: selected, edges: [] })}
          >
            {words.remove}
          </button>
        </div>
      ) : null}
    </div>
  );
}
