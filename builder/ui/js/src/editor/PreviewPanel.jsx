// The preview panel beside the canvas: who enters (count and sample), why one customer would
// enter or not and the path they would take (drawn on the canvas), and the dry run (counts
// drawn on the wires). Nothing here sends or saves anything. Each tab is a file in
// preview-panel/; the panel's state and the requests are usePreviewPanel's (preview.js).
import { FlaskConical, Play, Users, X } from "lucide-react";
import { N_, t } from "../i18n.js";
import { AudienceTab } from "./preview-panel/AudienceTab.jsx";
import { CustomerTab } from "./preview-panel/CustomerTab.jsx";
import { DryRunTab } from "./preview-panel/DryRunTab.jsx";

/** @type {Array<[string, string, import("lucide-react").LucideIcon]>} */
const TABS = [
  ["audience", N_("Audience"), Users],
  ["customer", N_("Customer path"), Play],
  ["dry_run", N_("Dry run"), FlaskConical],
];

export function PreviewPanel({ preview, kinds, ports, timezone, onPickNode, onPickIssue }) {
  const { previews, tab, setTab, customer, setCustomer, events, setEvents } = preview;
  const lookAt = (externalId, withEvents = events) => {
    setCustomer(externalId);
    setTab("customer");
    previews.ask("explain", { external_id: externalId });
    previews.ask("path", { external_id: externalId, events: withEvents });
  };
  // Coming back to a tab whose answer is missing or out of date works it out again.
  const openTab = (key) => {
    setTab(key);
    const outdated = (op) => ["none", "stale"].includes(previews.status(op));
    if (key === "audience" && outdated("audience")) previews.ask("audience");
    if (key === "customer" && customer && outdated("path")) lookAt(customer);
  };
  return (
    <div className="wl-preview" data-preview-panel={tab}>
      <div className="wl-preview-head">
        <div className="wl-panel-title">{t("Preview")}</div>
        <button
          type="button"
          className="wl-icon-button"
          title={t("Close the preview")}
          onClick={preview.close}
          data-action="close-preview"
        >
          <X size={16} />
        </button>
      </div>
      <div className="wl-segmented wl-preview-tabs">
        {TABS.map(([key, label, Icon]) => (
          <button
            key={key}
            type="button"
            className={tab === key ? "on" : ""}
            data-preview-tab={key}
            onClick={() => openTab(key)}
          >
            <Icon size={13} /> {t(label)}
          </button>
        ))}
      </div>
      <p className="wl-help wl-preview-note">
        {t(
          "Previews use the saved draft and your real customers. Nothing is sent or saved. Double-click a step to edit it.",
        )}
      </p>
      {tab === "audience" ? (
        <AudienceTab previews={previews} onLook={lookAt} onPickIssue={onPickIssue} />
      ) : null}
      {tab === "customer" ? (
        <CustomerTab
          previews={previews}
          customer={customer}
          events={events}
          setEvents={setEvents}
          onLook={lookAt}
          onPickIssue={onPickIssue}
          kinds={kinds}
          ports={ports}
          timezone={timezone}
          onPickNode={onPickNode}
        />
      ) : null}
      {tab === "dry_run" ? (
        <DryRunTab
          previews={previews}
          windowLabel={preview.windowLabel}
          setWindowLabel={preview.setWindowLabel}
          kinds={kinds}
          onPickNode={onPickNode}
          onPickIssue={onPickIssue}
        />
      ) : null}
    </div>
  );
}
