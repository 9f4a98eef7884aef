// Publishing by role, in the editor: asking a publisher to publish (with a comment), the
// banner of a journey's pending request (withdraw it if it is yours; approve or reject it, with
// a reason, if you publish). Python works out who may do
// what (`server.can`) and the server refuses the rest anyway; commands go through `onCommand`.
import { useEffect, useState } from "react";
import { Clock, Send } from "lucide-react";
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
      <Send size={15} /> Ask to publish
    </button>
  );
}

export function AskDialog({ journey, required, onCancel, onConfirm }) {
  return (
    <CommentDialog
      title={`Ask to publish "${journey.name}"?`}
      action="Ask to publish"
      label="Note for the publisher (optional)"
      placeholder="What changed and why, when it should go live…"
      body={`${required ? "This workspace publishes through approvals: " : ""}a publisher sees what changed and how many customers it reaches, then approves (it goes live) or rejects it with a reason. Changing the draft after asking means asking again.`}
      onCancel={onCancel}
      onConfirm={onConfirm}
    />
  );
}

export function ApprovalBanner({ approval, journey, can, onCommand }) {
  const [deciding, setDeciding] = useState(null);
  const flight = useFlightMap(journey);
  if (!approval) return null;
  const asked = `revision ${approval.draft_revision}`;
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
            Waiting for approval ({asked}) — asked by{" "}
            {approval.mine ? "you" : approval.requested_by}
          </strong>{" "}
          · {shortTime(approval.requested_at)}
          {approval.mine && !approval.current ? (
            <span className="wl-approval-stale">
              {" "}
              · You changed the draft since: ask again so the publisher sees the changes.
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
            Withdraw
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
          {approval.requested_by} asks to publish {asked}
        </strong>{" "}
        · {shortTime(approval.requested_at)}
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
              ? "The draft is still what they asked to publish."
              : "The draft changed after they asked: it can't be approved as it is now; they need to ask again."}
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
          Reject
        </button>
        <button
          type="button"
          className="wl-button primary"
          data-action="approve"
          disabled={!approval.current}
          onClick={() => setDeciding("approve")}
        >
          Approve and publish
        </button>
      </div>
      {deciding === "approve" ? (
        <CommentDialog
          title="Approve and publish?"
          action="Approve and publish"
          label="Comment (optional)"
          body={`Revision ${approval.draft_revision} goes live now. ${audienceText(approval.audience)}`}
          wide={!!flight.map}
          blocked={flight.blocked}
          onCancel={() => setDeciding(null)}
          onConfirm={decide("approve")}
        >
          {flight.map}
        </CommentDialog>
      ) : deciding === "reject" ? (
        <CommentDialog
          title="Reject this request?"
          action="Reject"
          danger
          required
          label="Why (they see this)"
          placeholder="What to change before asking again…"
          body="Nothing is published. Say what to change, so they can fix it and ask again."
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
      title={`Pause "${journey.name}"?`}
      action="Pause journey"
      label="Why (the team sees it on the list and here)"
      placeholder="The price in the text is wrong; checking with legal…"
      body="No one new enters. Customers inside wait where they are, and no message goes out — not even those waiting for the morning or being retried — until you resume. Then each is checked again before it goes."
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
            Cancel
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
    return "Customers enter by event or through the API, so there is no count ahead of time.";
  return `About ${count.toLocaleString()} customer${count === 1 ? "" : "s"} would enter now.`;
}
