// The editor's top bar: back to the list, the journey's name and status, whether the draft is
// saved, live numbers, and the toolbar (edit tools, versions, the dashboard, preview, problems,
// publishing); and the journey's name field (in the journey panel), which saves as it is typed.
import { useEffect, useRef, useState } from "react";
import {
  ArrowLeft,
  ChartColumn,
  CircleAlert,
  CircleCheck,
  Eye,
  LayoutGrid,
  Redo2,
  Undo2,
} from "lucide-react";
import { useReactFlow } from "@xyflow/react";
import { tidy } from "./layout.js";
import { FIT_VIEW_OPTIONS } from "./FlowArea.jsx";
import { VersionHistory } from "./History.jsx";
import { PublishTools } from "./PublishTools.jsx";
import { SaveState, StatusPill } from "./status.jsx";
import { formatDate, formatNumber, t } from "../i18n.js";

export function TopBar(props) {
  const { server, draft, locked, readOnly, errors, preview, onProblems, onOpen, run } = props;
  const { journey, live } = server;
  const can = server.can || {};
  return (
    <header className="wl-topbar">
      <a className="wl-back" href="/" title={t("All journeys")}>
        <ArrowLeft size={16} /> {t("Journeys")}
      </a>
      <div className="wl-title">
        <h1 data-journey-name>{draft.name ?? journey.name}</h1>
        <StatusPill journey={journey} />
        {journey.has_unpublished_changes && journey.live_version ? (
          <span className="wl-pill subtle">{t("Unpublished changes")}</span>
        ) : null}
      </div>
      {locked ? null : <SaveState status={draft.status} waiting={draft.waiting} />}
      {live ? (
        <span
          className="wl-live-total"
          data-live-total={live.here}
          data-counted-at={live.counted_at || undefined}
          title={
            live.counted_at
              ? t("Step figures counted {when}; who is in the journey is counted live", {
                  when: formatDate(live.counted_at),
                })
              : undefined
          }
        >
          <span className="wl-live-dot" />
          {t("{here} in journey · {entered} entered", {
            here: formatNumber(live.here),
            entered: formatNumber(live.entered),
          })}
        </span>
      ) : null}
      <div className="wl-toolbar">
        {locked ? null : <EditTools draft={draft} ports={server.ports} readOnly={readOnly} />}
        <VersionHistory versions={server.versions} history={server.history} run={run} />
        <a
          className="wl-button"
          href={`/journeys/${journey.id}/dashboard`}
          data-action="dashboard"
          title={t("Entries, messages and conversions over time, as charts")}
        >
          <ChartColumn size={15} /> {t("Dashboard")}
        </a>
        {can.previews ? (
          <button
            type="button"
            className={`wl-button ${preview.tab ? "on" : ""}`}
            data-action="preview"
            title={t("Who enters, one customer's path, and a dry run")}
            onClick={preview.toggle}
          >
            <Eye size={15} /> {t("Preview")}
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
              <CircleAlert size={15} /> {t("{n} to fix", { n: formatNumber(errors) })}
            </>
          ) : (
            <>
              <CircleCheck size={15} /> {t("Ready")}
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
        title={t("Undo (Ctrl+Z)")}
        disabled={!draft.canUndo || readOnly}
        onClick={draft.undo}
        data-action="undo"
      >
        <Undo2 size={16} />
      </button>
      <button
        type="button"
        className="wl-icon-button"
        title={t("Redo (Ctrl+Shift+Z)")}
        disabled={!draft.canRedo || readOnly}
        onClick={draft.redo}
        data-action="redo"
      >
        <Redo2 size={16} />
      </button>
      <button
        type="button"
        className="wl-icon-button"
        title={t("Tidy up the layout")}
        disabled={readOnly || !draft.store.nodes.length}
        data-action="tidy"
        onClick={tidyUp}
      >
        <LayoutGrid size={16} />
      </button>
    </>
  );
}

// The journey's name, saved as it is typed (after a pause), on Enter and on leaving the field.
// Nothing is saved mid-composition (Korean and other IMEs build a syllable over several key
// presses), and the server's name replaces the text only while the field is not being edited.
export function JourneyName({ name, onRename }) {
  const [text, setText] = useState(name);
  const editing = useRef(false);
  const composing = useRef(false);
  useEffect(() => {
    if (!editing.current) setText(name);
  }, [name]);
  const save = (value, now = false) => onRename(value, { now });
  return (
    <input
      className="wl-input"
      value={text}
      onFocus={() => (editing.current = true)}
      onBlur={(e) => {
        editing.current = false;
        save(e.currentTarget.value, true);
      }}
      onCompositionStart={() => (composing.current = true)}
      onCompositionEnd={(e) => {
        composing.current = false;
        save(e.currentTarget.value);
      }}
      onChange={(e) => {
        setText(e.target.value);
        if (!composing.current) save(e.target.value);
      }}
      onKeyDown={(e) => {
        if (e.key !== "Enter" || e.nativeEvent.isComposing) return;
        save(e.currentTarget.value, true);
        e.currentTarget.blur();
      }}
      data-field="journey-name"
    />
  );
}
