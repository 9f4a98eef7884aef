// The editor's keyboard shortcuts: undo, redo, copy, cut, paste, duplicate and select all
// steps — never while the person types in a field. SHORTCUTS lists them (and React Flow's own)
// for the "?" overlay (Shortcuts.jsx).
import { useEffect, useRef } from "react";
import { N_ } from "../i18n.js";
import { copySelection, readClipboard } from "./clipboard.js";

// Every shortcut as the overlay shows it: keys (Mod is Ctrl, or ⌘ on a Mac) and what it does.
export const SHORTCUTS = [
  { keys: ["Mod", "Z"], what: N_("Undo") },
  { keys: ["Mod", "Shift", "Z"], what: N_("Redo") },
  { keys: ["Mod", "A"], what: N_("Select all steps") },
  { keys: ["Mod", "C"], what: N_("Copy the selected steps") },
  { keys: ["Mod", "X"], what: N_("Cut the selected steps") },
  { keys: ["Mod", "V"], what: N_("Paste steps") },
  { keys: ["Mod", "D"], what: N_("Duplicate the selected steps") },
  { keys: ["Delete"], what: N_("Delete the selected steps, wires and notes") },
  { keys: ["Shift", "Drag"], what: N_("Select an area") },
  { keys: ["Enter"], what: N_("Add the highlighted step from the palette") },
  { keys: ["?"], what: N_("Show these shortcuts") },
  { keys: ["Esc"], what: N_("Close this list") },
];

const TYPING = "input, textarea, select, [contenteditable=true]";

// Which shortcut a key press is (null: none); copy, cut and duplicate need a selection.
export function shortcutOf(event, hasSelection) {
  if (!(event.ctrlKey || event.metaKey)) return null;
  const key = event.key.toLowerCase();
  if (key === "a" && !event.shiftKey) return "select-all";
  if (key === "z" && !event.shiftKey) return "undo";
  if (key === "y" || (key === "z" && event.shiftKey)) return "redo";
  if (key === "c" && hasSelection) return "copy";
  if (key === "x" && hasSelection) return "cut";
  if (key === "v") return "paste";
  if (key === "d" && hasSelection) return "duplicate";
  return null;
}

export function useKeyboard({ draft, store, readOnly, paste, onDelete }) {
  const latest = useRef({ draft, store, readOnly, paste, onDelete });
  latest.current = { draft, store, readOnly, paste, onDelete };
  useEffect(() => {
    const onKey = (event) => {
      if (latest.current.readOnly || event.target.closest?.(TYPING)) return;
      const chosen = latest.current.store.nodes.filter((n) => n.selected);
      const shortcut = shortcutOf(event, chosen.length > 0);
      if (shortcut) act(shortcut, event, chosen, latest.current);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}

function act(shortcut, event, chosen, { draft, store, paste, onDelete }) {
  if (shortcut === "copy" || shortcut === "cut") copySelection(store, true);
  if (shortcut === "paste") {
    const clip = readClipboard();
    if (!clip) return;
    event.preventDefault();
    paste(clip);
    return;
  }
  if (shortcut === "copy") return; // leaves the browser its own copy of any selected text
  event.preventDefault();
  if (shortcut === "select-all")
    draft.change((s) => ({
      ...s,
      nodes: s.nodes.map((n) => (n.selected ? n : { ...n, selected: true })),
    }));
  else if (shortcut === "undo") draft.undo();
  else if (shortcut === "redo") draft.redo();
  else if (shortcut === "cut") onDelete({ nodes: chosen, edges: [] });
  else if (shortcut === "duplicate") paste(copySelection(store));
}
