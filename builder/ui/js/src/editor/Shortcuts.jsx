// The keyboard shortcuts overlay: "?" (or the keyboard button by the zoom controls) opens it,
// Esc or a click outside closes it.
import { useEffect, useState } from "react";
import { t } from "../i18n.js";
import { SHORTCUTS } from "./keyboard.js";

const TYPING = "input, textarea, select, [contenteditable=true]";
const IS_MAC = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

/**
 * [open, setOpen], with "?" opening and Esc closing.
 * @returns {[boolean, (open: boolean) => void]}
 */
export function useShortcutsOverlay() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (event) => {
      if (event.key === "Escape") setOpen(false);
      else if (event.key === "?" && !event.target.closest?.(TYPING)) {
        event.preventDefault();
        setOpen((was) => !was);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return [open, setOpen];
}

// A key as this computer labels it.
function keyName(key) {
  if (key === "Mod") return IS_MAC ? "⌘" : "Ctrl";
  if (key === "Shift") return t("Shift");
  if (key === "Drag") return t("drag");
  return key;
}

export function ShortcutsOverlay({ onClose }) {
  return (
    <div className="wl-modal-backdrop" onClick={onClose} role="presentation">
      <div
        className="wl-modal wl-shortcuts"
        role="dialog"
        aria-modal="true"
        aria-label={t("Keyboard shortcuts")}
        data-shortcuts
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === "Escape" && onClose()}
      >
        <h2>{t("Keyboard shortcuts")}</h2>
        <table>
          <tbody>
            {SHORTCUTS.map((shortcut) => (
              <tr key={shortcut.keys.join("+")}>
                <td>
                  {shortcut.keys.map((key) => (
                    <kbd key={key}>{keyName(key)}</kbd>
                  ))}
                </td>
                <td>{t(shortcut.what)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" className="wl-button" onClick={onClose} data-action="close-shortcuts">
          {t("Close")}
        </button>
      </div>
    </div>
  );
}
