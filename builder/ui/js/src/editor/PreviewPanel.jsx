// The preview panel beside the canvas: who enters (count and sample), why one customer would
// enter or not and the path they would take (drawn on the canvas), and the dry run (counts
// drawn on the wires). Nothing here sends or saves anything.
import { useState } from "react";
import {
  CircleCheck,
  CircleX,
  FlaskConical,
  LoaderCircle,
  Mail,
  Play,
  Plus,
  RefreshCw,
  Trash2,
  Users,
  X,
} from "lucide-react";
import { clockText, countText, offsetText, windowName } from "./preview.js";
import { KindIcon } from "./icons.jsx";

/** @type {Array<[string, string, import("lucide-react").LucideIcon]>} */
const TABS = [
  ["audience", "Audience", Users],
  ["customer", "Customer path", Play],
  ["dry_run", "Dry run", FlaskConical],
];
const HORIZONS = [7, 30, 90];

export function PreviewPanel({ preview, kinds, ports, timezone, onPickNode, onPickIssue }) {
  const {
    previews,
    tab,
    setTab,
    customer,
    setCustomer,
    events,
    setEvents,
    windowLabel,
    setWindowLabel,
    close: onClose,
  } = preview;
  const lookAt = (externalId, withEvents = events) => {
    setCustomer(externalId);
    setTab("customer");
    previews.ask("explain", { external_id: externalId });
    previews.ask("path", { external_id: externalId, events: withEvents });
  };
  return (
    <div className="wl-preview" data-preview-panel={tab}>
      <div className="wl-preview-head">
        <div className="wl-panel-title">Preview</div>
        <button
          type="button"
          className="wl-icon-button"
          title="Close the preview"
          onClick={onClose}
          data-action="close-preview"
        >
          <X size={16} />
        </button>
      </div>
      <div className="wl-segmented wl-preview-tabs">
        {TABS.map(([key, label, Icon]) => (
          <button
            key={key}
            type="button"
            className={tab === key ? "on" : ""}
            data-preview-tab={key}
            onClick={() => {
              setTab(key);
              // Coming back to a tab whose answer is missing or out of date works it out again.
              const outdated = (op) => ["none", "stale"].includes(previews.status(op));
              if (key === "audience" && outdated("audience")) previews.ask("audience");
              if (key === "customer" && customer && outdated("path")) lookAt(customer);
            }}
          >
            <Icon size={13} /> {label}
          </button>
        ))}
      </div>
      <p className="wl-help wl-preview-note">
        Previews use the saved draft and your real customers. Nothing is sent or saved. Double-click
        a step to edit it.
      </p>
      {tab === "audience" ? (
        <AudienceTab previews={previews} onLook={lookAt} onPickIssue={onPickIssue} />
      ) : null}
      {tab === "customer" ? (
        <CustomerTab
          previews={previews}
          customer={customer}
          events={events}
          setEvents={setEvents}
          onLook={lookAt}
          kinds={kinds}
          ports={ports}
          timezone={timezone}
          onPickNode={onPickNode}
          onPickIssue={onPickIssue}
        />
      ) : null}
      {tab === "dry_run" ? (
        <DryRunTab
          previews={previews}
          windowLabel={windowLabel}
          setWindowLabel={setWindowLabel}
          kinds={kinds}
          onPickNode={onPickNode}
          onPickIssue={onPickIssue}
        />
      ) : null}
    </div>
  );
}

function Answer({ previews, op, onPickIssue, children, idle = undefined }) {
  const status = previews.status(op);
  const answer = previews.answers[op];
  if (status === "loading" && !answer)
    return (
      <div className="wl-preview-loading">
        <LoaderCircle size={15} className="wl-spin" /> Working it out…
      </div>
    );
  if (status === "none") return idle || null;
  return (
    <div className={`wl-preview-answer ${status}`} data-preview={op} data-preview-status={status}>
      {status === "loading" ? (
        <div className="wl-preview-loading overlay">
          <LoaderCircle size={15} className="wl-spin" /> Updating…
        </div>
      ) : null}
      {answer.error ? (
        <PreviewError answer={answer} onPickIssue={onPickIssue} />
      ) : (
        children(answer.data)
      )}
    </div>
  );
}

