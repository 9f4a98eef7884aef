// The editor's top bar: back to the list, the journey's name and status, whether the draft is
// saved, live numbers, and the toolbar (edit tools, versions, preview, problems, publishing).
import { ArrowLeft, CircleAlert, CircleCheck, Eye, LayoutGrid, Redo2, Undo2 } from "lucide-react";
import { useReactFlow } from "@xyflow/react";
import { tidy } from "./layout.js";
import { FIT_VIEW_OPTIONS } from "./FlowArea.jsx";
import { VersionHistory } from "./History.jsx";
import { PublishTools } from "./PublishTools.jsx";
import { SaveState, StatusPill } from "./status.jsx";

export function TopBar(props) {
  const { server, draft, locked, readOnly, errors, preview, onProblems, onOpen, run } = props;
  const { journey, live } = server;
  const can = server.can || {};
  return (
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
      {live ? (
        <span className="wl-live-total" data-live-total={live.here}>
          <span className="wl-live-dot" />
          {live.here.toLocaleString()} in journey · {live.entered.toLocaleString()} entered
        </span>
      ) : null}
      <div className="wl-toolbar">
        {locked ? null : <EditTools draft={draft} ports={server.ports} readOnly={readOnly} />}
        <VersionHistory versions={server.versions} history={server.history} run={run} />
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
          onClick={onProblems}
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
        <PublishTools journey={journey} can={can} errors={errors} draft={draft} onOpen={onOpen} />
      </div>
    </header>
  );
}

// Undo, redo and "tidy up the layout".
function EditTools({ draft, ports, readOnly }) {
  const flow = useReactFlow();
  const tidyUp = () => {
    draft.commit((s) => ({ ...s, nodes: tidy(s.nodes, s.edges, ports) }));
    setTimeout(() => flow.fitView({ ...FIT_VIEW_OPTIONS, duration: 300 }), 50);
  };
  return (
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
        disabled={readOnly || !draft.store.nodes.length}
        data-action="tidy"
        onClick={tidyUp}
      >
        <LayoutGrid size={16} />
      </button>
    </>
  );
}
