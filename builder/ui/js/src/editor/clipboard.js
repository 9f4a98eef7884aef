// Copy and paste of steps, with the wires between them. The clipboard lives in localStorage,
// so steps copied in one journey can be pasted into another (or another tab); each paste gets
// new ids and lands a little further down and right, selected, so it can be dragged at once.
import { newId, toDocument } from "./draft.js";

const KEY = "wayline.clipboard";
const STEP = 40;
let memory = null; // when localStorage is unavailable (private modes)

// The selected steps and the wires whose both ends are selected, as document parts.
export function copySelection(store, remember = false) {
  const nodes = store.nodes.filter((node) => node.selected);
  const ids = new Set(nodes.map((node) => node.id));
  const edges = store.edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target));
  const clip = { ...toDocument({ nodes, edges, settings: {} }), pastes: 0 };
  delete clip.settings;
  if (remember) write(clip);
  return clip;
}

// The last copied steps, counting this paste (for the offset), or null.
export function readClipboard() {
  let clip = memory;
  try {
    const text = window.localStorage.getItem(KEY);
    if (text) clip = JSON.parse(text);
  } catch {
    // unreadable or unavailable: the in-memory copy
  }
  if (!clip?.nodes?.length) return null;
  clip = { ...clip, pastes: (clip.pastes || 0) + 1 };
  write(clip);
  return clip;
}

// The store with the clip's steps and wires added under new ids, and only they selected.
export function pasteInto(store, clip) {
  const shift = STEP * Math.max(1, clip.pastes || 1);
  const ids = new Map(clip.nodes.map((node) => [node.id, newId("n")]));
  const nodes = clip.nodes.map((node) => ({
    ...structuredClone(node),
    id: ids.get(node.id),
    position: { x: node.position.x + shift, y: node.position.y + shift },
    selected: true,
  }));
  const edges = clip.edges.map((edge) => ({
    ...edge,
    id: newId("e"),
    source: ids.get(edge.source),
    target: ids.get(edge.target),
    selected: false,
  }));
  return {
    ...store,
    nodes: [...store.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...nodes],
    edges: [...store.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...edges],
  };
}

function write(clip) {
  memory = clip;
  try {
    window.localStorage.setItem(KEY, JSON.stringify(clip));
  } catch {
    // storage full or unavailable: the in-memory copy still works in this tab
  }
}
