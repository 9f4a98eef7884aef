// Small signs of state in the editor: the journey's status pill, whether the draft is saved,
// and the toast a server notice shows for a few seconds.
import { useEffect, useState } from "react";
import { CircleCheck, LoaderCircle, TriangleAlert, WifiOff } from "lucide-react";
import { t, tn } from "../i18n.js";

export function StatusPill({ journey }) {
  const version = journey.live_version;
  const text = {
    draft: t("Draft"),
    live: t("Live · v{version}", { version }),
    paused: t("Paused · v{version}", { version }),
    archived: t("Archived"),
  }[journey.status];
  return (
    <span className={`wl-pill status-${journey.status}`} data-status={journey.status}>
      {text}
    </span>
  );
}

// Whether the draft is saved: "Saved" only once the server acknowledged the last edit;
// "Saving…" (after a few seconds without an answer, a calmer word that the edits are kept);
// "Not saved — offline" with how many edits wait for the connection; "Conflict" when edits
// were refused because the draft changed elsewhere (the banner shows them); "Not saved" when the
// server refused the last edit for what it is (its notice says why).
const SLOW_SAVE_MS = 3000;

export function SaveState({ status, waiting }) {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    setSlow(false);
    if (status !== "saving") return undefined;
    const timer = setTimeout(() => setSlow(true), SLOW_SAVE_MS);
    return () => clearTimeout(timer);
  }, [status]);
  if (status === "saved")
    return (
      <span className="wl-save saved" data-save="saved">
        <CircleCheck size={14} /> {t("Saved")}
      </span>
    );
  const count = tn("{n} edit waiting", "{n} edits waiting", waiting);
  if (status === "offline")
    return (
      <span
        className="wl-save offline"
        data-save="offline"
        data-waiting={waiting}
        title={t("Your edits are kept in this browser and saved when the connection is back.")}
      >
        <WifiOff size={14} /> {t("Not saved — offline ({count})", { count })}
      </span>
    );
  if (status === "refused")
    return (
      <span
        className="wl-save conflict"
        data-save="refused"
        title={t("The server refused the last edit; its message says why. Change it to save.")}
      >
        <TriangleAlert size={14} /> {t("Not saved")}
      </span>
    );
  if (status === "conflict")
    return (
      <span className="wl-save conflict" data-save="conflict">
        <TriangleAlert size={14} /> {t("Conflict — not saved")}
      </span>
    );
  return (
    <span
      className={`wl-save saving ${slow ? "slow" : ""}`}
      data-save="saving"
      data-slow={slow || undefined}
      title={
        slow
          ? t("Your edits are kept in this browser and saved as soon as the server answers.")
          : undefined
      }
    >
      {slow ? (
        <>
          <WifiOff size={14} /> {t("Waiting for the server — edits kept")}
        </>
      ) : (
        <>
          <LoaderCircle size={14} className="wl-spin" /> {t("Saving…")}
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
      <button
        type="button"
        className="wl-icon-button"
        title={t("Close")}
        onClick={() => setShown(null)}
      >
        {"×"}
      </button>
    </div>
  );
}
