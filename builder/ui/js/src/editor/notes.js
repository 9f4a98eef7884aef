// Sticky notes: the team's words on the canvas, beside the steps. The document keeps them as a
// `notes` list ({id, position, width, height, text, color}; builder/document.py's `Note`);
// the canvas holds them as React Flow nodes of type NOTE_TYPE in `store.notes`, so they move,
// resize and select like steps. The runtime never reads them.
import { newId } from "./draft.js";

export const NOTE_TYPE = "wl-note";
export const NOTE_COLORS = ["yellow", "blue", "green", "pink", "purple"];
export const NOTE_SIZE = { width: 220, height: 140 };

// The document's notes as canvas nodes, keeping the selection of notes still there.
export function notesFromDocument(list, previous) {
  const old = new Map((previous || []).map((note) => [note.id, note]));
  return (list || []).map((note) => ({
    id: note.id,
    type: NOTE_TYPE,
    position: note.position,
    width: note.width ?? NOTE_SIZE.width,
    height: note.height ?? NOTE_SIZE.height,
    data: { text: note.text || "", color: note.color || NOTE_COLORS[0] },
    selected: old.get(note.id)?.selected || false,
  }));
}

// The canvas's notes as the document stores them.
export function notesToDocument(notes) {
  return (notes || []).map((note) => ({
    id: note.id,
    position: { x: Math.round(note.position.x), y: Math.round(note.position.y) },
    width: Math.round(note.width ?? note.measured?.width ?? NOTE_SIZE.width),
    height: Math.round(note.height ?? note.measured?.height ?? NOTE_SIZE.height),
    text: note.data.text,
    color: note.data.color,
  }));
}

// A new empty note with its top left corner at `at`, selected.
export function newNote(at) {
  return {
    id: newId("note"),
    type: NOTE_TYPE,
    position: { x: Math.round(at.x), y: Math.round(at.y) },
    ...NOTE_SIZE,
    data: { text: "", color: NOTE_COLORS[0] },
    selected: true,
  };
}

// The store with note `id`'s data patched.
export function withNoteData(store, id, patch) {
  return {
    ...store,
    notes: store.notes.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n)),
  };
}

// The store without the notes whose ids are in `ids`.
export function withoutNotes(store, ids) {
  return { ...store, notes: (store.notes || []).filter((note) => !ids.has(note.id)) };
}
