// The dry run tab: simulate the next 7, 30 or 90 days on the real audience; the counts are
// drawn on the wires, in the window chosen here, and listed per step.
import { useState } from "react";
import { FlaskConical, LoaderCircle } from "lucide-react";
import { t } from "../../i18n.js";
import { windowName } from "../preview.js";
import { Answer } from "./Answer.jsx";
import { DryRunResult } from "./DryRunResult.jsx";

const HORIZONS = [7, 30, 90];

export function DryRunTab({
  previews,
  windowLabel,
  setWindowLabel,
  kinds,
  onPickNode,
  onPickIssue,
}) {
  const [horizon, setHorizon] = useState(30);
  const status = previews.status("dry_run");
  const run = () => previews.ask("dry_run", { horizon_days: horizon });
  return (
    <section className="wl-preview-section">
      <div className="wl-row">
        <span>{t("Simulate the next")}</span>
        <select
          className="wl-input wl-compact"
          value={horizon}
          onChange={(e) => setHorizon(Number(e.target.value))}
          data-field="dry-run-horizon"
        >
          {HORIZONS.map((days) => (
            <option key={days} value={days}>
              {windowName({ seconds: days * 86400 })}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="wl-button primary"
          onClick={run}
          disabled={status === "loading"}
          data-action="dry-run"
        >
          {status === "loading" ? (
            <LoaderCircle size={15} className="wl-spin" />
          ) : (
            <FlaskConical size={15} />
          )}{" "}
          {status === "none" ? t("Run dry run") : t("Run again")}
        </button>
      </div>
      {status === "stale" ? (
        <p className="wl-preview-stale">
          {t("The draft changed since this dry run. Run it again to see the new counts.")}
        </p>
      ) : null}
      <Answer previews={previews} op="dry_run" onPickIssue={onPickIssue}>
        {(dry) => (
          <DryRunResult
            dry={dry}
            windowLabel={windowLabel}
            setWindowLabel={setWindowLabel}
            kinds={kinds}
            onPickNode={onPickNode}
          />
        )}
      </Answer>
    </section>
  );
}
