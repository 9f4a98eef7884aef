// The publish dialog's map for customers in flight: per step of the live version, how many are
// there now and where they go in the new version — the same step (the default when it is still
// there with the same kind), another step, out of the journey, or staying on their version —
// with "restart the wait" for waiting customers, and the server's preview of what the map does
// (customers per step of the new version, who leaves and stays, the messages that go at once).
import { useCallback, useEffect, useState } from "react";
import { formatNumber, t, tn } from "../i18n.js";

const DELAY = 250; // ms after a change before the preview is asked again

// For a dialog that publishes: the map (null when nothing is live), what the command carries
// (`{ moves }`), and whether confirming must wait (the preview is coming, or has problems).
export function useFlightMap(journey) {
  const live = journey.live_version;
  const [choices, setChoices] = useState({});
  const [preview, setPreview] = useState(/** @type {any} */ (null));
  const onPreview = useCallback((answer) => setPreview(answer), []);
  if (!live) return { map: null, fields: {}, blocked: false };
  const blocked =
    !preview || preview.loading || !!preview.error || preview.data.problems.length > 0;
  const map = (
    <FlightMap
      journeyId={journey.id}
      liveVersion={live}
      choices={choices}
      onChoices={setChoices}
      onPreview={onPreview}
    />
  );
  return { map, fields: { moves: choices }, blocked };
}

function FlightMap({ journeyId, liveVersion, choices, onChoices, onPreview }) {
  const preview = useFlightPreview(journeyId, choices);
  useEffect(() => onPreview(preview), [preview, onPreview]);
  if (preview.loading && !preview.data)
    return <div className="wl-help">{t("Counting the customers in the journey…")}</div>;
  if (preview.error) return <div className="wl-alert">{preview.error}</div>;
  const data = preview.data;
  const occupied = data.steps.filter((step) => step.customers > 0);
  const empty = data.steps.length - occupied.length;
  if (!occupied.length)
    return (
      <div className="wl-help" data-flight-empty>
        {t("No one is in the journey now: every customer will get the new version.")}
      </div>
    );
  const choose = (nodeId, choice) => onChoices({ ...choices, [nodeId]: choice });
  return (
    <div className="wl-flight" data-flight-map>
      <span className="wl-label">
        {t("Customers in the journey now (version {version})", { version: liveVersion })}
      </span>
      <table className="wl-table wl-flight-table">
        <thead>
          <tr>
            <th>{t("Step")}</th>
            <th>{t("Customers")}</th>
            <th>{t("In the new version")}</th>
          </tr>
        </thead>
        <tbody>
          {occupied.map((step) => (
            <FlightRow
              key={step.node_id}
              step={step}
              choice={choices[step.node_id] || step.choice}
              targets={data.targets}
              liveVersion={liveVersion}
              onChoose={(choice) => choose(step.node_id, choice)}
            />
          ))}
        </tbody>
      </table>
      {empty ? <div className="wl-help">{emptyText(empty)}</div> : null}
      <FlightOutcome data={data} stale={preview.loading} />
      {data.problems.length ? (
        <ul className="wl-issue-list" data-flight-problems={data.problems.length}>
          {data.problems.map((problem, index) => (
            <li key={index}>{problem.message}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function FlightRow({ step, choice, targets, liveVersion, onChoose }) {
  const value = choice.action === "move" ? `move:${choice.to || ""}` : choice.action;
  const pick = (picked) => {
    if (picked === "stay" || picked === "leave") onChoose({ action: picked });
    else onChoose({ action: "move", to: picked.slice(5), restart_wait: false });
  };
  return (
    <tr data-flight-step={step.node_id}>
      <td>
        <strong>{step.label}</strong>
        <div className="wl-help">{t(step.kind)}</div>
      </td>
      <td data-flight-customers={step.customers}>
        {formatNumber(step.customers)}
        {step.waiting ? (
          <div className="wl-help">
            {t("{count} waiting", { count: formatNumber(step.waiting) })}
          </div>
        ) : null}
      </td>
      <td>
        <select
          className="wl-select"
          value={value}
          aria-label={t("Where the customers at {step} go", { step: step.label })}
          data-flight-choice={step.node_id}
          onChange={(event) => pick(event.target.value)}
        >
          <option value="stay">{t("Stay on version {version}", { version: liveVersion })}</option>
          <option value="leave">{t("Leave the journey")}</option>
          {targets
            .filter((target) => !target.entry || step.entry)
            .map((target) => (
              <option key={target.node_id} value={`move:${target.node_id}`}>
                {t("Move to “{step}”", { step: target.label })}
              </option>
            ))}
        </select>
        {choice.action === "move" && step.waiting && (step.keeps_wait || choice.restart_wait) ? (
          <label className="wl-toggle">
            <input
              type="checkbox"
              checked={!!choice.restart_wait}
              data-flight-restart={step.node_id}
              onChange={(event) => onChoose({ ...choice, restart_wait: event.target.checked })}
            />{" "}
            {t("Restart the wait")}
          </label>
        ) : choice.action === "move" && step.waiting ? (
          <div className="wl-help">{t("They arrive at that step now.")}</div>
        ) : null}
      </td>
    </tr>
  );
}

function FlightOutcome({ data, stale }) {
  const receiving = data.targets.filter((target) => target.customers > 0);
  return (
    <div className={`wl-publish-facts ${stale ? "wl-preview-stale" : ""}`} data-flight-outcome>
      {receiving.map((target) => (
        <div className="wl-rendered-line" key={target.node_id}>
          <span>{t("To “{step}”", { step: target.label })}</span>
          <strong data-flight-target={target.node_id}>{formatNumber(target.customers)}</strong>
        </div>
      ))}
      <div className="wl-rendered-line">
        <span>{t("Leave the journey")}</span>
        <strong data-flight-leaving={data.leaving}>{formatNumber(data.leaving)}</strong>
      </div>
      <div className="wl-rendered-line">
        <span>{t("Stay on version {version}", { version: data.live_version })}</span>
        <strong data-flight-staying={data.staying}>{formatNumber(data.staying)}</strong>
      </div>
      <div className="wl-rendered-line">
        <span>{t("Messages that go out at once")}</span>
        <strong data-flight-messages={data.messages_at_once}>
          {data.estimated
            ? t("about {count}", { count: formatNumber(data.messages_at_once) })
            : formatNumber(data.messages_at_once)}
        </strong>
      </div>
    </div>
  );
}

// "3 other steps have no one in them now."
function emptyText(count) {
  return tn(
    "{n} other step has no one in it now.",
    "{n} other steps have no one in them now.",
    count,
  );
}

// The server's preview of the map, asked again shortly after each change.
function useFlightPreview(journeyId, choices) {
  const [preview, setPreview] = useState(
    /** @type {{ loading: boolean, data?: any, error?: string }} */ ({ loading: true }),
  );
  useEffect(() => {
    let current = true;
    setPreview((before) => ({ ...before, loading: true }));
    const timer = setTimeout(() => {
      fetch(`/api/journeys/${journeyId}/flight-preview`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ moves: choices }),
      })
        .then(async (answer) => {
          const data = await answer.json();
          if (!current) return;
          setPreview(
            answer.ok
              ? { loading: false, data }
              : { loading: false, error: data.detail || t("The preview could not be made.") },
          );
        })
        .catch(
          () =>
            current &&
            setPreview({ loading: false, error: t("The preview could not be made: no answer.") }),
        );
    }, DELAY);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [journeyId, choices]);
  return preview;
}
