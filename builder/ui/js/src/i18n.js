// The canvas's words, in the page's language: the same catalogue the Python pages use
// (builder/i18n), put in the page as JSON (#wl-words) so the first render already speaks it.
// Source strings are English and are their own ids: t("Saved"), t("{n} customers", { n }),
// tn("{n} step", "{n} steps", count). Dates, numbers and won are formatted with Intl.

const HOLE = /\{(\w+)\}/g;

function readPage() {
  const element = typeof document === "undefined" ? null : document.getElementById("wl-words");
  if (!element) return { lang: "en", words: {} };
  try {
    const parsed = JSON.parse(element.textContent || "{}");
    return { lang: parsed.lang || "en", words: parsed.words || {} };
  } catch {
    return { lang: "en", words: {} };
  }
}

let page = readPage();

/** Speak `lang` with `words` (id → text or [forms]); tests use it, pages read #wl-words. */
export function setLanguage(lang, words) {
  page = { lang, words: words || {} };
}

/** The page's language ("en" or "ko"). */
export function language() {
  return page.lang;
}

/** `text` with each {name} replaced by holes[name]. */
export function fill(text, holes) {
  if (!holes) return text;
  return text.replace(HOLE, (whole, name) => (name in holes ? String(holes[name]) : whole));
}

/** `message` in the page's language, its {holes} filled. */
export function t(message, holes) {
  const found = page.words[message];
  return fill(typeof found === "string" && found ? found : message, holes);
}

/** The form for `count` ({n} is the count, formatted), its holes filled. */
export function tn(singular, plural, count, holes) {
  const found = page.words[singular];
  let text;
  if (Array.isArray(found) && found[0])
    text = found.length === 1 || count === 1 ? found[0] : found[1];
  else text = count === 1 ? singular : plural;
  return fill(text, { n: formatNumber(count), ...holes });
}

/** Marks `message` for the catalogues without translating it (tables translated later). */
export function N_(message) {
  return message;
}

/** A number as the page's language groups it (12,345). */
export function formatNumber(value) {
  return new Intl.NumberFormat(page.lang).format(value);
}

/** An amount in won (₩12,345). */
export function formatMoney(value, currency = "KRW") {
  return new Intl.NumberFormat(page.lang, { style: "currency", currency }).format(value);
}

/**
 * A full date and time with its zone ("Mar 2, 2026, 21:30 GMT+9"), in `timeZone` if given.
 * @param {Date | string | number} value
 * @param {{ timeZone?: string, withTime?: boolean }} [options]
 */
export function formatDate(value, { timeZone = undefined, withTime = true } = {}) {
  const moment = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(moment.getTime())) return "";
  /** @type {Intl.DateTimeFormatOptions} */
  const options = { year: "numeric", month: "short", day: "numeric", timeZone };
  if (withTime)
    Object.assign(options, {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    });
  return new Intl.DateTimeFormat(page.lang, options).format(moment);
}
