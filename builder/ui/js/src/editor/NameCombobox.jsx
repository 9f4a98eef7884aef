// A text field that suggests names from the workspace's data (attributes, events, an event's
// properties) with their facts, and still takes any name typed (one may not exist yet).
// Keyboard: ↓/↑ move, Enter picks, Escape closes. IME-safe: while a composition (Korean, …)
// is under way keys are the IME's, and the typed text is never reset from outside.
import { useEffect, useId, useRef, useState } from "react";
import { fill } from "../i18n.js";
import { matching, moveActive } from "./discovery.js";
import "./pickers.css";

export function NameCombobox({
  value,
  onChange,
  options,
  placeholder = undefined,
  className = "",
  kind = "name",
  unseen = null,
}) {
  const [text, setText] = useState(value ?? "");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const composing = useRef(false);
  const focused = useRef(false);
  const id = useId();
  useEffect(() => {
    // What arrives from outside (a reload, another tab) shows only when not being typed in.
    if (!focused.current && !composing.current) setText(value ?? "");
  }, [value]);
  const shown = open ? matching(options, text) : [];
  // A name typed that the data has never seen: said in the list, so the marketer knows
  // before the step's warning arrives (`unseen` says it, with {name}).
  const isNew = open && unseen && text.trim() && !options.some((o) => o.name === text.trim());
  const pick = (name) => {
    setText(name);
    setOpen(false);
    setActive(-1);
    onChange(name);
  };
  const onKeyDown = (e) => {
    if (composing.current || e.nativeEvent.isComposing) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const items = matching(options, text);
      setOpen(true);
      setActive(moveActive(active, e.key === "ArrowDown" ? 1 : -1, items.length));
    } else if (e.key === "Enter" && open && active >= 0 && shown[active]) {
      e.preventDefault();
      pick(shown[active].name);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      setOpen(false);
    }
  };
  return (
    <div className={`wl-combo ${className}`} data-combobox={kind}>
      <input
        className="wl-input"
        role="combobox"
        aria-expanded={shown.length > 0}
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        aria-activedescendant={active >= 0 && shown[active] ? `${id}-${active}` : undefined}
        value={text}
        placeholder={placeholder}
        onFocus={() => {
          focused.current = true;
          setOpen(true);
        }}
        onBlur={() => {
          focused.current = false;
          setOpen(false);
          setActive(-1);
        }}
        onCompositionStart={() => {
          composing.current = true;
        }}
        onCompositionEnd={(e) => {
          composing.current = false;
          const next = /** @type {HTMLInputElement} */ (e.target).value;
          setText(next);
          onChange(next);
        }}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          setActive(-1);
          if (!composing.current) onChange(e.target.value);
        }}
        onKeyDown={onKeyDown}
      />
      {shown.length || isNew ? (
        <ul className="wl-combo-list" role="listbox" id={`${id}-list`}>
          {isNew ? (
            <li className="wl-combo-note" role="presentation" data-combo-note>
              {fill(unseen, { name: text.trim() })}
            </li>
          ) : null}
          {shown.map((option, index) => (
            <li
              key={option.name}
              id={`${id}-${index}`}
              role="option"
              aria-selected={index === active}
              className={index === active ? "active" : ""}
              data-option={option.name}
              onMouseDown={(e) => {
                e.preventDefault(); // keep the focus: the blur would close the list first
                pick(option.name);
              }}
            >
              <span className="wl-combo-name">{option.name}</span>
              {option.detail ? <span className="wl-combo-detail">{option.detail}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