function PreviewError({ answer, onPickIssue }) {
  return (
    <div className="wl-preview-error" data-preview-error>
      <p>{answer.error}</p>
      {answer.issues?.length ? (
        <ul>
          {answer.issues.map((issue, index) => (
            <li key={index} role="button" tabIndex={0} onClick={() => onPickIssue(issue)}>
              {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function AudienceTab({ previews, onLook, onPickIssue }) {
  return (
    <section className="wl-preview-section">
      <Answer
        previews={previews}
        op="audience"
        onPickIssue={onPickIssue}
        idle={
          <button
            type="button"
            className="wl-button primary"
            onClick={() => previews.ask("audience")}
            data-action="count-audience"
          >
            <Users size={15} /> Count who enters
          </button>
        }
      >
        {(data) => (
          <>
            <p className="wl-preview-entry">{data.entry?.summary}</p>
            <div className="wl-preview-figure">
              <strong data-audience-count={data.count ?? ""}>
                {data.count == null ? "—" : data.count.toLocaleString()}
              </strong>
              <span>
                {data.count == null
                  ? "can't be counted in advance"
                  : `customer${data.count === 1 ? "" : "s"} would enter now`}
              </span>
              <button
                type="button"
                className="wl-icon-button"
                title="Count again"
                onClick={() => previews.ask("audience")}
              >
                <RefreshCw size={14} />
              </button>
            </div>
            {data.notes?.map((note, index) => (
              <p key={index} className="wl-help">
                {note}
              </p>
            ))}
            {data.customers.length ? (
              <div className="wl-label">
                A sample — pick one to see why they enter and their path
              </div>
            ) : null}
            <ul className="wl-sample">
              {data.customers.map((c) => (
                <li
                  key={c.id}
                  role="button"
                  tabIndex={0}
                  data-sample-customer={c.external_id}
                  onClick={() => onLook(c.external_id)}
                  onKeyDown={(e) => e.key === "Enter" && onLook(c.external_id)}
                >
                  <strong>{c.external_id}</strong>
                  <span className="wl-sample-contact">{c.email || c.phone || ""}</span>
                  <span className="wl-sample-attrs">
                    {Object.entries(c.attributes)
                      .slice(0, 3)
                      .map(([k, v]) => `${k}: ${short(v)}`)
                      .join(" · ")}
                  </span>
                </li>
              ))}
            </ul>
            {data.next_after ? (
              <button
                type="button"
                className="wl-link-button"
                onClick={() => previews.ask("audience", { after: data.next_after })}
              >
                Show more
              </button>
            ) : null}
          </>
        )}
      </Answer>
    </section>
  );
}

function CustomerTab({
  previews,
  customer,
  events,
  setEvents,
  onLook,
  kinds,
  ports,
  timezone,
  onPickNode,
  onPickIssue,
}) {
  const [text, setText] = useState(customer || "");
  const sample = previews.answers.audience?.data?.customers || [];
  return (
    <section className="wl-preview-section">
      <form
        className="wl-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) onLook(text.trim());
        }}
      >
        <input
          className="wl-input"
          list="wl-sample-ids"
          placeholder="Customer id, e.g. c-1042"
          value={text}
          onChange={(e) => setText(e.target.value)}
          data-field="preview-customer"
        />
        <datalist id="wl-sample-ids">
          {sample.map((c) => (
            <option key={c.id} value={c.external_id} />
          ))}
        </datalist>
        <button type="submit" className="wl-button primary" data-action="preview-customer">
          Preview
        </button>
      </form>
      <ImaginedEvents
        events={events}
        setEvents={setEvents}
        onApply={(next) => customer && onLook(customer, next)}
      />
      {customer ? (
        <>
          <Answer previews={previews} op="explain" onPickIssue={onPickIssue}>
            {(data) => <WhyTab data={data} />}
          </Answer>
          <Answer previews={previews} op="path" onPickIssue={onPickIssue}>
            {(data) => (
              <PathSteps
                path={data}
                explained={previews.answers.explain?.data}
                kinds={kinds}
                ports={ports}
                timezone={timezone}
                onPickNode={onPickNode}
              />
            )}
          </Answer>
        </>
      ) : (
        <p className="wl-help">Pick a customer from the audience sample, or type their id.</p>
      )}
    </section>
  );
}

function ImaginedEvents({ events, setEvents, onApply }) {
  const update = (next) => {
    setEvents(next);
  };
  return (
    <div className="wl-imagined">
      <div className="wl-label">
        What they do after entering <span className="wl-optional">optional</span>
      </div>
      {events.map((event, index) => (
        <div key={index} className="wl-row" data-imagined-event={index}>
          <input
            className="wl-input wl-grow"
            placeholder="event, e.g. order_completed"
            value={event.name}
            onChange={(e) =>
              update(events.map((ev, i) => (i === index ? { ...ev, name: e.target.value } : ev)))
            }
          />
          <span>after</span>
          <input
            className="wl-input wl-short"
            type="number"
            min="0"
            value={event.after.amount}
            onChange={(e) =>
              update(
                events.map((ev, i) =>
                  i === index
                    ? {
                        ...ev,
                        after: { ...ev.after, amount: Math.max(0, Number(e.target.value) || 0) },
                      }
                    : ev,
                ),
              )
            }
          />
          <select
            className="wl-input wl-compact"
            value={event.after.unit}
            onChange={(e) =>
              update(
                events.map((ev, i) =>
                  i === index ? { ...ev, after: { ...ev.after, unit: e.target.value } } : ev,
                ),
              )
            }
          >
            {["minutes", "hours", "days"].map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="wl-icon-button"
            title="Remove"
            onClick={() => {
              const next = events.filter((_, i) => i !== index);
              update(next);
              onApply(next);
            }}
          >
            <Trash2 size={14} />
          </button>
        </div>
      ))}
      <div className="wl-row">
        <button
          type="button"
          className="wl-link-button"
          onClick={() => update([...events, { name: "", after: { amount: 30, unit: "minutes" } }])}
          data-action="imagine-event"
        >
          <Plus size={14} /> Imagine an event
        </button>
        {events.length ? (
          <button
            type="button"
            className="wl-link-button"
            onClick={() => onApply(events.filter((e) => e.name.trim()))}
            data-action="apply-events"
          >
            Preview with these
          </button>
        ) : null}
      </div>
    </div>
  );
}

function WhyTab({ data }) {
  return (
    <div
      className={`wl-why ${data.matches ? "yes" : "no"}`}
      data-why={data.matches ? "enters" : "not"}
    >
      <div className="wl-why-head">
        {data.matches ? <CircleCheck size={17} /> : <CircleX size={17} />}
        <strong>
          {data.external_id} {data.matches ? "would enter" : "would not enter"}
        </strong>
      </div>
      {data.clauses.length <= 1 && ["and", "or"].includes(data.clauses[0]?.kind) ? (
        <p className="wl-help">The entry sets no conditions on who may enter.</p>
      ) : (
        <>
          <ul className="wl-clauses" title={data.summary}>
            {data.clauses.map((clause) => (
              <li
                key={clause.path}
                className={clause.matched ? "held" : "failed"}
                style={{ paddingLeft: 8 + clause.depth * 14 }}
                data-clause={clause.matched ? "held" : "failed"}
              >
                {clause.matched ? "✓" : "✗"}{" "}
                <span>
                  {clause.kind === "and"
                    ? "All of these"
                    : clause.kind === "or"
                      ? "Any of these"
                      : clause.kind === "not"
                        ? "None of this"
                        : clause.reason}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      {data.notes?.map((note, index) => (
        <p key={index} className="wl-help">
          {note}
        </p>
      ))}
    </div>
  );
}

const STATUS_TEXT = {
  done: "Finished the journey",
  exited: "Left the journey",
  waiting: "Still waiting at the end of the preview",
  not_entered: "Would not enter",
};

function PathSteps({ path, explained, kinds, ports, timezone, onPickNode }) {
  if (!path.entered) {
    // The clauses above already say why when the audience is the reason; don't say it twice.
    const said = explained && explained.external_id === path.external_id && !explained.matches;
    return (
      <div className="wl-path-end not" data-path-status="not_entered">
        <CircleX size={15} />{" "}
        {said ? "No path to draw: they would not enter." : `Would not enter: ${path.entry_why}.`}
      </div>
    );
  }
  const start = Date.parse(path.entered_at);
  return (
    <div className="wl-path" data-path-status={path.status}>
      <div className="wl-label">Their path, from {clockText(start, timezone)}</div>
      <ol className="wl-path-steps">
        {path.steps.map((step, index) => {
          const at = Date.parse(step.entered_at);
          const kind = kinds[step.kind];
          return (
            <li
              key={index}
              data-path-step={step.node_id}
              style={
                /** @type {import("react").CSSProperties} */ ({
                  "--kind": kind?.color || "#64748b",
                })
              }
              onClick={() => onPickNode(step.node_id)}
            >
              <span className="wl-path-index">{index + 1}</span>
              <div className="wl-path-body">
                <div className="wl-path-title">
                  <KindIcon name={kind?.icon} size={13} /> <strong>{step.label}</strong>
                  <time title={step.entered_at}>
                    {offsetText(at - start)} · {clockText(at, timezone)}
                  </time>
                </div>
                <div className="wl-path-why">{step.why}</div>
                {step.port && step.port !== "next" ? (
                  <div className="wl-path-port">
                    → {portLabel(ports[step.node_id] || kind?.ports, step.port)}
                  </div>
                ) : null}
                {step.wait_until ? (
                  <div className="wl-path-wait">
                    Waits until {clockText(Date.parse(step.wait_until), timezone)}
                  </div>
                ) : null}
                {step.message ? <MessageCard message={step.message} /> : null}
              </div>
            </li>
          );
        })}
      </ol>
      <div className={`wl-path-end ${path.status}`}>
        {STATUS_TEXT[path.status]}
        {path.end_reason ? `: ${path.end_reason}` : ""}
      </div>
      {path.notes?.map((note, index) => (
        <p key={index} className="wl-help">
          {note}
        </p>
      ))}
    </div>
  );
}

function MessageCard({ message }) {
  const { content } = message;
  const body = content.text ?? content.body ?? content.html ?? "";
  return (
    <div className={`wl-message ${message.status}`} data-message={message.status}>
      <div className="wl-message-head">
        <Mail size={13} /> {message.channel}
        {message.template_name ? ` · ${message.template_name}` : ""}
        {message.status !== "queued" ? (
          <span className="wl-pill subtle">{message.status}</span>
        ) : null}
      </div>
      {message.reason ? <div className="wl-message-reason">{message.reason}</div> : null}
      {content.subject ? <div className="wl-message-subject">{content.subject}</div> : null}
      {content.title ? <div className="wl-message-subject">{content.title}</div> : null}
      {body ? <div className="wl-message-body">{String(body)}</div> : null}
    </div>
  );
}

function DryRunTab({ previews, windowLabel, setWindowLabel, kinds, onPickNode, onPickIssue }) {
  const [horizon, setHorizon] = useState(30);
  const status = previews.status("dry_run");
  const run = () => previews.ask("dry_run", { horizon_days: horizon });
  return (
    <section className="wl-preview-section">
      <div className="wl-row">
        <span>Simulate the next</span>
        <select
          className="wl-input wl-compact"
          value={horizon}
          onChange={(e) => setHorizon(Number(e.target.value))}
          data-field="dry-run-horizon"
        >
          {HORIZONS.map((days) => (
            <option key={days} value={days}>
              {days} days
            </option>
          ))}
        </select>
        <button
          type="button"
          className="wl-button primary"
          onClick={run}
          disabled={status === "loading"}
          data-action="dry-run"
        >
          {status === "loading" ? (
            <LoaderCircle size={15} className="wl-spin" />
          ) : (
            <FlaskConical size={15} />
          )}{" "}
          {status === "none" ? "Run dry run" : "Run again"}
        </button>
      </div>
      {status === "stale" ? (
        <p className="wl-preview-stale">
          The draft changed since this dry run. Run it again to see the new counts.
        </p>
      ) : null}
      <Answer previews={previews} op="dry_run" onPickIssue={onPickIssue}>
        {(dry) => (
          <DryRunResult
            dry={dry}
            windowLabel={windowLabel}
            setWindowLabel={setWindowLabel}
            kinds={kinds}
            onPickNode={onPickNode}
          />
        )}
      </Answer>
    </section>
  );
}

function DryRunResult({ dry, windowLabel, setWindowLabel, kinds, onPickNode }) {
  const windows = dry.ports[0]?.within || dry.nodes[0]?.within || [];
  const chosen = windows.find((w) => w.label === windowLabel) ? windowLabel : "horizon";
  return (
    <>
      <div className="wl-preview-figure">
        <strong data-dry-entered={dry.entered.count}>
          {countText(dry.entered.count, dry.entered.margin)}
        </strong>
        <span>
          of {dry.audience.toLocaleString()} in the audience would enter
          {dry.sampled ? ` (${dry.simulated.toLocaleString()} simulated)` : ""}
        </span>
      </div>
      <div className="wl-label">Counts on the wires: reached within</div>
      <div className="wl-segmented" data-dry-windows>
        {windows.map((w) => (
          <button
            key={w.label}
            type="button"
            className={chosen === w.label ? "on" : ""}
            data-dry-window={w.label}
            onClick={() => setWindowLabel(w.label)}
          >
            {windowName(w)}
          </button>
        ))}
      </div>
      <table className="wl-dry-table">
        <thead>
          <tr>
            <th>Step</th>
            <th className="num">Reach</th>
            <th className="num">Waiting at end</th>
          </tr>
        </thead>
        <tbody>
          {dry.nodes.map((node) => {
            const w = node.within.find((x) => x.label === chosen) || node.reached;
            const count = w.count || w;
            return (
              <tr
                key={node.node_id}
                onClick={() => onPickNode(node.node_id)}
                data-dry-node={node.node_id}
              >
                <td>
                  <span className="wl-dot" style={{ background: kinds[node.kind]?.color }} />{" "}
                  {node.label}
                </td>
                <td className="num">{countText(count.count, count.margin)}</td>
                <td className="num">
                  {node.waiting_at_horizon.count
                    ? node.waiting_at_horizon.count.toLocaleString()
                    : "—"}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {dry.notes.map((note, index) => (
        <p key={index} className="wl-help">
          {note}
        </p>
      ))}
      <p className="wl-help">Simulated in {(dry.took_ms / 1000).toFixed(1)} s.</p>
    </>
  );
}

function portLabel(ports, port) {
  return ports?.find((p) => p.key === port)?.label || port;
}

function short(value) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 24 ? text.slice(0, 23) + "…" : text;
}
