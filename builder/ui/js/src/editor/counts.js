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
