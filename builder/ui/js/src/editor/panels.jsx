// The editor's side panels: the palette of node kinds (searchable: Enter adds the first match),
// the inspector, journey settings, problems.
import { useState } from "react";
import { CircleAlert, Copy, Pause, Play, Trash2, TriangleAlert } from "lucide-react";
import { KindIcon } from "./icons.jsx";
import { FieldErrors, ObjectFields } from "./fields.jsx";
import { rootOf } from "./schema.js";
import { MessagePreview } from "./MessagePreview.jsx";
import { matchingKinds } from "./palette-search.js";
import { t, tn } from "../i18n.js";
import { JourneyName } from "./TopBar.jsx";

export const DRAG_TYPE = "application/x-wayline-kind";

export function Palette({ kinds, categories, onAdd, readOnly }) {
  const [query, setQuery] = useState("");
  const shown = matchingKinds(kinds, query);
  return (
    <aside className="wl-palette" aria-label={t("Steps")}>
      <div className="wl-panel-title">{t("Steps")}</div>
      <input
        className="wl-input wl-palette-search"
        type="search"
        value={query}
        placeholder={t("Search steps")}
        aria-label={t("Search steps")}
        data-palette-search
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") setQuery("");
          if (e.key === "Enter" && shown[0] && !readOnly) {
            onAdd(shown[0].key);
            setQuery("");
          }
        }}
      />
      <div className="wl-palette-hint">{t("Drag a step onto the canvas")}</div>
      {categories.map((category) => (
        <PaletteSection
          key={category.key}
          category={category}
          kinds={shown.filter((kind) => kind.category === category.key)}
          onAdd={onAdd}
          readOnly={readOnly}
        />
      ))}
      {shown.length ? null : (
        <p className="wl-help">{t("No step matches “{query}”.", { query })}</p>
      )}
    </aside>
  );
}

function PaletteSection({ category, kinds, onAdd, readOnly }) {
  if (!kinds.length) return null;
  return (
    <section className="wl-palette-section">
      <h3>{t(category.label)}</h3>
      {kinds.map((kind) => (
        <div
          key={kind.key}
          className={`wl-palette-item ${readOnly ? "disabled" : ""}`}
          draggable={!readOnly}
          data-kind={kind.key}
          title={kind.description}
          style={/** @type {import("react").CSSProperties} */ ({ "--kind": kind.color })}
          role="button"
          tabIndex={0}
          onDragStart={(event) => {
            event.dataTransfer.setData(DRAG_TYPE, kind.key);
            event.dataTransfer.effectAllowed = "move";
          }}
          onDoubleClick={() => !readOnly && onAdd(kind.key)}
          onKeyDown={(event) => {
            if (event.key === "Enter" && !readOnly) onAdd(kind.key);
          }}
        >
          <span className="wl-node-icon">
            <KindIcon name={kind.icon} size={15} />
          </span>
          <span className="wl-palette-text">
            <strong>{kind.label}</strong>
            <small>{kind.description}</small>
          </span>
        </div>
      ))}
    </section>
  );
}

