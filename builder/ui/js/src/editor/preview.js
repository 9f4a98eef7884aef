// Previews in the browser: requests to Python (through `onPreview`), their answers, and what
// the canvas draws from them — one customer's path (steps in order, with times and the wires
// taken) and the dry run's counts per wire and per step.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { formatDate, formatNumber, t, tn } from "../i18n.js";

// Sends preview requests and tells which answers are loading, fresh or stale.
export function usePreviews(server, onPreview) {
  const send = useRef(onPreview);
  send.current = onPreview;
  const next = useRef(0);
  const [pending, setPending] = useState({});
  const kept = useRef({}); // op -> a later revision its answer still holds for
  const answers = server.preview || {};
  const ask = useCallback(
    (op, params = {}) => {
      next.current += 1;
      const id = `${Date.now()}-${next.current}`;
      setPending((old) => ({ ...old, [op]: id }));
      send.current(JSON.stringify({ op, id, revision: server.revision, ...params }));
    },
    [server.revision],
  );
  const status = (op) => {
    const answer = answers[op];
    if (pending[op] && answer?.id !== pending[op]) return "loading";
    if (!answer) return "none";
    return answer.revision === server.revision || kept.current[op] === server.revision
      ? "fresh"
      : "stale";
  };
  // The answer to `op` still holds for the current revision (the change did not touch it).
  const keep = (op) => {
    if (answers[op]) kept.current[op] = server.revision;
  };
  return { answers, ask, status, keep, revision: server.revision };
}

// Re-asks the quick previews when the saved draft changes: one customer's path on any change,
// the audience only when its entry step changed (a count may scan every customer).
export function useRefreshOnSave(previews, open, customer, events, document) {
  const seen = useRef(previews.revision);
  const counted = useRef(null);
  const entryId = previews.answers.audience?.data?.entry?.node_id;
  const node = (document.nodes || []).find((n) => n.id === entryId);
  const entry = JSON.stringify(node ? [node.type, node.data] : null); // not where it is drawn
  useEffect(() => {
    if (seen.current === previews.revision) return;
    seen.current = previews.revision;
    if (!open) return;
    if (counted.current !== entry || !previews.answers.audience?.data) {
      if (open === "audience") previews.ask("audience");
    } else previews.keep("audience");
    if (open === "customer" && customer) {
      previews.ask("explain", { external_id: customer });
      previews.ask("path", { external_id: customer, events });
    }
  }, [previews.revision, open, customer]);
  useEffect(() => {
    counted.current = entry;
  }, [previews.answers.audience?.id]);
}

// What the canvas draws for a path: step numbers and times per node, the wires taken.
export function pathOverlay(path, edges, timezone) {
  if (!path?.entered) return null;
  const nodes = {};
  const taken = new Set();
  const start = Date.parse(path.entered_at);
  path.steps.forEach((step, index) => {
    const at = Date.parse(step.entered_at);
    nodes[step.node_id] ||= {
      order: index + 1,
      when: offsetText(at - start),
      clock: clockText(at, timezone),
      port: step.port,
      outcome: step.outcome,
    };
    if (step.next_node_id) {
      const edge =
        edges.find(
          (e) =>
            e.source === step.node_id &&
            e.target === step.next_node_id &&
            (e.sourceHandle || "next") === (step.port || "next"),
        ) || edges.find((e) => e.source === step.node_id && e.target === step.next_node_id);
      if (edge) taken.add(edge.id);
    }
  });
  return { nodes, edges: taken };
}

// What the canvas draws for a dry run: per wire and per step, how many within the window.
export function dryOverlay(dry, windowLabel) {
  if (!dry) return null;
  const pick = (within) => within.find((w) => w.label === windowLabel) || within[within.length - 1];
  const edges = {};
  for (const port of dry.ports) {
    if (!port.edge_id) continue;
    const w = pick(port.within);
    edges[port.edge_id] = {
      count: w.count.count,
      margin: w.count.margin,
      label: windowName(w),
      share: shareOf(w.count.count, dry.entered.count),
    };
  }
  const nodes = {};
  for (const node of dry.nodes) {
    const w = pick(node.within);
    nodes[node.node_id] = {
      count: w.count.count,
      margin: w.count.margin,
      waiting: node.waiting_at_horizon.count,
      label: windowName(w),
      held: (node.messages?.suppressed?.count || 0) + (node.messages?.failed?.count || 0),
    };
  }
  return { edges, nodes };
}

