// What the attribute and event pickers offer, from the workspace's data (the server's
// discover_data: attributes with type, customers and samples; events with counts and
// properties), and the operators that fit an attribute's type. Pure: the components read it.
import { N_, formatDate, formatNumber, t, tn } from "../i18n.js";

export const MAX_OPTIONS = 50;

export const TYPE_LABELS = {
  text: N_("text"),
  number: N_("number"),
  boolean: N_("yes/no"),
  date: N_("date"),
  list: N_("list"),
};

// Operators that make sense for each type; an unknown attribute may use them all.
export const OPS_BY_TYPE = {
  text: ["eq", "ne", "contains", "not_contains", "in", "not_in", "exists", "not_exists"],
  number: ["eq", "ne", "gt", "gte", "lt", "lte", "between", "in", "not_in", "exists", "not_exists"],
  boolean: ["eq", "ne", "exists", "not_exists"],
  date: [
    "within_last",
    "within_next",
    "more_than_ago",
    "gt",
    "lt",
    "between",
    "eq",
    "exists",
    "not_exists",
  ],
  list: ["contains", "not_contains", "exists", "not_exists"],
};

/** The operators offered for an attribute of `type` (all of `every` when unknown), keeping
 * `current` so a stored rule never loses its operator. */
export function opsFor(type, every, current) {
  const fitting = OPS_BY_TYPE[type];
  if (!fitting) return every;
  const kept = every.filter((op) => fitting.includes(op) || op === current);
  return kept.length ? kept : every;
}

/** The facts of the attribute or event called `name`, or null. */
export function factOf(items, name) {
  return (items || []).find((item) => item.name === name) || null;
}

/** The items whose name contains `query` (case-insensitive), names starting with it first,
 * at most MAX_OPTIONS; all of them (most common first) for an empty query. */
export function matching(items, query) {
  const list = items || [];
  const wanted = String(query || "")
    .trim()
    .toLowerCase();
  if (!wanted) return list.slice(0, MAX_OPTIONS);
  const starts = [];
  const contains = [];
  for (const item of list) {
    const name = item.name.toLowerCase();
    if (name.startsWith(wanted)) starts.push(item);
    else if (name.includes(wanted)) contains.push(item);
  }
  return [...starts, ...contains].slice(0, MAX_OPTIONS);
}

/** The next highlighted option when moving by `step` (wraps; -1 = none). */
export function moveActive(active, step, count) {
  if (count === 0) return -1;
  if (active < 0) return step > 0 ? 0 : count - 1;
  return (active + step + count) % count;
}

/** How many customers, said as the data knows it ("about" when sampled). */
export function customersText(count, sampled) {
  return sampled
    ? tn("about {n} customer", "about {n} customers", count)
    : tn("{n} customer", "{n} customers", count);
}

/** An attribute's line in the picker: its type, how many customers have it, sample values. */
export function attributeDetail(fact, sampled) {
  const parts = [t(TYPE_LABELS[fact.type] || fact.type), customersText(fact.customers, sampled)];
  if (fact.samples?.length)
    parts.push(t("e.g. {values}", { values: fact.samples.map(String).join(", ") }));
  return parts.join(" · ");
}

/** An event's line in the picker: how often it arrived, when last, its properties. */
export function eventDetail(fact, sampled) {
  const parts = [
    sampled
      ? t("about {n} in the last 30 days", { n: formatNumber(fact.recent) })
      : t("{n} in the last 30 days", { n: formatNumber(fact.recent) }),
  ];
  if (fact.last_seen)
    parts.push(t("last {when}", { when: formatDate(fact.last_seen, { withTime: false }) }));
  if (fact.properties?.length)
    parts.push(t("properties: {names}", { names: fact.properties.join(", ") }));
  return parts.join(" · ");
}

/** The picker's options for attributes (those of type `prefer` first), events or an event's
 * properties. */
export function optionsOf(discovery, kind, event = null, prefer = null) {
  if (!discovery) return [];
  if (kind === "attribute")
    return preferring(discovery.attributes, prefer).map((fact) => ({
      name: fact.name,
      detail: attributeDetail(fact, discovery.sampled_customers),
    }));
  if (kind === "event")
    return discovery.events.map((fact) => ({
      name: fact.name,
      detail: eventDetail(fact, discovery.sampled_events),
    }));
  const fact = factOf(discovery.events, event);
  return (fact?.properties || []).map((name) => ({ name, detail: "" }));
}

function preferring(facts, type) {
  if (!type) return facts;
  return [...facts.filter((f) => f.type === type), ...facts.filter((f) => f.type !== type)];
}

/** Whether the data has never seen `name` (false while nothing is loaded or it is empty). */
export function isUnseen(discovery, kind, name) {
  if (!discovery || !name) return false;
  const items = kind === "attribute" ? discovery.attributes : discovery.events;
  return !factOf(items, name);
}
