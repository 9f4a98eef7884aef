// A node's one-line summary, generated from its config and schema (no per-kind code):
// the first two filled-in fields, in form order, as short text.
import { analyse, isShown, orderedProperties, rootOf } from "./schema.js";
import { t, tn } from "../i18n.js";
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
    return (
      ctx.templates?.find((item) => item.id === value)?.name || t("template #{id}", { id: value })
    );
  if (widget === "segment-picker")
    return ctx.segments?.find((s) => s.id === value)?.name || t("segment #{id}", { id: value });
  if (widget === "picker") {
    const item = ctx.references?.[field["x-ref"]]?.find((option) => option.id === value);
    return item
      ? referenceLabel(item, false)
      : t("{kind} #{id}", { kind: t(field.title || ""), id: value });
  }
  if (widget === "rule" || field.discriminator) return ruleText(value);
  if (field.$def === "Duration" || widget === "duration") return durationText(value);
  if (typeof value === "boolean") return "";
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === "string")) return value.map(valueLabel).join(", ");
    if (widget === "property-filters") return tn("{n} filter", "{n} filters", value.length);
    const noun = t(analyse(field.items || {}, defs).field.title || name);
    return t("{kind}: {count}", { kind: noun, count: value.length });
  }
  if (typeof value === "object") return "";
  return valueLabel(value);
}

function ruleText(rule) {
  return tn("{n} condition", "{n} conditions", countLeaves(rule));
}

// "1 day", "30 minutes": a duration in words, in its unit.
export function durationText(duration) {
  const count = duration.amount;
  const unit = duration.unit || "days";
  if (unit === "minutes") return tn("{n} minute", "{n} minutes", count);
  if (unit === "hours") return tn("{n} hour", "{n} hours", count);
  if (unit === "weeks") return tn("{n} week", "{n} weeks", count);
  return tn("{n} day", "{n} days", count);
}

function countLeaves(rule) {
  if (!rule) return 0;
  if (rule.type === "and" || rule.type === "or")
    return (rule.rules || []).reduce((n, r) => n + countLeaves(r), 0);
  if (rule.type === "not") return countLeaves(rule.rule);
  return 1;
}
