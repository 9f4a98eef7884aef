// The banners under the top bar: the connection (lost, reconnecting, back), edits refused because
// the draft changed elsewhere (what was not saved, to re-apply or discard), why the journey can't
// be edited (archived, view only), that sending is stopped, that it is paused (and why), that
// some of its steps are, or that its templates changed since it was published.
import { useContext, useState } from "react";
import { RefreshCw, TriangleAlert, WifiOff } from "lucide-react";
import { ApprovalBanner } from "./approvals.jsx";
import { ContentBanner } from "./ContentBanner.jsx";
import { changesSince } from "./edits.js";
import { EditorContext } from "./graph.jsx";
import { heldText } from "./publishing.js";
import { t, tn } from "../i18n.js";

export function Banners({ server, draft, connection, locked, pausedSteps, onCommand }) {
  const { journey } = server;
  const can = server.can || {};
  const archived = journey.status === "archived";
  const paused = pausedSteps.size;
  const pausedText = tn(
    "{n} step is paused: customers wait before it; {held}. Select a paused step to resume it.",
    "{n} steps are paused: customers wait before them; {held}. Select a paused step to resume it.",
    paused,
    { held: heldText(journey.held_messages) },
  );
  return (
    <>
      <ConnectionBanner
        connection={connection}
        waiting={locked ? 0 : draft.waiting}
        refused={!!draft.conflict}
      />
      {draft.conflict ? <ConflictBanner conflict={draft.conflict} draft={draft} /> : null}
      {archived ? (
        <div className="wl-banner">
          {t(
            "This journey is archived: no one enters it and it can't be edited. Clone it from the journeys list to reuse it.",
          )}
        </div>
      ) : null}
      {locked && !archived ? (
        <div className="wl-banner" data-banner="view-only">
          {t(
            "View only: your role can look at this journey and its numbers, but not change or publish it.",
          )}
        </div>
      ) : null}
      {server.sending ? (
        <div className="wl-banner stopped" data-banner="sending-stopped">
          {server.sending} {t("No message of any journey goes out; they wait.")}{" "}
          <a href="/settings">{t("Send rules")}</a>
        </div>
      ) : null}
      {journey.status === "paused" ? (
        <div className="wl-banner warn" data-banner="paused">
          {journey.paused_reason ? (
            <strong data-paused-reason>{journey.paused_reason}. </strong>
          ) : null}
          {can.pause
            ? t(
                "No one new enters and customers inside wait where they are until you resume; {held}.",
                { held: heldText(journey.held_messages) },
              )
            : t(
                "No one new enters and customers inside wait where they are until a publisher resumes it; {held}.",
                { held: heldText(journey.held_messages) },
              )}
        </div>
      ) : null}
      {journey.status === "live" && paused ? (
        <div className="wl-banner warn" data-banner="paused-steps">
          {pausedText}
        </div>
      ) : null}
      {archived ? null : <ContentBanner content={server.content} can={can} onCommand={onCommand} />}
      <ApprovalBanner
        approval={server.approval}
        journey={journey}
        can={can}
        onCommand={onCommand}
      />
    </>
  );
}

// The websocket to the server: lost (edits wait in this browser), reconnecting, back.
function ConnectionBanner({ connection, waiting, refused }) {
  if (connection === "online") return null;
  if (connection === "back")
    return (
      <div className="wl-banner ok" role="status" data-banner="connection" data-connection="back">
        {t("Connected again.")}{" "}
        {refused
          ? t("Some edits could not be saved: see below.")
          : waiting
            ? t("Saving the edits made while offline…")
            : t("All edits are saved.")}
      </div>
    );
  const kept = waiting
    ? tn(
        "{n} edit is kept in this browser and will be saved when the connection is back.",
        "{n} edits are kept in this browser and will be saved when the connection is back.",
        waiting,
      )
    : t("Edits you make are kept in this browser and saved when the connection is back.");
  return (
    <div
      className="wl-banner warn"
      role="alert"
      data-banner="connection"
      data-connection={connection}
    >
      {connection === "offline" ? (
        <WifiOff size={15} />
      ) : (
        <RefreshCw size={15} className="wl-spin" />
      )}{" "}
      <strong>
        {connection === "offline"
          ? t("Connection lost: you are offline.")
          : t("Connection lost: reconnecting…")}
      </strong>{" "}
      {kept}
    </div>
  );
}

// Edits refused because the draft changed elsewhere meanwhile: what they were, and the choice.
function ConflictBanner({ conflict, draft }) {
  const [open, setOpen] = useState(true);
  const refused = tn(
    "{n} edit was not saved: this journey's draft was changed elsewhere (another tab or person) meanwhile.",
    "{n} edits were not saved: this journey's draft was changed elsewhere (another tab or person) meanwhile.",
    conflict.edits + (conflict.name ? 1 : 0),
  );
  const { kinds } = useContext(EditorContext);
  const kindLabel = (type) => kinds[type]?.label || type;
  const changes = conflict.document
    ? changesSince(conflict.baseDocument, conflict.document, kindLabel)
    : [];
  return (
    <div className="wl-banner warn" role="alert" data-banner="conflict">
      <TriangleAlert size={15} /> <strong>{refused}</strong>{" "}
      {t(
        "The canvas shows the draft as it is saved now. Re-apply your edits onto it, or discard them.",
      )}{" "}
      <button type="button" className="wl-link-button" onClick={() => setOpen(!open)}>
        {open ? t("Hide what was not saved") : t("Show what was not saved")}
      </button>
      {open ? (
        <ul className="wl-conflict-list" data-conflict-changes>
          {conflict.name ? (
            <li data-conflict-change="name">
              {t("Name: '{name}' (saved now: '{saved}')", {
                name: conflict.name.value,
                saved: draft.savedName,
              })}
            </li>
          ) : null}
          {changes.map((change, index) => (
            <li key={index} data-conflict-change={change.change}>
              {changeText(change)}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="wl-row">
        <button
          type="button"
          className="wl-button primary"
          onClick={draft.reapply}
          data-action="reapply"
        >
          {t("Re-apply my edits")}
        </button>
        <button type="button" className="wl-button" onClick={draft.discard} data-action="discard">
          {t("Discard them")}
        </button>
      </div>
    </div>
  );
}

function changeText({ change, what, label }) {
  const words = {
    "added step": t("Added step '{label}'", { label }),
    "removed step": t("Removed step '{label}'", { label }),
    "moved step": t("Moved step '{label}'", { label }),
    "changed step": t("Changed step '{label}'", { label }),
    "added wire": t("Added wire {label}", { label }),
    "removed wire": t("Removed wire {label}", { label }),
    "changed settings": t("Changed the journey settings"),
    "changed notes": t("Changed the sticky notes"),
  };
  return words[`${change} ${what}`] || `${change} ${what} ${label}`;
}
