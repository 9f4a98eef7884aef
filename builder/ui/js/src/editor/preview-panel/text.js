// What the preview panel's tabs say, as pure functions of the answers Python sends: a clause's
// words, a path's ending, a port's label, and a sample customer's attributes in brief.
import { N_, t, tn } from "../../i18n.js";
import { valueLabel } from "../labels.js";

// "✓ score is 30": a group clause names its kind, a leaf says why it held or failed.
export function clauseText(clause) {
  if (clause.kind === "and") return t("All of these");
  if (clause.kind === "or") return t("Any of these");
  if (clause.kind === "not") return t("None of this");
  return clause.reason;
}

// Beside the audience count: "customers would enter now" (the count itself stands before it).
export function enteringText(count) {
  if (count == null) return t("can't be counted in advance");
  return tn("customer would enter now", "customers would enter now", count);
}

// An entry with no conditions explains itself as one empty "and"/"or" group.
export function setsNoConditions(clauses) {
  return clauses.length <= 1 && ["and", "or"].includes(clauses[0]?.kind);
}

export const PATH_END = {
  done: N_("Finished the journey"),
  exited: N_("Left the journey"),
  waiting: N_("Still waiting at the end of the preview"),
  not_entered: N_("Would not enter"),
};

// What a message in a preview is: queued to go, held back for now, or never sent.
export const MESSAGE_STATUS = {
  queued: N_("would go"),
  deferred: N_("held back until later"),
  sent: N_("sent"),
  delivered: N_("delivered"),
  failed: N_("would fail"),
  suppressed: N_("would not be sent"),
  held: N_("held while paused"),
};

export function messageStatus(status) {
  return MESSAGE_STATUS[status] ? t(MESSAGE_STATUS[status]) : status;
}

// Why a step did what it did; a send step says which template goes by which channel, by name
// ("Sends “Welcome” by KakaoTalk"), never by ids and keys.
export function stepWhy(step) {
  const message = step.message;
  if (!message) return step.why;
  const template = message.template_name || t("template #{id}", { id: message.template_id });
  return t("Sends “{template}” by {channel}", { template, channel: valueLabel(message.channel) });
}

// A port by its label (the registry's words, in the page's language), else its key.
export function portLabel(ports, port) {
  const label = ports?.find((p) => p.key === port)?.label;
  return label ? t(label) : port;
}

// "plan: pro · score: 30 · city: Seoul", each value cut to fit one line of the sample.
export function attributesText(attributes, shown = 3) {
  return Object.entries(attributes)
    .slice(0, shown)
    .map(([key, value]) => `${key}: ${short(value)}`)
    .join(" · ");
}

function short(value) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 24 ? text.slice(0, 23) + "…" : text;
}
