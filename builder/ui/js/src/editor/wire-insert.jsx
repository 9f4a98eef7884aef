// The "+" at a wire's middle: a compact menu of the steps that fit on a wire (searchable like
// the palette); the chosen one is inserted there as one undoable change (insert.js). The menu
// is drawn over the page (a portal), since wire labels sit under the steps.
import { useEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { Plus } from "lucide-react";
import { t } from "../i18n.js";
import { KindIcon } from "./icons.jsx";
import { matchingKinds } from "./palette-search.js";

export function WireInsert({ edgeId, tools }) {
  const [open, setOpen] = useState(null); // the "+" button's box while the menu is open
  return (
    <span className="wl-wire-insert">
      <button
        type="button"
        className="wl-wire-plus"
        title={t("Insert a step here")}
        aria-label={t("Insert a step here")}
        aria-expanded={!!open}
        data-insert-on={edgeId}
        onClick={(e) => setOpen(open ? null : e.currentTarget.getBoundingClientRect())}
      >
        <Plus size={12} strokeWidth={3} />
      </button>
      {open
        ? createPortal(
            <InsertMenu
              at={open}
              kinds={tools.insertable}
              onPick={(key) => {
                setOpen(null);
                tools.onInsert(edgeId, key);
              }}
              onClose={() => setOpen(null)}
            />,
            document.body,
          )
        : null}
    </span>
  );
}

// Below the "+", or above it when the window ends first.
const MENU_HEIGHT = 300;
function placed(at) {
  const left = at.left + at.width / 2;
  if (at.bottom + 4 + MENU_HEIGHT <= window.innerHeight) return { top: at.bottom + 4, left };
  return { bottom: window.innerHeight - at.top + 4, left };
}

function InsertMenu({ at, kinds, onPick, onClose }) {
  const [query, setQuery] = useState("");
  const menu = useRef(null);
  const shown = matchingKinds(kinds, query);
  useEffect(() => {
    const away = (event) => menu.current && !menu.current.contains(event.target) && onClose();
    window.addEventListener("pointerdown", away);
    window.addEventListener("wheel", onClose); // the canvas moves under a fixed menu
    return () => {
      window.removeEventListener("pointerdown", away);
      window.removeEventListener("wheel", onClose);
    };
  }, [onClose]);
  return (
    <div className="wl-insert-menu" ref={menu} role="menu" data-insert-menu style={placed(at)}>
      <input
        className="wl-input"
        autoFocus
        value={query}
        placeholder={t("Find a step")}
        aria-label={t("Find a step")}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") onClose();
          if (e.key === "Enter" && shown[0]) onPick(shown[0].key);
        }}
      />
      {shown.map((kind) => (
        <button
          key={kind.key}
          type="button"
          role="menuitem"
          className="wl-insert-item"
          data-insert-kind={kind.key}
          style={/** @type {import("react").CSSProperties} */ ({ "--kind": kind.color })}
          onClick={() => onPick(kind.key)}
        >
          <span className="wl-node-icon">
            <KindIcon name={kind.icon} size={13} />
          </span>
          {kind.label}
        </button>
      ))}
      {shown.length ? null : <p className="wl-help">{t("No step matches.")}</p>}
    </div>
  );
}
