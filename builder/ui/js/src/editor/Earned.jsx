// What a send step earned and how each path of a split converted, drawn on the live canvas:
// rates with their counts in the tooltip (figures from the insight summary, a minute or two
// behind the live counts above them).
import { formatMoney, formatNumber, t } from "../i18n.js";
import { formatLift, formatPercent } from "./counts.js";

const RATES = [
  ["open_rate", "opened", "sent"],
  ["click_rate", "clicked", "sent"],
  ["conversion_rate", "converted", "sent"],
  ["unsubscribe_rate", "unsubscribed", "sent"],
];

const WORDS = {
  opened: () => t("opened"),
  clicked: () => t("clicked"),
  converted: () => t("converted"),
  unsubscribed: () => t("unsubscribed"),
};

const TIPS = {
  opened: (n, of) => t("Opened: {n} of {of} sent", { n, of }),
  clicked: (n, of) => t("Clicked: {n} of {of} sent", { n, of }),
  converted: (n, of) => t("Converted after this step's message: {n} of {of} sent", { n, of }),
  unsubscribed: (n, of) => t("Unsubscribed after this step's message: {n} of {of} sent", { n, of }),
};

/** @param {{ id: string, earned: Record<string, number | null> }} props */
export function EarnedLine({ id, earned }) {
  if (!earned.sent) return null;
  return (
    <div className="wl-node-earned" data-earned={id}>
      {RATES.map(([rate, count, whole]) =>
        earned[count] ? (
          <span
            key={count}
            data-earned-figure={count}
            title={TIPS[count](formatNumber(earned[count]), formatNumber(earned[whole]))}
          >
            <b>{formatPercent(earned[rate] ?? 0)}</b> {WORDS[count]()}
          </span>
        ) : null,
      )}
      {earned.revenue ? (
        <span data-earned-figure="revenue" title={t("Revenue credited to this step")}>
          <b>{formatMoney(earned.revenue)}</b>
        </span>
      ) : null}
      {earned.failed ? (
        <span
          className="failed"
          data-earned-figure="failed"
          title={t("Failed: {n} of {of} tried", {
            n: formatNumber(earned.failed),
            of: formatNumber(earned.sent + earned.failed),
          })}
        >
          <b>{formatPercent(earned.failure_rate ?? 0)}</b> {t("failed")}
        </span>
      ) : null}
    </div>
  );
}

/** @param {{ id: string, result: { rate: number | null, lift: number | null, control: boolean } }} props */
export function WireResult({ id, result }) {
  if (result.rate == null) return null;
  return (
    <span className="wl-edge-result" data-edge-result={id}>
      <span title={t("Of the customers who went this way, the share who converted")}>
        {t("{rate} converted", { rate: formatPercent(result.rate) })}
      </span>
      {result.control ? (
        <span className="wl-edge-control">{t("control")}</span>
      ) : result.lift != null ? (
        <span
          className={`wl-edge-lift ${result.lift >= 0 ? "up" : "down"}`}
          data-edge-lift={id}
          title={t("Conversion rate against the control group's")}
        >
          {t("{lift} vs control", { lift: formatLift(result.lift) })}
        </span>
      ) : null}
    </span>
  );
}
