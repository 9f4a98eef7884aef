// How a journey step and a connection look on the canvas.
import { createContext, memo } from "react";
// @ts-expect-error TS18042: @xyflow/react exports Handle as a component and as a type of the
// same name, and tsc sees only the type from a JavaScript file.
import { BaseEdge, EdgeLabelRenderer, Handle, Position, getSmoothStepPath } from "@xyflow/react";
import { KindIcon } from "./icons.jsx";
import { summarize } from "./summary.js";
import { useStepContext, useWireContext } from "./views.js";

export const EditorContext = createContext(null);

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
              title="Paused: customers wait before this step"
            >
              Paused
            </span>
          ) : null}
          {change ? (
            <span className={`wl-diff-tag ${change}`} data-diff={change}>
              {change}
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
        <div className="wl-node-title">{data.label || kind?.label || type}</div>
        {summary ? <div className="wl-node-summary">{summary}</div> : null}
        {live ? (
          <div className="wl-node-live" data-live={id}>
            <span title="Entered this step">
              <b>{live.entered.toLocaleString()}</b> entered
            </span>
            <span title="Here now">
              <b data-live-here>{live.here.toLocaleString()}</b> here
            </span>
            {live.median ? (
              <span title="Median time customers spent at this step" data-live-median={id}>
                ~<b>{spent(live.median)}</b>
              </span>
            ) : null}
            {live.sent != null ? (
              <span title="Messages sent">
                <b>{live.sent.toLocaleString()}</b> sent
              </span>
            ) : null}
            {live.failed ? (
              <span className="failed" title="Messages that failed">
                <b>{live.failed.toLocaleString()}</b> failed
              </span>
            ) : null}
          </div>
        ) : null}
        {dry ? (
          <div className="wl-node-dry" data-dry={id}>
            <span title={`Reach this step within ${dry.label}`}>
              <b data-dry-count>{dry.count.toLocaleString()}</b>
              {dry.margin ? ` ±${dry.margin.toLocaleString()}` : ""} reach
            </span>
            {dry.waiting ? (
              <span title="Still here when the dry run ends">
                <b>{dry.waiting.toLocaleString()}</b> waiting
              </span>
            ) : null}
            {dry.held ? (
              <span
                className="held"
                title="Messages not sent: no consent, frequency cap, quiet hours or missing data"
              >
                <b>{dry.held.toLocaleString()}</b> held back
              </span>
            ) : null}
          </div>
        ) : null}
        {ports.length > 1 ? (
          <div className="wl-ports">
            {ports.map((port) => (
              <span key={port.key} className="wl-port-label">
                {port.label}
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
            title={port.label}
            style={{ left: `${((index + 1) / (ports.length + 1)) * 100}%` }}
            data-port={port.key}
          />
        ))}
      </div>
    );
  },
);

export const JourneyEdge = memo(
  /** @param {import("@xyflow/react").EdgeProps} props */
  function JourneyEdge(props) {
    const {
      id,
      source,
      sourceHandleId,
      sourceX,
      sourceY,
      targetX,
      targetY,
      sourcePosition,
      targetPosition,
      selected,
      markerEnd,
    } = props;
    const ctx = useWireContext(id, source);
    const ports = ctx.ports[source] || [];
    const port = ports.find((p) => p.key === (sourceHandleId || "next"));
    const showLabel = ports.length > 1 && port;
    const count = ctx.edgeCounts?.[id];
    const dry = ctx.dry?.edges[id];
    const taken = ctx.path ? (ctx.path.edges.has(id) ? "on-path" : "off-path") : "";
    const change = ctx.diff?.edges[id];
    const [path, labelX, labelY] = getSmoothStepPath({
      sourceX,
      sourceY,
      targetX,
      targetY,
      sourcePosition,
      targetPosition,
      borderRadius: 12,
    });
    return (
      <>
        <BaseEdge
          id={id}
          path={path}
          markerEnd={markerEnd}
          className={`wl-edge ${selected ? "selected" : ""} ${taken} ${change ? `diff-${change}` : ""}`}
        />
        {showLabel || count != null || dry ? (
          <EdgeLabelRenderer>
            <div
              className={`wl-edge-label ${selected ? "selected" : ""} ${taken}`}
              style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
              data-edge-label={id}
            >
              {showLabel ? port.label : null}
              {count != null ? <span className="wl-edge-count">{count}</span> : null}
              {dry ? (
                <span className="wl-edge-dry" data-dry-edge={id}>
                  {dry.count.toLocaleString()}
                  {dry.margin ? ` ±${dry.margin.toLocaleString()}` : ""} within {dry.label}
                </span>
              ) : null}
              {dry?.share ? (
                <span className="wl-edge-share" data-dry-share={id} title="Of everyone who entered">
                  {dry.share}
                </span>
              ) : null}
            </div>
          </EdgeLabelRenderer>
        ) : null}
      </>
    );
  },
);

// A median stay as a marketer reads it: 45s, 12m, 5h, 2.5d.
function spent(seconds) {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  if (seconds < 86400) return `${+(seconds / 3600).toFixed(1)}h`;
  return `${+(seconds / 86400).toFixed(1)}d`;
}
