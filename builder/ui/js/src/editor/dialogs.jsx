// The editor's dialogs for journey operations: a confirmation for publish (with what publishing
// will do) and resume, and the pause and request forms. Each runs its op when confirmed.
import { useEffect } from "react";
import { t } from "../i18n.js";
import { AskDialog, PauseDialog } from "./approvals.jsx";
import { useFlightMap } from "./FlightMap.jsx";
import { PublishFacts } from "./PublishFacts.jsx";

export function EditorDialogs({ dialog, server, onClose, run }) {
  if (!dialog) return null;
  const { journey } = server;
  if (dialog.op === "pause")
    return (
      <PauseDialog
        journey={journey}
        onCancel={onClose}
        onConfirm={(reason) => {
          onClose();
          run("pause", { reason });
        }}
      />
    );
  if (dialog.op === "request")
    return (
      <AskDialog
        journey={journey}
        required={(server.can || {}).required}
        onCancel={onClose}
        onConfirm={(comment) => {
          onClose();
          run("request", { comment });
        }}
      />
    );
  if (dialog.op === "publish")
    return <PublishDialog dialog={dialog} server={server} onClose={onClose} run={run} />;
  return (
    <Confirm
      {...dialog}
      onCancel={onClose}
      onConfirm={() => {
        onClose();
        run(dialog.op);
      }}
    />
  );
}

// Publishing: what it will do, and for a live journey the map for the customers in it (sent
// with the publish; confirming waits for the map's preview and refuses a map with problems).
function PublishDialog({ dialog, server, onClose, run }) {
  const { journey } = server;
  const flight = useFlightMap(journey);
  return (
    <Confirm
      {...dialog}
      wide={!!flight.map}
      blocked={flight.blocked}
      onCancel={onClose}
      onConfirm={() => {
        onClose();
        run("publish", flight.fields);
      }}
    >
      <PublishFacts
        journey={journey}
        live={server.live}
        warnings={server.issues.filter((issue) => issue.severity === "warning")}
      />
      {flight.map}
    </Confirm>
  );
}

export function Confirm({
  title,
  body,
  action,
  danger,
  onCancel,
  onConfirm,
  children = null,
  wide = false,
  blocked = false,
}) {
  useEffect(() => {
    const key = (event) => event.key === "Escape" && onCancel();
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, [onCancel]);
  return (
    <div className="wl-modal-backdrop" onClick={onCancel}>
      <div
        className={`wl-modal ${wide ? "wl-modal-wide" : ""}`}
        role="dialog"
        aria-modal="true"
        aria-label={title}
        onClick={(e) => e.stopPropagation()}
      >
        <h2>{title}</h2>
        <p>{body}</p>
        {children}
        <div className="wl-modal-actions">
          <button type="button" className="wl-button" onClick={onCancel}>
            {t("Cancel")}
          </button>
          <button
            type="button"
            className={`wl-button ${danger ? "danger-solid" : "primary"}`}
            onClick={onConfirm}
            disabled={blocked}
            data-confirm
            autoFocus
          >
            {action}
          </button>
        </div>
      </div>
    </div>
  );
}
