// How a journey step and a connection look on the canvas. A step's title wraps to two lines
// (the whole title in its tooltip); zoomed out, its counts are summarised (1.2만, 12K) and drawn
// larger, so they stay readable when a whole journey fits the screen. Every wire carries its
// output's name (a lone "Next" needs none) and, while editing, a "+" that inserts a step there.
import { createContext, memo, useContext } from "react";
import {
  BaseEdge,
  EdgeLabelRenderer,
  // @ts-expect-error TS18042: @xyflow/react exports Handle as a component and as a type of
  // the same name, and tsc sees only the type from a JavaScript file.
  Handle,
  Position,
  getSmoothStepPath,
  useStore,
} from "@xyflow/react";
import { CircleAlert, LogIn, Send, UserRound } from "lucide-react";
import { N_, formatNumber, language, t } from "../i18n.js";
import { compactNumber, wireLabel } from "./counts.js";
import { EarnedLine, WireResult } from "./Earned.jsx";
import { KindIcon } from "./icons.jsx";
import { summarize } from "./summary.js";
import { useStepContext, useWireContext } from "./views.js";
import { WireInsert } from "./wire-insert.jsx";

export const EditorContext = createContext(null);

// What the canvas lets a wire do while the draft is edited ({insertable, onInsert}); null elsewhere
// (read-only journeys, versions and comparisons).
export const WireToolsContext = createContext(null);

const DIFF_WORDS = {
  added: N_("added"),
  removed: N_("removed"),
  changed: N_("changed"),
  moved: N_("moved"),
};

// Below this zoom a step's counts are summarised and drawn larger.
const FAR_ZOOM = 0.75;
const isFar = (state) => state.transform[2] < FAR_ZOOM;

export const JourneyNode = memo(
  /** @param {import("@xyflow/react").NodeProps} props */
  function JourneyNode({ id, type, data, selected }) {
    const ctx = useStepContext(id);
    const kind = ctx.kinds[type];
    const ports = ctx.ports[id] || kind?.ports || [];
    const issues = ctx.issuesByNode[id] || [];
    const errors = issues.filter((i) => i.severity === "error").length;
    const warnings = issues.length - errors;
    const color = kind?.color || "#64748b";
    const summary = summarize(kind, data.config, ctx);
    const live = ctx.live?.[id];
    const step = ctx.path?.nodes[id];
    const dry = ctx.dry?.nodes[id];
    const onPath = ctx.path ? (step ? "on-path" : "off-path") : "";
    const change = ctx.diff?.nodes[id];
    const title = data.label || kind?.label || type;
    const setUp = issues.some((i) => i.severity === "error" && i.code === "config.invalid");
    return (
      <div
        className={`wl-node ${selected ? "selected" : ""} ${errors ? "has-errors" : warnings ? "has-warnings" : ""} ${ctx.highlight?.has(id) ? "highlight" : ""} ${onPath} ${change ? `diff-${change}` : ""}`}
        style={/** @type {import("react").CSSProperties} */ ({ "--kind": color })}
        data-node-id={id}
        data-kind={type}
      >
        {step ? (
          <div className="wl-path-badge" data-path-order={step.order} title={step.clock}>
            <b>{step.order}</b>
            <span data-path-when>{step.when}</span>
          </div>
        ) : null}
        {kind && !kind.entry ? (
          <Handle type="target" position={Position.Top} className="wl-handle-in" />
        ) : null}
        <div className="wl-node-head">
          <span className="wl-node-icon">
            <KindIcon name={kind?.icon} size={15} />
          </span>
          <span className="wl-node-kind">{kind?.label || type}</span>
          {ctx.pausedSteps?.has(id) ? (
            <span
              className="wl-pill paused"
              data-step-paused={id}
              title={t("Paused: customers wait before this step")}
            >
              {t("Paused")}
            </span>
          ) : null}
          {change ? (
            <span className={`wl-diff-tag ${change}`} data-diff={change}>
              {t(DIFF_WORDS[change] || change)}
            </span>
          ) : null}
          {errors || warnings ? (
            <span
              className={`wl-badge ${errors ? "error" : "warning"}`}
              data-badge={errors ? "error" : "warning"}
              title={issues.map((i) => i.message).join("\n")}
            >
              {errors || warnings}
            </span>
          ) : null}
        </div>
        <div className="wl-node-title" title={title} data-node-title>
          {title}
        </div>
        {setUp ? (
          <div className="wl-node-setup" data-needs-setup={id}>
            {t("Needs setting up")}
          </div>
        ) : summary ? (
          <div className="wl-node-summary">{summary}</div>
        ) : null}
        {live ? <LiveCounts id={id} live={live} /> : null}
        {live?.earned ? <EarnedLine id={id} earned={live.earned} /> : null}
        {dry ? <DryCounts id={id} dry={dry} /> : null}
        {ports.length > 1 ? (
          <div className="wl-ports">
            {ports.map((port) => (
              <span key={port.key} className="wl-port-label">
                {t(port.label)}
              </span>
            ))}
          </div>
        ) : null}
        {ports.map((port, index) => (
          <Handle
            key={port.key}
            id={port.key}
            type="source"
            position={Position.Bottom}
            className={`wl-handle-out ${port.optional ? "optional" : ""}`}
            title={t(port.label)}
            style={{ left: `${((index + 1) / (ports.length + 1)) * 100}%` }}
            data-port={port.key}
          />
        ))}
      </div>
    );
  },
);

