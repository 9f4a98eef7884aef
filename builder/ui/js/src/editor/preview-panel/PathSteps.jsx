// One customer's path as a list: each step passed, when (offset from entry and clock time in
// the journey's time zone), why, the port taken, a wait, and the message it would send.
import { CircleX, Mail } from "lucide-react";
import { clockText, offsetText } from "../preview.js";
import { KindIcon } from "../icons.jsx";
import { valueLabel } from "../labels.js";
import { t } from "../../i18n.js";
import { PATH_END, messageStatus, portLabel, stepWhy } from "./text.js";

export function PathSteps({ path, explained, kinds, ports, timezone, onPickNode }) {
  if (!path.entered) {
    // The clauses above already say why when the audience is the reason; don't say it twice.
    const said = explained && explained.external_id === path.external_id && !explained.matches;
    return (
      <div className="wl-path-end not" data-path-status="not_entered">
        <CircleX size={15} />{" "}
        {said
          ? t("No path to draw: they would not enter.")
          : t("Would not enter: {why}.", { why: path.entry_why })}
      </div>
    );
  }
  const start = Date.parse(path.entered_at);
  return (
    <div className="wl-path" data-path-status={path.status}>
      <div className="wl-label">
        {t("Their path, from {moment}", { moment: clockText(start, timezone) })}
      </div>
      <ol className="wl-path-steps">
        {path.steps.map((step, index) => (
          <PathStep
            key={index}
            index={index}
            step={step}
            kind={kinds[step.kind]}
            ports={ports[step.node_id]}
            start={start}
            timezone={timezone}
            onPick={() => onPickNode(step.node_id)}
          />
        ))}
      </ol>
      <div className={`wl-path-end ${path.status}`}>
        {path.end_reason
          ? t("{ending}: {reason}", { ending: t(PATH_END[path.status]), reason: path.end_reason })
          : t(PATH_END[path.status])}
      </div>
      {path.notes?.map((note, index) => (
        <p key={index} className="wl-help">
          {note}
        </p>
      ))}
    </div>
  );
}

function PathStep({ index, step, kind, ports, start, timezone, onPick }) {
  const at = Date.parse(step.entered_at);
  const color = /** @type {import("react").CSSProperties} */ ({
    "--kind": kind?.color || "#64748b",
  });
  return (
    <li data-path-step={step.node_id} style={color} onClick={onPick}>
      <span className="wl-path-index">{index + 1}</span>
      <div className="wl-path-body">
        <div className="wl-path-title">
          <KindIcon name={kind?.icon} size={13} /> <strong>{step.label}</strong>
          <time title={step.entered_at}>
            {offsetText(at - start)} · {clockText(at, timezone)}
          </time>
        </div>
        <div className="wl-path-why">{stepWhy(step)}</div>
        {step.port && step.port !== "next" ? (
          <div className="wl-path-port">→ {portLabel(ports || kind?.ports, step.port)}</div>
        ) : null}
        {step.wait_until ? (
          <div className="wl-path-wait">
            {t("Waits until {moment}", {
              moment: clockText(Date.parse(step.wait_until), timezone),
            })}
          </div>
        ) : null}
        {step.message ? <MessageCard message={step.message} /> : null}
      </div>
    </li>
  );
}

// The message a send step would send, or why it would not (held back, deferred).
function MessageCard({ message }) {
  const { content } = message;
  const body = content.text ?? content.body ?? content.html ?? "";
  return (
    <div className={`wl-message ${message.status}`} data-message={message.status}>
      <div className="wl-message-head">
        <Mail size={13} /> {valueLabel(message.channel)}
        {message.template_name ? ` · ${message.template_name}` : ""}
        {message.status !== "queued" ? (
          <span className="wl-pill subtle">{messageStatus(message.status)}</span>
        ) : null}
      </div>
      {message.reason ? <div className="wl-message-reason">{message.reason}</div> : null}
      {content.subject ? <div className="wl-message-subject">{content.subject}</div> : null}
      {content.title ? <div className="wl-message-subject">{content.title}</div> : null}
      {body ? <div className="wl-message-body">{String(body)}</div> : null}
    </div>
  );
}
