// A sticky note on the canvas: its text (edited in place, IME-safe: the text area is never
// reset while a Korean syllable is being composed or while it has focus), its colour, and a
// corner to resize it. Editing comes from NotesContext; without it (versions) it only shows.
import { createContext, memo, useContext, useEffect, useRef, useState } from "react";
import { NodeResizer } from "@xyflow/react";
import { Trash2 } from "lucide-react";
import { N_, t } from "../i18n.js";
import { NOTE_COLORS } from "./notes.js";

// {onText(id, text), onColor(id, color), onRemove(id), onResized()} while the draft is edited,
// else null.
export const NotesContext = createContext(null);

const COLOR_WORDS = {
  yellow: N_("Yellow"),
  blue: N_("Blue"),
  green: N_("Green"),
  pink: N_("Pink"),
  purple: N_("Purple"),
};

export const NoteNode = memo(
  /** @param {import("@xyflow/react").NodeProps} props */
  function NoteNode({ id, data: raw, selected }) {
    const data = /** @type {{text: string, color: string}} */ (raw);
    const edit = useContext(NotesContext);
    return (
      <div className={`wl-note ${data.color}`} data-note={id}>
        {edit ? (
          <NodeResizer
            isVisible={selected}
            minWidth={120}
            minHeight={80}
            onResizeEnd={edit.onResized}
          />
        ) : null}
        {edit ? (
          <NoteText id={id} text={data.text} onText={edit.onText} />
        ) : (
          <div className="wl-note-text" data-note-text>
            {data.text}
          </div>
        )}
        {edit && selected ? <NoteTools id={id} color={data.color} edit={edit} /> : null}
      </div>
    );
  },
);

function NoteText({ id, text, onText }) {
  const [value, setValue] = useState(text);
  const area = useRef(null);
  const composing = useRef(false);
  const sent = useRef(text); // the last text handed on: blur and composition end re-send it
  const send = (next) => {
    if (next === sent.current) return;
    sent.current = next;
    onText(id, next);
  };
  useEffect(() => {
    sent.current = text;
    // Take the saved text (undo, another tab) only when nobody is typing here.
    if (!composing.current && document.activeElement !== area.current) setValue(text);
  }, [text]);
  return (
    <textarea
      ref={area}
      className="wl-note-text nodrag nowheel"
      value={value}
      placeholder={t("Write a note for your team…")}
      aria-label={t("Sticky note")}
      maxLength={2000}
      data-note-text
      onChange={(e) => {
        setValue(e.target.value);
        if (!composing.current) send(e.target.value);
      }}
      onCompositionStart={() => {
        composing.current = true;
      }}
      onCompositionEnd={(e) => {
        composing.current = false;
        send(e.currentTarget.value);
      }}
      onBlur={(e) => send(e.currentTarget.value)}
    />
  );
}

function NoteTools({ id, color, edit }) {
  return (
    <div className="wl-note-tools nodrag">
      {NOTE_COLORS.map((c) => (
        <button
          key={c}
          type="button"
          className={`wl-note-swatch ${c} ${c === color ? "on" : ""}`}
          title={t(COLOR_WORDS[c])}
          aria-label={t(COLOR_WORDS[c])}
          aria-pressed={c === color}
          data-note-color={c}
          onClick={() => edit.onColor(id, c)}
        />
      ))}
      <button
        type="button"
        className="wl-icon-button"
        title={t("Delete note")}
        aria-label={t("Delete note")}
        data-note-delete={id}
        onClick={() => edit.onRemove(id)}
      >
        <Trash2 size={13} />
      </button>
    </div>
  );
}
