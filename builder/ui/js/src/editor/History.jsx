// The journey's version history: the list of published versions (who published each and when,
// what it changed, how many customers are in it, whether it is live, still holding customers or
// retired), each opened read-only or compared; and, while one is drawn instead of the draft,
// the banner saying so, with the comparison's sides, restoring a version, and the way back.
// Python loads what is drawn (builder/ui/history.py); commands go through `run`.
import { useEffect, useRef, useState } from "react";
import { ArrowLeft, ArrowRight, GitCompare, History, RotateCcw } from "lucide-react";
import { t } from "../i18n.js";
import { Confirm } from "./dialogs.jsx";
import { customersText, sentence, sideOptions, statusText } from "./diff.js";
import { shortTime } from "./labels.js";
import "./history.css";

export function VersionHistory({ versions, history, run }) {
  const [open, setOpen] = useState(false);
  const box = useRef(null);
  useEffect(() => {
    if (!open) return undefined;
    const close = (event) => {
      if (!box.current?.contains(event.target)) setOpen(false);
    };
    window.addEventListener("mousedown", close);
    return () => window.removeEventListener("mousedown", close);
  }, [open]);
  if (!versions?.length) return null;
  const go = (op, fields) => {
    setOpen(false);
    run(op, fields);
  };
  const live = versions.find((version) => version.is_live);
  return (
    <div className="wl-history" ref={box}>
      <button
        type="button"
        className={`wl-button ${open || history ? "on" : ""}`}
        onClick={() => setOpen(!open)}
        data-action="history"
        title={t("Published versions: open one read-only, compare, restore")}
      >
        <History size={15} /> {versions.length}
      </button>
      {open ? (
        <div className="wl-history-panel" data-panel="versions">
          <div className="wl-history-head">
            <div className="wl-panel-title">{t("Published versions")}</div>
            {live ? (
              <button
                type="button"
                className="wl-button small"
                data-action="compare-live"
                title={t("What the draft changes from the live version")}
                onClick={() => go("compare", { old: "live", new: "draft" })}
              >
                <GitCompare size={13} /> {t("Live vs draft")}
              </button>
            ) : null}
          </div>
          <ol>
            {versions.map((version) => (
              <VersionRow key={version.number} version={version} go={go} />
            ))}
          </ol>
        </div>
      ) : null}
    </div>
  );
}

function VersionRow({ version, go }) {
  return (
    <li data-version={version.number} data-version-status={version.status}>
      <div className="wl-history-line">
        <strong>{t("Version {number}", { number: version.number })}</strong>
        <span className={`wl-pill version-${version.status}`}>{statusText(version)}</span>
      </div>
      <div className="wl-history-who">
        {shortTime(version.published_at)}
        {version.published_by ? ` · ${version.published_by}` : ""}
      </div>
      <div className="wl-history-count" data-version-customers={version.customers}>
        {customersText(version.customers)}
      </div>
      {version.summary ? (
        <div className="wl-history-summary" data-version-summary>
          {sentence(version.summary)}
        </div>
      ) : null}
      <div className="wl-history-actions">
        <button
          type="button"
          className="wl-button small"
          data-action="open-version"
          onClick={() => go("show_version", { number: version.number })}
        >
          {t("Open")}
        </button>
        <button
          type="button"
          className="wl-button small"
          data-action="compare-version"
          onClick={() => go("compare", { old: String(version.number), new: "draft" })}
        >
          <GitCompare size={13} /> {t("Compare with draft")}
        </button>
      </div>
    </li>
  );
}

// Above the canvas while a version or a comparison is drawn instead of the draft.
export function HistoryBanner({ history, versions, canRestore, run }) {
  const [restoring, setRestoring] = useState(false);
  // The sides as chosen, ahead of the server's answer (a second choice builds on the first).
  const [sides, setSides] = useState({ old: history.old, new: history.new });
  useEffect(() => setSides({ old: history.old, new: history.new }), [history.old, history.new]);
  const choose = (side) => {
    const chosen = { ...sides, ...side };
    setSides(chosen);
    run("compare", chosen);
  };
  const options = sideOptions(versions);
  return (
    <div className="wl-banner history" data-banner="history">
      <History size={15} />
      <strong data-history-title>{history.title}</strong>
      {history.old != null ? (
        <span className="wl-history-sides">
          <SideSelect
            name="from"
            value={sides.old}
            options={options}
            onChange={(old) => choose({ old })}
          />
          <ArrowRight size={14} />
          <SideSelect
            name="to"
            value={sides.new}
            options={options}
            onChange={(now) => choose({ new: now })}
          />
        </span>
      ) : null}
      <span className="wl-history-spacer" />
      {canRestore && history.number != null ? (
        <button
          type="button"
          className="wl-button"
          data-action="restore"
          onClick={() => setRestoring(true)}
        >
          <RotateCcw size={14} /> {t("Restore as the draft")}
        </button>
      ) : null}
      <button
        type="button"
        className="wl-button primary"
        data-action="back-to-draft"
        onClick={() => run("close_history")}
      >
        <ArrowLeft size={14} /> {t("Back to the draft")}
      </button>
      {restoring ? (
        <Confirm
          title={t("Restore version {number} as the draft?", { number: history.number })}
          body={t(
            "The draft becomes version {number} as it was published; its unpublished changes are replaced (the audit trail says what they were). Nothing goes live until you publish.",
            { number: history.number },
          )}
          action={t("Restore version {number}", { number: history.number })}
          danger={false}
          onCancel={() => setRestoring(false)}
          onConfirm={() => {
            setRestoring(false);
            run("restore", { number: history.number });
          }}
        />
      ) : null}
    </div>
  );
}

function SideSelect({ name, value, options, onChange }) {
  return (
    <select
      className="wl-input wl-history-side"
      value={value}
      data-side={name}
      aria-label={name === "from" ? t("Compare from") : t("Compare to")}
      onChange={(event) => onChange(event.target.value)}
    >
      {options.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </select>
  );
}
