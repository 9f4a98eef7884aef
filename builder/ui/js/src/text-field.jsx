// A text field for ReactPy pages that never fights the person typing (builder/ui/text_field.py).
// ReactPy's own inputs send each key to Python and write Python's echo back into the field; an
// echo of an older key arrives after newer ones (fast typing loses letters), and one written
// mid-composition breaks a Korean syllable being built (ㅈ → 자 → 장) into loose jamo. Here the
// browser owns the text: each change is sent (a composition only once it is committed), and the
// server's `value` is taken only when it is not an echo of something sent, that is, when Python
// really changed it (cleared the field after a save, filled it in).
import { useEffect, useLayoutEffect, useRef, useState } from "react";

/**
 * @param {{ value?: string, multiline?: boolean, attrs?: Record<string, any>,
 *           onChange?: (text: string) => void }} props
 */
export function TextField({ value = "", multiline = false, attrs = {}, onChange }) {
  const [text, setText] = useState(value ?? "");
  const sent = useRef([]); // values sent whose echo has not come back yet
  const seen = useRef(value);
  const composing = useRef(false);
  const field = useRef(null);
  const latest = useRef(onChange);
  latest.current = onChange; // ReactPy makes new handlers on every render

  // The field stands in ReactPy's layout as if it were a plain input (no box of its own around).
  useLayoutEffect(() => {
    const mount = field.current?.parentElement;
    if (mount) mount.style.display = "contents";
  }, []);

  useEffect(() => {
    if (value === seen.current) return;
    seen.current = value;
    const echo = sent.current.indexOf(value);
    if (echo >= 0) {
      sent.current = sent.current.slice(echo + 1);
      return;
    }
    sent.current = [];
    last.current = value;
    if (!composing.current) setText(value ?? "");
  }, [value]);

  const last = useRef(value);
  const send = (next) => {
    if (next === last.current) return; // composition end and change can both report it
    last.current = next;
    sent.current.push(next);
    latest.current?.(next);
  };
  const { class: className, ...rest } = attrs || {};
  const Tag = multiline ? "textarea" : "input";
  return (
    <Tag
      {...rest}
      className={className}
      ref={field}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        if (!composing.current) send(e.target.value);
      }}
      onCompositionStart={() => (composing.current = true)}
      onCompositionEnd={(e) => {
        composing.current = false;
        send(e.currentTarget.value);
      }}
    />
  );
}
