// The audience tab: how many customers would enter now, notes on the count, and a sample to
// pick a customer from (their explanation and path open in the customer tab).
import { RefreshCw, Users } from "lucide-react";
import { formatNumber, t } from "../../i18n.js";
import { Answer } from "./Answer.jsx";
import { attributesText, enteringText } from "./text.js";

export function AudienceTab({ previews, onLook, onPickIssue }) {
  const count = () => previews.ask("audience");
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
            onClick={count}
            data-action="count-audience"
          >
            <Users size={15} /> {t("Count who enters")}
          </button>
        }
      >
        {(data) => (
          <>
            <p className="wl-preview-entry">{data.entry?.summary}</p>
            <div className="wl-preview-figure">
              <strong data-audience-count={data.count ?? ""}>
                {data.count == null ? "—" : formatNumber(data.count)}
              </strong>
              <span>{enteringText(data.count)}</span>
              <button
                type="button"
                className="wl-icon-button"
                title={t("Count again")}
                onClick={count}
              >
                <RefreshCw size={14} />
              </button>
            </div>
            {data.notes?.map((note, index) => (
              <p key={index} className="wl-help">
                {note}
              </p>
            ))}
            <Sample
              customers={data.customers}
              onLook={onLook}
              onMore={
                data.next_after ? () => previews.ask("audience", { after: data.next_after }) : null
              }
            />
          </>
        )}
      </Answer>
    </section>
  );
}

function Sample({ customers, onLook, onMore }) {
  return (
    <>
      {customers.length ? (
        <div className="wl-label">
          {t("A sample — pick one to see why they enter and their path")}
        </div>
      ) : null}
      <ul className="wl-sample">
        {customers.map((c) => (
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
            <span className="wl-sample-attrs">{attributesText(c.attributes)}</span>
          </li>
        ))}
      </ul>
      {onMore ? (
        <button type="button" className="wl-link-button" onClick={onMore}>
          {t("Show more")}
        </button>
      ) : null}
    </>
  );
}