export function Inspector({
  node,
  kind,
  issues,
  ctx,
  onConfig,
  onLabel,
  onDelete,
  onDuplicate,
  readOnly,
  canPreview = true,
  stepPause = null,
}) {
  if (!kind)
    return (
      <div className="wl-inspector">
        <p>{t("Unknown step kind {kind}.", { kind: node.type })}</p>
      </div>
    );
  const schema = rootOf(kind.schema);
  const unplaced = issues.filter((issue) => !issue.field || !issue.field.startsWith("config."));
  return (
    <div className="wl-inspector" data-inspector={node.id}>
      <div
        className="wl-inspector-head"
        style={/** @type {import("react").CSSProperties} */ ({ "--kind": kind.color })}
      >
        <span className="wl-node-icon large">
          <KindIcon name={kind.icon} size={18} />
        </span>
        <div>
          <div className="wl-inspector-kind">{kind.label}</div>
          <div className="wl-help">{kind.description}</div>
        </div>
      </div>
      <fieldset disabled={readOnly} className="wl-form">
        <div className="wl-field">
          <label className="wl-label">{t("Step name")}</label>
          <input
            className="wl-input"
            value={node.data.label || ""}
            placeholder={kind.label}
            onChange={(e) => onLabel(e.target.value)}
            data-field="label"
          />
        </div>
        {unplaced.length ? <IssueList issues={unplaced} /> : null}
        <ObjectFields
          schema={schema}
          defs={kind.schema.$defs || {}}
          value={node.data.config || {}}
          onChange={onConfig}
          path="config"
          issues={issues}
          ctx={ctx}
        />
        <FieldErrors issues={issues} path="config" />
      </fieldset>
      {stepPause && !kind.entry ? (
        <div
          className={`wl-step-pause ${stepPause.paused ? "paused" : ""}`}
          data-step-pause={stepPause.paused ? "paused" : "running"}
        >
          <p className="wl-help">
            {stepPause.paused
              ? t("This step is paused: customers wait before it and its messages are held.")
              : t(
                  "Pause just this step: customers wait before it and its unsent messages are held; the rest of the journey runs on.",
                )}
          </p>
          <button
            type="button"
            className="wl-button"
            onClick={stepPause.toggle}
            data-action={stepPause.paused ? "resume-step" : "pause-step"}
          >
            {stepPause.paused ? (
              <>
                <Play size={14} /> {t("Resume this step")}
              </>
            ) : (
              <>
                <Pause size={14} /> {t("Pause this step")}
              </>
            )}
          </button>
        </div>
      ) : null}
      {canPreview && picksTemplate(schema) ? (
        <MessagePreview config={node.data.config} templates={ctx.templates} />
      ) : null}
      {!readOnly ? (
        <div className="wl-inspector-actions">
          <button type="button" className="wl-button" onClick={onDuplicate}>
            <Copy size={14} /> {t("Duplicate")}
          </button>
          <button type="button" className="wl-button danger" onClick={onDelete}>
            <Trash2 size={14} /> {t("Delete step")}
          </button>
        </div>
      ) : null}
    </div>
  );
}

// Any step with a template picker gets a preview of its message for a customer.
function picksTemplate(schema) {
  return Object.values(schema.properties || {}).some(
    (prop) => prop["x-widget"] === "template-picker",
  );
}

function IssueList({ issues }) {
  return (
    <ul className="wl-issue-list">
      {issues.map((issue, index) => (
        <li key={index} className={issue.severity}>
          {issue.message}
        </li>
      ))}
    </ul>
  );
}

export function JourneyPanel({
  name,
  settings,
  settingsSchema,
  issues,
  onSettings,
  onRename,
  onPick,
  readOnly,
  ctx,
}) {
  const schema = rootOf(settingsSchema);
  const settingsIssues = issues.filter(
    (issue) => !issue.node_id && issue.field?.startsWith("settings"),
  );
  return (
    <div className="wl-inspector">
      <div className="wl-panel-title">{t("Journey")}</div>
      <fieldset disabled={readOnly} className="wl-form">
        <div className="wl-field">
          <label className="wl-label">{t("Name")}</label>
          <JourneyName name={name} onRename={onRename} />
        </div>
      </fieldset>
      <Problems issues={issues} onPick={onPick} />
      <div className="wl-panel-title">{t("Settings")}</div>
      <fieldset disabled={readOnly} className="wl-form">
        <ObjectFields
          schema={schema}
          defs={settingsSchema.$defs || {}}
          value={settings}
          onChange={onSettings}
          path="settings"
          issues={settingsIssues}
          ctx={ctx}
        />
      </fieldset>
    </div>
  );
}

export function Problems({ issues, onPick }) {
  if (!issues.length)
    return (
      <div className="wl-problems ok" data-problems="0">
        {t("No problems: this journey is ready to publish.")}
      </div>
    );
  const errors = issues.filter((i) => i.severity === "error").length;
  return (
    <div className={`wl-problems ${errors ? "" : "warnings-only"}`} data-problems={issues.length}>
      <div className="wl-problems-head">
        {[
          errors ? t("{n} to fix before publishing", { n: errors }) : "",
          warningText(issues.length - errors),
        ]
          .filter(Boolean)
          .join(" · ")}
      </div>
      <ul>
        {issues.map((issue, index) => {
          return (
            <li
              key={index}
              className={`wl-problem ${issue.severity}`}
              role="button"
              tabIndex={0}
              data-problem-node={issue.node_id || ""}
              onClick={() => onPick(issue)}
              onKeyDown={(e) => e.key === "Enter" && onPick(issue)}
            >
              {issue.severity === "error" ? <CircleAlert size={15} /> : <TriangleAlert size={15} />}
              <span>{issue.message}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function warningText(count) {
  return count ? tn("{n} warning", "{n} warnings", count) : "";
}
