// Text message length as Korean carriers count it (CP949): ASCII is 1 byte, everything else 2.
// The same rule as runtime/sms.py, so what the editor counts is what a send counts.
export const SMS_MAX = 90;
export const LMS_MAX = 2000;

export function carrierBytes(text) {
  let bytes = 0;
  for (const char of String(text || "").replace(/\r\n/g, "\n"))
    bytes += char.codePointAt(0) < 0x80 ? 1 : 2;
  return bytes;
}

// "SMS" up to 90 bytes, "LMS" up to 2,000, else null (too long to send as a text).
export function textKind(bytes) {
  if (bytes <= SMS_MAX) return "SMS";
  if (bytes <= LMS_MAX) return "LMS";
  return null;
}

export function byteLabel(bytes) {
  const kind = textKind(bytes);
  if (!kind)
    return `${bytes.toLocaleString()} bytes · too long (an LMS carries ${LMS_MAX.toLocaleString()})`;
  return `${bytes.toLocaleString()} / ${(kind === "SMS" ? SMS_MAX : LMS_MAX).toLocaleString()} bytes · ${kind}`;
}
