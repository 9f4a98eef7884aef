// A node's one-line summary, generated from its config and schema (no per-kind code):
// the first two filled-in fields, in form order, as short text.
import { analyse, isShown, orderedProperties, rootOf } from "./schema.js";
import { referenceLabel, valueLabel } from "./labels.js";

export function summarize(kind, config, ctx) {
  if (!kind) return "";
  const root = rootOf(kind.schema);
  const defs = kind.schema.$defs || {};
  const parts = [];
  for (const [name, prop] of orderedProperties(root)) {
    if (parts.length >= 2) break;
    if (!isShown(prop, config)) continue;
    const text = describe(config?.[name], prop, defs, ctx, name);
    if (text) parts.push(text);
  }
  return parts.join(" · ");
}

function describe(value, prop, defs, ctx, name) {
  if (value == null || value === "" || (Array.isArray(value) && value.length === 0)) return "";
  const { field } = analyse(prop, defs);
  const widget = field["x-widget"];
  if (widget === "template-picker")
    return ctx.templates?.find((t) => t.id === value)?.name || `template #${value}`;
  if (widget === "segment-picker")
    return ctx.segments?.find((s) => s.id === value)?.name || `segment #${value}`;
  if (widget === "picker") {
    const item = ctx.references?.[field["x-ref"]]?.find((option) => option.id === value);
    return item ? referenceLabel(item, false) : `${(field.title || "").toLowerCase()} #${value}`;
  }
  if (widget === "rule" || field.discriminator) return ruleText(value);
  if (field.$def === "Duration" || widget === "duration")
    return `${value.amount} ${value.amount === 1 ? String(value.unit || "days").replace(/s$/, "") : value.unit || "days"}`;
  if (typeof value === "boolean") return "";
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === "string")) return value.map(valueLabel).join(", ");
    const noun =
      widget === "property-filters"
        ? "filter"
        : (analyse(field.items || {}, defs).field.title || name).toLowerCase();
    return `${value.length} ${noun}${value.length === 1 ? "" : "s"}`;
  }
  if (typeof value === "object") return "";
  return valueLabel(value);
}

function ruleText(rule) {
  const count = countLeaves(rule);
  return count === 1 ? "1 condition" : `${count} conditions`;
}

function countLeaves(rule) {
  if (!rule) return 0;
  if (rule.type === "and" || rule.type === "or")
    return (rule.rules || []).reduce((n, r) => n + countLeaves(r), 0);
  if (rule.type === "not") return countLeaves(rule.rule);
  return 1;
}