// A step's live counts: full figures with words up close; zoomed out, summarised, larger and
// each marked by an icon instead of a word too small to read.
function LiveCounts({ id, live }) {
  const far = useStore(isFar);
  const count = far ? compactNumber : formatNumber;
  const figure = (value, word, Icon, extra = {}) => (
    <>
      {far ? <Icon size={18} strokeWidth={2.5} aria-hidden="true" /> : null}
      <b {...extra}>{count(value)}</b> {far ? null : word}
    </>
  );
  return (
    <div className={`wl-node-live ${far ? "far" : ""}`} data-live={id} data-far={far || undefined}>
      <span title={t("Entered this step: {n}", { n: formatNumber(live.entered) })}>
        {figure(live.entered, t("entered"), LogIn)}
      </span>
      <span title={t("Here now: {n}", { n: formatNumber(live.here) })}>
        {figure(live.here, t("here"), UserRound, { "data-live-here": true })}
      </span>
      {live.median ? (
        <span title={t("Median time customers spent at this step")} data-live-median={id}>
          ~<b>{spent(live.median)}</b>
        </span>
      ) : null}
      {live.sent != null ? (
        <span title={t("Messages sent: {n}", { n: formatNumber(live.sent) })}>
          {figure(live.sent, t("sent"), Send)}
        </span>
      ) : null}
      {live.failed ? (
        <span
          className="failed"
          title={t("Messages that failed: {n}", { n: formatNumber(live.failed) })}
        >
          {figure(live.failed, t("failed"), CircleAlert)}
        </span>
      ) : null}
    </div>
  );
}

// A step's dry-run figures.
function DryCounts({ id, dry }) {
  const margin = dry.margin ? ` ±${formatNumber(dry.margin)}` : "";
  return (
    <div className="wl-node-dry" data-dry={id}>
      <span title={t("Reach this step within {period}", { period: dry.label })}>
        <b data-dry-count>{formatNumber(dry.count)}</b>
        {margin} {t("reach")}
      </span>
      {dry.waiting ? (
        <span title={t("Still here when the dry run ends")}>
          <b>{formatNumber(dry.waiting)}</b> {t("waiting")}
        </span>
      ) : null}
      {dry.held ? (
        <span
          className="held"
          title={t("Messages not sent: no consent, frequency cap, quiet hours or missing data")}
        >
          <b>{formatNumber(dry.held)}</b> {t("held back")}
        </span>
      ) : null}
    </div>
  );
}

export const JourneyEdge = memo(
  /** @param {import("@xyflow/react").EdgeProps} props */
  function JourneyEdge(props) {
    const { id, source, sourceHandleId, selected, markerEnd } = props;
    const ctx = useWireContext(id, source);
    const tools = useContext(WireToolsContext);
    const label = wireLabel(ctx.ports[source] || [], sourceHandleId);
    const count = ctx.edgeCounts?.[id];
    const result = ctx.edgeLifts?.[id];
    const dry = ctx.dry?.edges[id];
    const taken = ctx.path ? (ctx.path.edges.has(id) ? "on-path" : "off-path") : "";
    const change = ctx.diff?.edges[id];
    const [path, labelX, labelY] = getSmoothStepPath({ ...pathPoints(props), borderRadius: 12 });
    return (
      <>
        <BaseEdge
          id={id}
          path={path}
          markerEnd={markerEnd}
          className={`wl-edge ${selected ? "selected" : ""} ${taken} ${change ? `diff-${change}` : ""}`}
        />
        <EdgeLabelRenderer>
          <div
            className={`wl-edge-middle nodrag nopan ${selected ? "selected" : ""} ${taken}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
          >
            {label || count != null || dry || result ? (
              <div
                className={`wl-edge-label ${selected ? "selected" : ""} ${taken}`}
                data-edge-label={id}
              >
                {label}
                {count != null ? <span className="wl-edge-count">{count}</span> : null}
                {result ? <WireResult id={id} result={result} /> : null}
                {dry ? <DryWire id={id} dry={dry} /> : null}
              </div>
            ) : null}
            {tools ? <WireInsert edgeId={id} tools={tools} /> : null}
          </div>
        </EdgeLabelRenderer>
      </>
    );
  },
);

const pathPoints = ({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition }) => ({
  sourceX,
  sourceY,
  targetX,
  targetY,
  sourcePosition,
  targetPosition,
});

function DryWire({ id, dry }) {
  const margin = dry.margin ? ` ±${formatNumber(dry.margin)}` : "";
  return (
    <>
      <span className="wl-edge-dry" data-dry-edge={id}>
        {t("{count} within {period}", {
          count: formatNumber(dry.count) + margin,
          period: dry.label,
        })}
      </span>
      {dry.share ? (
        <span className="wl-edge-share" data-dry-share={id} title={t("Of everyone who entered")}>
          {dry.share}
        </span>
      ) : null}
    </>
  );
}

// A median stay as a marketer reads it: 45s, 12m, 5h, 2.5d (in the page's language).
function spent(seconds) {
  const unit = (value, name) =>
    new Intl.NumberFormat(language(), {
      style: "unit",
      unit: name,
      unitDisplay: "narrow",
      maximumFractionDigits: 1,
    }).format(value);
  if (seconds < 60) return unit(Math.round(seconds), "second");
  if (seconds < 3600) return unit(Math.round(seconds / 60), "minute");
  if (seconds < 86400) return unit(seconds / 3600, "hour");
  return unit(seconds / 86400, "day");
}
