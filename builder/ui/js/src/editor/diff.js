// What the version history draws: a comparison's marks on the canvas (each step added,
// changed or removed; each wire added or moved, by its id in the drawn document, and each wire
// of the older side removed or moved away), and the document drawn (the newer side, with the
// older side's removed steps and wires back where they were, ghosted); the sides a comparison
// can take, and how a version's status reads.
import { N_, t, tn } from "../i18n.js";

export function diffMarks(history) {
  const nodes = {};
  const edges = {};
  for (const step of history?.diff?.steps || []) nodes[step.id] = step.change;
  for (const wire of history?.diff?.wires || [])
    if (wire.change !== "removed" && wire.edge_id) edges[wire.edge_id] = wire.change;
  for (const wire of history?.removed_wires || []) edges[wire.id] = "removed";
  return { nodes, edges };
}

export function drawnDocument(history) {
  const document = history.document || {};
  return {
    ...document,
    nodes: [...(document.nodes || []), ...(history.removed || [])],
    edges: [...(document.edges || []), ...(history.removed_wires || [])],
  };
}

// The draft and each published version, newest first, as a comparison's choices.
export function sideOptions(versions) {
  return [
    { value: "draft", label: t("Draft") },
    ...(versions || []).map((version) => ({
      value: String(version.number),
      label: version.is_live
        ? t("Version {number} (live)", { number: version.number })
        : t("Version {number}", { number: version.number }),
    })),
  ];
}

// A version's place: the live one, an older one still holding customers, or retired.
export function statusText(version) {
  if (version.status === "live") return t("Live");
  if (version.status === "holding") return t("Older version, customers still in it");
  return t("Retired");
}

export function customersText(count) {
  return tn("{n} customer in it now", "{n} customers in it now", count);
}

const CHANGE_WORDS = {
  added: N_("Added"),
  changed: N_("Changed"),
  removed: N_("Removed"),
  moved: N_("Moved"),
};

export function changeWord(change) {
  return CHANGE_WORDS[change] ? t(CHANGE_WORDS[change]) : change;
}

// A summary from the server as a sentence starts: "first version" → "First version".
export function sentence(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}