// "38%" of those who entered (as Klaviyo and Braze show it beside each branch).
export function shareOf(count, entered) {
  if (!entered) return null;
  const share = (100 * count) / entered;
  return share > 0 && share < 1 ? "<1%" : `${Math.round(share)}%`;
}

// A window of the dry run in words ("1 hour", "7 days"), from its length, not its label.
export function windowName(window) {
  if (window.seconds < 86400) {
    const hours = Math.max(1, Math.round(window.seconds / 3600));
    return tn("{n} hour", "{n} hours", hours);
  }
  return tn("{n} day", "{n} days", Math.round(window.seconds / 86400));
}

export function useOverlays(previews, tab, edges, timezone, windowLabel) {
  const path = previews.answers.path?.data;
  const dry = previews.answers.dry_run?.data;
  const pathView = useMemo(
    () => (tab === "customer" ? pathOverlay(path, edges, timezone) : null),
    [tab, path, edges, timezone],
  );
  const dryView = useMemo(
    () => (tab === "dry_run" ? dryOverlay(dry, windowLabel) : null),
    [tab, dry, windowLabel],
  );
  return { pathView, dryView };
}

// "at entry", "+35 min", "+3 h", "+3 h 5 min", "+2 days", "+2 days 4 h"
export function offsetText(ms) {
  const minutes = Math.round(ms / 60000);
  if (minutes < 1) return t("at entry");
  if (minutes < 60) return t("+{minutes} min", { minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const rest = minutes % 60;
    return rest
      ? t("+{hours} h {minutes} min", { hours, minutes: rest })
      : t("+{hours} h", { hours });
  }
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  return rest
    ? tn("+{n} day {hours} h", "+{n} days {hours} h", days, { hours: rest })
    : tn("+{n} day", "+{n} days", days);
}

// "Mar 3, 2026, 10:00 GMT+9": the date, time and zone, in the journey's time zone.
export function clockText(ms, timezone) {
  try {
    return formatDate(new Date(ms), { timeZone: timezone || undefined });
  } catch {
    return formatDate(new Date(ms), { timeZone: "UTC" });
  }
}

// A simulated count: "1,200", or with its margin "about 1,200, give or take 40".
export function countText(count, margin) {
  if (!margin) return formatNumber(count);
  return t("about {count}, give or take {margin}", {
    count: formatNumber(count),
    margin: formatNumber(margin),
  });
}

// The preview panel's state: which tab is open (null: closed), the chosen customer, imagined
// events and the dry-run window; and what the canvas draws for it. Reopening the panel returns
// to the last tab and refreshes it, since the draft may have changed while it was closed.
export function usePreviewPanel(server, onPreview, edges, timezone) {
  const previews = usePreviews(server, onPreview);
  const [tab, setTab] = useState(null);
  const last = useRef("audience");
  const [customer, setCustomer] = useState(null);
  const [events, setEvents] = useState([]);
  const [windowLabel, setWindowLabel] = useState("horizon");
  useRefreshOnSave(previews, tab, customer, events, server.document);
  const { pathView, dryView } = useOverlays(previews, tab, edges, timezone, windowLabel);
  const show = useCallback((next) => {
    if (next) last.current = next;
    setTab(next);
  }, []);
  const open = () => {
    const next = last.current;
    show(next);
    if (next === "audience") previews.ask("audience");
    if (next === "customer" && customer) {
      previews.ask("explain", { external_id: customer });
      previews.ask("path", { external_id: customer, events });
    }
  };
  const close = useCallback(() => setTab(null), []);
  return {
    previews,
    tab,
    setTab: show,
    open,
    close,
    toggle: () => (tab ? close() : open()),
    customer,
    setCustomer,
    events,
    setEvents,
    windowLabel,
    setWindowLabel,
    pathView,
    dryView,
  };
}
