// Text message length as Korean carriers count it (CP949): ASCII is 1 byte, everything else 2.
// The rule's parameters come from Python (nodes/kit/sms.py COUNTING, in the catalogue), and
// tests/nodes/channels/test_sms.py runs this file on the same cases as the Python count.
import { formatNumber, t } from "../i18n.js";
import { textCounting } from "./channels.js";

export function carrierBytes(text) {
  const rule = textCounting();
  let bytes = 0;
  for (const char of String(text || "").replace(/\r\n/g, "\n"))
    bytes += char.codePointAt(0) < rule.narrow_below ? rule.narrow : rule.wide;
  return bytes;
}

// "SMS" up to 90 bytes, "LMS" up to 2,000, else null (too long to send as a text).
export function textKind(bytes) {
  const rule = textCounting();
  if (bytes <= rule.sms_max) return "SMS";
  if (bytes <= rule.lms_max) return "LMS";
  return null;
}

export function byteLabel(bytes) {
  const rule = textCounting();
  const kind = textKind(bytes);
  if (!kind)
    return t("{bytes} bytes · too long (an LMS carries {max})", {
      bytes: formatNumber(bytes),
      max: formatNumber(rule.lms_max),
    });
  return t("{bytes} / {max} bytes · {kind}", {
    bytes: formatNumber(bytes),
    max: formatNumber(kind === "SMS" ? rule.sms_max : rule.lms_max),
    kind,
  });
}
