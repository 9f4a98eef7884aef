// A dry run's answer: how many would enter, the window the wires' counts are for, and a table
// of each step's reach and how many still wait there at the end.
import { formatNumber, language, t } from "../../i18n.js";
import { countText, windowName } from "../preview.js";
import { dryWindows, reachWithin, shownWindow } from "./dry-run.js";

export function DryRunResult({ dry, windowLabel, setWindowLabel, kinds, onPickNode }) {
  const windows = dryWindows(dry);
  const chosen = shownWindow(windows, windowLabel);
  return (
    <>
      <div className="wl-preview-figure">
        <strong data-dry-entered={dry.entered.count}>
          {countText(dry.entered.count, dry.entered.margin)}
        </strong>
        <span>
          {dry.sampled
            ? t("of {audience} in the audience would enter ({simulated} simulated)", {
                audience: formatNumber(dry.audience),
                simulated: formatNumber(dry.simulated),
              })
            : t("of {audience} in the audience would enter", {
                audience: formatNumber(dry.audience),
              })}
        </span>
      </div>
      <div className="wl-label">{t("Counts on the wires: reached within")}</div>
      <div className="wl-segmented" data-dry-windows>
        {windows.map((w) => (
          <button
            key={w.label}
            type="button"
            className={chosen === w.label ? "on" : ""}
            data-dry-window={w.label}
            onClick={() => setWindowLabel(w.label)}
          >
            {windowName(w)}
          </button>
        ))}
      </div>
      <DryRunTable nodes={dry.nodes} chosen={chosen} kinds={kinds} onPickNode={onPickNode} />
      {dry.notes.map((note, index) => (
        <p key={index} className="wl-help">
          {note}
        </p>
      ))}
      <p className="wl-help">
        {t("Simulated in {seconds} s.", { seconds: secondsText(dry.took_ms) })}
      </p>
    </>
  );
}

function DryRunTable({ nodes, chosen, kinds, onPickNode }) {
  return (
    <table className="wl-dry-table">
      <thead>
        <tr>
          <th>{t("Step")}</th>
          <th className="num">{t("Reach")}</th>
          <th className="num">{t("Waiting at end")}</th>
        </tr>
      </thead>
      <tbody>
        {nodes.map((node) => {
          const count = reachWithin(node, chosen);
          return (
            <tr
              key={node.node_id}
              onClick={() => onPickNode(node.node_id)}
              data-dry-node={node.node_id}
            >
              <td>
                <span className="wl-dot" style={{ background: kinds[node.kind]?.color }} />{" "}
                {node.label}
              </td>
              <td className="num">{countText(count.count, count.margin)}</td>
              <td className="num">
                {node.waiting_at_horizon.count ? formatNumber(node.waiting_at_horizon.count) : "—"}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

// "0.4": seconds with one decimal, as the page's language writes it.
function secondsText(ms) {
  return (ms / 1000).toLocaleString(language(), {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
}
