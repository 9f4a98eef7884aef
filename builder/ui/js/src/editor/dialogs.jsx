// The editor's dialogs for journey operations: a confirmation for publish (with what publishing
// will do) and resume, and the pause and request forms. Each runs its op when confirmed.
import { useEffect } from "react";
import { AskDialog, PauseDialog } from "./approvals.jsx";
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
  return (
    <Confirm
      {...dialog}
      onCancel={onClose}
      onConfirm={() => {
        onClose();
        run(dialog.op);
      }}
    >
      {dialog.op === "publish" ? (
        <PublishFacts
          journey={journey}
          live={server.live}
          warnings={server.issues.filter((issue) => issue.severity === "warning")}
        />
      ) : null}
    </Confirm>
  );
}

export function Confirm({ title, body, action, danger, onCancel, onConfirm, children = null }) {
  useEffect(() => {
    const key = (event) => event.key === "Escape" && onCancel();
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, [onCancel]);
  return (
    <div className="wl-modal-backdrop" onClick={onCancel}>
      <div
        className="wl-modal"
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
            Cancel
          </button>
          <button
            type="button"
            className={`wl-button ${danger ? "danger-solid" : "primary"}`}
            onClick={onConfirm}
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
