// Words marketers see for the values of shared field types (units, operators...); channels'
// come from the server's channel registry (channels.js).
import { channelOf } from "./channels.js";

export const VALUE_LABELS = {
  marketing: "Marketing",
  transactional: "Transactional",
  minutes: "minutes",
  hours: "hours",
  days: "days",
  weeks: "weeks",
  duration: "For a while",
  time_of_day: "Until a time of day",
  date_attribute: "Until a date in their profile",
  never: "Never",
  after: "Again after a while",
  always: "Every time",
  mon: "Mon",
  tue: "Tue",
  wed: "Wed",
  thu: "Thu",
  fri: "Fri",
  sat: "Sat",
  sun: "Sun",
  set: "Set attribute",
  increment: "Increase attribute",
  unset: "Clear attribute",
  add_tag: "Add tag",
  remove_tag: "Remove tag",
};

export const OP_LABELS = {
  eq: "is",
  ne: "is not",
  gt: "is more than",
  gte: "is at least",
  lt: "is less than",
  lte: "is at most",
  contains: "contains",
  not_contains: "does not contain",
  in: "is one of",
  not_in: "is none of",
  exists: "is set",
  not_exists: "is not set",
  between: "is between",
  within_last: "was within the last",
  within_next: "is within the next",
  more_than_ago: "was more than",
};

export const COUNT_OP_LABELS = {
  gte: "at least",
  gt: "more than",
  eq: "exactly",
  lte: "at most",
  lt: "fewer than",
};

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export function valueLabel(value) {
  return channelOf(value)?.label ?? VALUE_LABELS[value] ?? String(value);
}

// A stored object as a picker or a node's summary names it: its name, its channel (a template,
// in a picker), and how many are left when its kind counts them (a coupon pool's free codes).
export function referenceLabel(item, withChannel = true) {
  const channel = withChannel && item.channel ? ` · ${valueLabel(item.channel)}` : "";
  const left = typeof item.left === "number" ? ` — ${item.left.toLocaleString("en")} left` : "";
  return `${item.name}${channel}${left}`;
}

// A moment as the editor shows it: "6 Dec, 14:02" (the browser's time zone).
export function shortTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString("en-GB", {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
}
