// The editor's keyboard shortcuts: undo, redo, copy, cut, paste and duplicate steps — never
// while the person types in a field.
import { useEffect, useRef } from "react";
import { copySelection, readClipboard } from "./clipboard.js";

const TYPING = "input, textarea, select, [contenteditable=true]";

// Which shortcut a key press is (null: none); copy, cut and duplicate need a selection.
export function shortcutOf(event, hasSelection) {
  if (!(event.ctrlKey || event.metaKey)) return null;
  const key = event.key.toLowerCase();
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
  if (shortcut === "undo") draft.undo();
  else if (shortcut === "redo") draft.redo();
  else if (shortcut === "cut") onDelete({ nodes: chosen, edges: [] });
  else if (shortcut === "duplicate") paste(copySelection(store));
}
