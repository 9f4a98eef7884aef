// Words marketers see for the values of shared field types (units, operators...); channels'
// come from the server's channel registry (channels.js).
import { N_, formatDate, formatNumber, t } from "../i18n.js";
import { channelOf } from "./channels.js";

export const VALUE_LABELS = {
  marketing: N_("Marketing"),
  transactional: N_("Transactional"),
  minutes: N_("minutes"),
  hours: N_("hours"),
  days: N_("days"),
  weeks: N_("weeks"),
  duration: N_("For a while"),
  time_of_day: N_("Until a time of day"),
  date_attribute: N_("Until a date in their profile"),
  never: N_("Never"),
  after: N_("Again after a while"),
  always: N_("Every time"),
  mon: N_("Mon"),
  tue: N_("Tue"),
  wed: N_("Wed"),
  thu: N_("Thu"),
  fri: N_("Fri"),
  sat: N_("Sat"),
  sun: N_("Sun"),
  set: N_("Set attribute"),
  increment: N_("Increase attribute"),
  unset: N_("Clear attribute"),
  add_tag: N_("Add tag"),
  remove_tag: N_("Remove tag"),
};

export const OP_LABELS = {
  eq: N_("is"),
  ne: N_("is not"),
  gt: N_("is more than"),
  gte: N_("is at least"),
  lt: N_("is less than"),
  lte: N_("is at most"),
  contains: N_("contains"),
  not_contains: N_("does not contain"),
  in: N_("is one of"),
  not_in: N_("is none of"),
  exists: N_("is set"),
  not_exists: N_("is not set"),
  between: N_("is between"),
  within_last: N_("was within the last"),
  within_next: N_("is within the next"),
  more_than_ago: N_("was more than"),
};

export const COUNT_OP_LABELS = {
  gte: N_("at least"),
  gt: N_("more than"),
  eq: N_("exactly"),
  lte: N_("at most"),
  lt: N_("fewer than"),
};

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

// A value in words: a channel's label, a unit or choice from VALUE_LABELS, else the value.
export function valueLabel(value) {
  const channel = channelOf(value);
  if (channel) return channel.label;
  return Object.hasOwn(VALUE_LABELS, value) ? t(VALUE_LABELS[value]) : String(value);
}

// An operator in words ("is at least"), never its code ("gte").
export function opLabel(op, counted = false) {
  const table = counted ? COUNT_OP_LABELS : OP_LABELS;
  return Object.hasOwn(table, op) ? t(table[op]) : String(op);
}

// A stored object as a picker or a node's summary names it: its name, its channel (a template,
// in a picker), and how many are left when its kind counts them (a coupon pool's free codes).
export function referenceLabel(item, withChannel = true) {
  const named =
    withChannel && item.channel
      ? t("{name} · {channel}", { name: item.name, channel: valueLabel(item.channel) })
      : item.name;
  if (typeof item.left !== "number") return named;
  return t("{name} — {left} left", { name: named, left: formatNumber(item.left) });
}

let zone; // the journey's time zone (else the workspace's), set when the canvas reads its state

/** Shows moments in `timeZone` (an IANA name); unset, in the browser's zone. */
export function setTimeZone(timeZone) {
  zone = timeZone || undefined;
}

// A moment as the editor shows it, always with its zone: "Dec 6, 2026, 14:02 GMT+9".
export function shortTime(iso, timeZone = zone) {
  if (!iso) return "";
  try {
    return formatDate(iso, { timeZone });
  } catch {
    return formatDate(iso, { timeZone: "UTC" }); // a zone name this browser does not know
  }
}
