// Words and numbers the canvas draws on steps and wires, kept apart from the components so
// they can be tested on their own.
import { language, t } from "../i18n.js";

// A count as the page's language summarises it: 12,345 → "1.2만" (ko) or "12K" (en).
export function compactNumber(value) {
  return new Intl.NumberFormat(language(), {
    notation: "compact",
    maximumFractionDigits: 1,
  }).format(value);
}

// The words on a wire: its output's name (translated), unless it is its step's only output
// and that is "Next"; null when the wire says nothing.
export function wireLabel(ports, handle) {
  const port = ports.find((p) => p.key === (handle || "next"));
  if (!port || (ports.length === 1 && port.key === "next")) return null;
  return t(port.label);
}

// A share as the page's language writes it: 0.4235 → "42.4%".
export function formatPercent(value) {
  return new Intl.NumberFormat(language(), {
    style: "percent",
    maximumFractionDigits: value < 0.1 ? 1 : 0,
  }).format(value);
}

// A lift against the control group, signed: 0.25 → "+25%", -0.1 → "-10%".
export function formatLift(value) {
  return new Intl.NumberFormat(language(), {
    style: "percent",
    signDisplay: "exceptZero",
    maximumFractionDigits: Math.abs(value) < 0.1 ? 1 : 0,
  }).format(value);
}
