// Small signs of state in the editor: the journey's status pill, whether the draft is saved,
// and the toast a server notice shows for a few seconds.
import { useEffect, useState } from "react";
import { CircleCheck, LoaderCircle, WifiOff } from "lucide-react";

export function StatusPill({ journey }) {
  const text = {
    draft: "Draft",
    live: `Live · v${journey.live_version}`,
    paused: `Paused · v${journey.live_version}`,
    archived: "Archived",
  }[journey.status];
  return (
    <span className={`wl-pill status-${journey.status}`} data-status={journey.status}>
      {text}
    </span>
  );
}

// "Saving…", and after a few seconds without an answer (the connection dropped, or the server
// is restarting) a calmer word that the change is kept and will be saved when it is back.
const SLOW_SAVE_MS = 3000;

export function SaveState({ status }) {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    setSlow(false);
    if (status !== "saving") return undefined;
    const timer = setTimeout(() => setSlow(true), SLOW_SAVE_MS);
    return () => clearTimeout(timer);
  }, [status]);
  if (status !== "saving")
    return (
      <span className="wl-save saved" data-save="saved">
        <CircleCheck size={14} /> Saved
      </span>
    );
  return (
    <span
      className={`wl-save saving ${slow ? "slow" : ""}`}
      data-save="saving"
      data-slow={slow || undefined}
      title={
        slow
          ? "Your changes are kept in this tab and are saved as soon as the server answers."
          : undefined
      }
    >
      {slow ? (
        <>
          <WifiOff size={14} /> Waiting for the server — changes kept
        </>
      ) : (
        <>
          <LoaderCircle size={14} className="wl-spin" /> Saving…
        </>
      )}
    </span>
  );
}

export function Toast({ notice }) {
  const [shown, setShown] = useState(null);
  useEffect(() => {
    if (!notice) return undefined;
    setShown(notice);
    const timer = setTimeout(() => setShown(null), notice.kind === "error" ? 12000 : 6000);
    return () => clearTimeout(timer);
  }, [notice?.id]);
  if (!shown) return null;
  return (
    <div className={`wl-toast ${shown.kind}`} role="status" data-notice={shown.kind}>
      <span>{shown.text}</span>
      <button type="button" className="wl-icon-button" onClick={() => setShown(null)}>
        ×
      </button>
    </div>
  );
}
