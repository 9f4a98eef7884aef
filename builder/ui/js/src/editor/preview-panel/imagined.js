// The events a previewer imagines a customer doing after entering ("order_completed after 30
// minutes"): pure edits of the list the customer path is worked out with.

export const UNITS = ["minutes", "hours", "days"];

export function newEvent() {
  return { name: "", after: { amount: 30, unit: "minutes" } };
}

export function renamed(events, index, name) {
  return events.map((ev, i) => (i === index ? { ...ev, name } : ev));
}

// A delay typed in the form: a number of whole units, never below zero (blank counts as 0).
export function delayed(events, index, typed) {
  const amount = Math.max(0, Number(typed) || 0);
  return events.map((ev, i) => (i === index ? { ...ev, after: { ...ev.after, amount } } : ev));
}

export function inUnit(events, index, unit) {
  return events.map((ev, i) => (i === index ? { ...ev, after: { ...ev.after, unit } } : ev));
}

export function without(events, index) {
  return events.filter((_, i) => i !== index);
}

// Only the events given a name are sent with the preview.
export function named(events) {
  return events.filter((e) => e.name.trim());
}
