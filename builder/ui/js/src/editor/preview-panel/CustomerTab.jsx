// The customer tab: pick a customer (from the sample or by id), imagine what they do after
// entering, and see why they would enter or not and the path they would take.
import { useState } from "react";
import { t } from "../../i18n.js";
import { Answer } from "./Answer.jsx";
import { ExplainTab } from "./ExplainTab.jsx";
import { ImaginedEvents } from "./ImaginedEvents.jsx";
import { PathSteps } from "./PathSteps.jsx";

export function CustomerTab(props) {
  const { previews, customer, events, setEvents, onLook, onPickIssue } = props;
  const { kinds, ports, timezone, onPickNode } = props; // for drawing the path
  return (
    <section className="wl-preview-section">
      <CustomerPicker previews={previews} customer={customer} onLook={onLook} />
      <ImaginedEvents
        events={events}
        setEvents={setEvents}
        onApply={(next) => customer && onLook(customer, next)}
      />
      {customer ? (
        <>
          <Answer previews={previews} op="explain" onPickIssue={onPickIssue}>
            {(data) => <ExplainTab data={data} />}
          </Answer>
          <Answer previews={previews} op="path" onPickIssue={onPickIssue}>
            {(data) => (
              <PathSteps
                path={data}
                explained={previews.answers.explain?.data}
                kinds={kinds}
                ports={ports}
                timezone={timezone}
                onPickNode={onPickNode}
              />
            )}
          </Answer>
        </>
      ) : (
        <p className="wl-help">
          {t("Pick a customer from the audience sample, or type their id.")}
        </p>
      )}
    </section>
  );
}

// A customer id, typed or chosen from the audience sample's ids.
function CustomerPicker({ previews, customer, onLook }) {
  const [text, setText] = useState(customer || "");
  const sample = previews.answers.audience?.data?.customers || [];
  return (
    <form
      className="wl-row"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim()) onLook(text.trim());
      }}
    >
      <input
        className="wl-input"
        list="wl-sample-ids"
        placeholder={t("Customer id, e.g. c-1042")}
        value={text}
        onChange={(e) => setText(e.target.value)}
        data-field="preview-customer"
      />
      <datalist id="wl-sample-ids">
        {sample.map((c) => (
          <option key={c.id} value={c.external_id} />
        ))}
      </datalist>
      <button type="submit" className="wl-button primary" data-action="preview-customer">
        {t("Preview")}
      </button>
    </form>
  );
}
