// What the preview panel's tabs say, as pure functions of the answers Python sends: a clause's
// words, a path's ending, a port's label, and a sample customer's attributes in brief.

// "✓ score is 30": a group clause names its kind, a leaf says why it held or failed.
export function clauseText(clause) {
  if (clause.kind === "and") return "All of these";
  if (clause.kind === "or") return "Any of these";
  if (clause.kind === "not") return "None of this";
  return clause.reason;
}

// An entry with no conditions explains itself as one empty "and"/"or" group.
export function setsNoConditions(clauses) {
  return clauses.length <= 1 && ["and", "or"].includes(clauses[0]?.kind);
}

export const PATH_END = {
  done: "Finished the journey",
  exited: "Left the journey",
  waiting: "Still waiting at the end of the preview",
  not_entered: "Would not enter",
};

export function portLabel(ports, port) {
  return ports?.find((p) => p.key === port)?.label || port;
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
