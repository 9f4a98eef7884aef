// Publishing by role, in the editor: asking a publisher to publish (with a comment), the
// banner of a journey's pending request (withdraw it if it is yours; approve or reject it, with
// a reason, if you publish). Python works out who may do
// what (`server.can`) and the server refuses the rest anyway; commands go through `onCommand`.
import { useEffect, useState } from "react";
import { Clock, Send } from "lucide-react";
import { t, tn } from "../i18n.js";
import { useFlightMap } from "./FlightMap.jsx";
import { shortTime } from "./labels.js";

export function AskButton({ disabled, title, onClick }) {
  return (
    <button
      type="button"
      className="wl-button primary"
      disabled={disabled}
      title={title}
      onClick={onClick}
      data-action="ask-publish"
    >
      <Send size={15} /> {t("Ask to publish")}
    </button>
  );
}

export function AskDialog({ journey, required, onCancel, onConfirm }) {
  return (
    <CommentDialog
      title={t('Ask to publish "{journey}"?', { journey: journey.name })}
      action={t("Ask to publish")}
      label={t("Note for the publisher (optional)")}
      placeholder={t("What changed and why, when it should go live…")}
      body={
        required
          ? t(
              "This workspace publishes through approvals: a publisher sees what changed and how many customers it reaches, then approves (it goes live) or rejects it with a reason. Changing the draft after asking means asking again.",
            )
          : t(
              "A publisher sees what changed and how many customers it reaches, then approves (it goes live) or rejects it with a reason. Changing the draft after asking means asking again.",
            )
      }
      onCancel={onCancel}
      onConfirm={onConfirm}
    />
  );
}

export function ApprovalBanner({ approval, journey, can, onCommand }) {
  const [deciding, setDeciding] = useState(null);
  const flight = useFlightMap(journey);
  if (!approval) return null;
  const revision = approval.draft_revision;
  const when = shortTime(approval.requested_at);
  if (approval.mine || !can.approve) {
    return (
      <div
        className="wl-banner approval"
        data-approval={approval.id}
        data-approval-mine={approval.mine ? "" : undefined}
      >
        <Clock size={15} />
        <span>
          <strong>
            {approval.mine
              ? t("Waiting for approval (revision {revision}) — asked by you", { revision })
              : t("Waiting for approval (revision {revision}) — asked by {person}", {
                  revision,
                  person: approval.requested_by,
                })}
          </strong>{" "}
          · {when}
          {approval.mine && !approval.current ? (
            <span className="wl-approval-stale">
              {" "}
              · {t("You changed the draft since: ask again so the publisher sees the changes.")}
            </span>
          ) : null}
        </span>
        {approval.mine ? (
          <button
            type="button"
            className="wl-button"
            data-action="withdraw"
            onClick={() => onCommand("withdraw", { id: approval.id })}
          >
            {t("Withdraw")}
          </button>
        ) : null}
      </div>
    );
  }
  const decide = (op) => (comment) => {
    setDeciding(null);
    onCommand(op, { id: approval.id, comment, ...(op === "approve" ? flight.fields : {}) });
  };
  return (
    <div className="wl-banner approval review" data-approval={approval.id}>
      <Clock size={15} />
      <div className="wl-approval-text">
        <strong>
          {t("{person} asks to publish revision {revision}", {
            person: approval.requested_by,
            revision,
          })}
        </strong>{" "}
        · {when}
        {approval.comment ? (
          <q className="wl-approval-comment" data-approval-comment>
            {approval.comment}
          </q>
        ) : null}
        <ul className="wl-approval-facts">
          <li data-approval-changes>{approval.changes}</li>
          <li data-approval-audience>{audienceText(approval.audience)}</li>
          <li
            data-approval-current={approval.current ? "yes" : "no"}
            className={approval.current ? "ok" : "stale"}
          >
            {approval.current
              ? t("The draft is still what they asked to publish.")
              : t(
                  "The draft changed after they asked: it can't be approved as it is now; they need to ask again.",
                )}
          </li>
        </ul>
      </div>
      <div className="wl-approval-actions">
        <button
          type="button"
          className="wl-button danger"
          data-action="reject"
          onClick={() => setDeciding("reject")}
        >
          {t("Reject")}
        </button>
        <button
          type="button"
          className="wl-button primary"
          data-action="approve"
          disabled={!approval.current}
          onClick={() => setDeciding("approve")}
        >
          {t("Approve and publish")}
        </button>
      </div>
      {deciding === "approve" ? (
        <CommentDialog
          title={t("Approve and publish?")}
          action={t("Approve and publish")}
          label={t("Comment (optional)")}
          body={t("Revision {revision} goes live now. {audience}", {
            revision,
            audience: audienceText(approval.audience),
          })}
          wide={!!flight.map}
          blocked={flight.blocked}
          onCancel={() => setDeciding(null)}
          onConfirm={decide("approve")}
        >
          {flight.map}
        </CommentDialog>
      ) : deciding === "reject" ? (
        <CommentDialog
          title={t("Reject this request?")}
          action={t("Reject")}
          danger
          required
          label={t("Why (they see this)")}
          placeholder={t("What to change before asking again…")}
          body={t("Nothing is published. Say what to change, so they can fix it and ask again.")}
          onCancel={() => setDeciding(null)}
          onConfirm={decide("reject")}
        />
      ) : null}
    </div>
  );
}

export function PauseDialog({ journey, onCancel, onConfirm }) {
  return (
    <CommentDialog
      title={t('Pause "{journey}"?', { journey: journey.name })}
      action={t("Pause journey")}
      label={t("Why (the team sees it on the list and here)")}
      placeholder={t("The price in the text is wrong; checking with legal…")}
      body={t(
        "No one new enters. Customers inside wait where they are, and no message goes out — not even those waiting for the morning or being retried — until you resume. Then each is checked again before it goes.",
      )}
      onCancel={onCancel}
      onConfirm={onConfirm}
    />
  );
}

function CommentDialog({
  title,
  body,
  label,
  placeholder = undefined,
  action,
  danger = false,
  required = false,
  wide = false,
  blocked = false,
  onCancel,
  onConfirm,
  children = null,
}) {
  const [text, setText] = useState("");
  useEffect(() => {
    const key = (event) => event.key === "Escape" && onCancel();
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, [onCancel]);
  const missing = (required && !text.trim()) || blocked;
  return (
    <div className="wl-modal-backdrop" onClick={onCancel}>
      <form
        className={`wl-modal ${wide ? "wl-modal-wide" : ""}`}
        role="dialog"
        aria-modal="true"
        aria-label={title}
        onClick={(e) => e.stopPropagation()}
        onSubmit={(e) => {
          e.preventDefault();
          if (!missing) onConfirm(text.trim());
        }}
      >
        <h2>{title}</h2>
        <p>{body}</p>
        {children}
        <label className="wl-label">{label}</label>
        <textarea
          className="wl-input wl-comment"
          rows={3}
          value={text}
          placeholder={placeholder}
          autoFocus
          onChange={(e) => setText(e.target.value)}
          data-field="comment"
        />
        <div className="wl-modal-actions">
          <button type="button" className="wl-button" onClick={onCancel}>
            {t("Cancel")}
          </button>
          <button
            type="submit"
            className={`wl-button ${danger ? "danger-solid" : "primary"}`}
            disabled={missing}
            data-confirm
          >
            {action}
          </button>
        </div>
      </form>
    </div>
  );
}

function audienceText(count) {
  if (count == null)
    return t("Customers enter by event or through the API, so there is no count ahead of time.");
  return tn("About {n} customer would enter now.", "About {n} customers would enter now.", count);
}
