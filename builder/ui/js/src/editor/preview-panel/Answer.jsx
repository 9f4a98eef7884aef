// One preview's answer as its tab shows it: a spinner while the first answer is worked out,
// the last answer under "Updating…" while a new one is, or why it could not be worked out.
import { LoaderCircle } from "lucide-react";
import { t } from "../../i18n.js";

export function Answer({ previews, op, onPickIssue, children, idle = undefined }) {
  const status = previews.status(op);
  const answer = previews.answers[op];
  if (status === "loading" && !answer)
    return (
      <div className="wl-preview-loading">
        <LoaderCircle size={15} className="wl-spin" /> {t("Working it out…")}
      </div>
    );
  if (status === "none") return idle || null;
  return (
    <div className={`wl-preview-answer ${status}`} data-preview={op} data-preview-status={status}>
      {status === "loading" ? (
        <div className="wl-preview-loading overlay">
          <LoaderCircle size={15} className="wl-spin" /> {t("Updating…")}
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

// The error, and the draft's problems behind it (each picks its step).
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
