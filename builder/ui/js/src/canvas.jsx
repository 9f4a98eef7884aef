// The canvas bundle's entry: the React components ReactPy mounts on Wayline's pages.
// ReactPy passes props as JSON text where they are deep (its event and prop serializers cut
// deep objects); callbacks are Python handlers and receive plain strings.
import { useEffect, useMemo, useRef, useState } from "react";
import { Check, Copy, Upload } from "lucide-react";
import "@xyflow/react/dist/style.css";
import "./app.css";
import { Editor } from "./editor/Editor.jsx";
import { readState } from "./bridge.js";
import { setChannels } from "./editor/channels.js";
import { setTimeZone } from "./editor/labels.js";
import { t } from "./i18n.js";

export { TextField } from "./text-field.jsx";

// `readOnly`: the person's role may look but not change the journey (no palette, no dragging,
// wiring or deleting, the forms disabled); the server refuses their changes anyway.
export function JourneyCanvas({ catalogue, state, readOnly = false, onCommand, onPreview }) {
  const parsedCatalogue = useMemo(() => {
    const parsed = JSON.parse(catalogue);
    setChannels(parsed.channels, parsed.textCounting); // the server's channel registry
    return parsed;
  }, [catalogue]);
  const parsedState = useMemo(() => {
    const read = readState(state);
    // Times are shown in the journey's time zone, else the workspace's (labels.js shortTime).
    setTimeZone(read.document?.settings?.timezone || parsedCatalogue.timezone);
    return read;
  }, [state, parsedCatalogue]);
  const latest = useRef({ onCommand, onPreview });
  latest.current = { onCommand, onPreview }; // ReactPy makes new handlers on every render
  const send = useMemo(() => (text) => latest.current.onCommand(text), []);
  const ask = useMemo(() => (text) => latest.current.onPreview?.(text), []);
  return (
    <Editor
      catalogue={parsedCatalogue}
      state={parsedState}
      readOnly={!!readOnly}
      onCommand={send}
      onPreview={ask}
    />
  );
}

// A button that opens the file dialog and hands the chosen file to `read` (what it returns,
// as JSON text, goes to Python's `onFile`). `marker` names the hidden input for tests.
function FileButton({ action, label, accept, marker, read, onFile }) {
  const input = useRef(null);
  const latest = useRef(onFile);
  latest.current = onFile;
  return (
    <>
      <button
        type="button"
        className="wl-button"
        onClick={() => input.current.click()}
        data-action={action}
      >
        <Upload size={15} /> {label}
      </button>
      <input
        ref={input}
        type="file"
        accept={accept}
        hidden
        {...{ [marker]: true }}
        onChange={async (event) => {
          const file = event.target.files[0];
          event.target.value = "";
          if (file) latest.current(JSON.stringify(await read(file)));
        }}
      />
    </>
  );
}

// A button that reads a chosen .json file and hands its text to Python.
export function ImportButton({ label = undefined, onFile }) {
  return (
    <FileButton
      action="import"
      label={label ?? t("Import")}
      accept="application/json,.json"
      marker="data-import-file"
      read={async (file) => ({ name: file.name, text: await file.text() })}
      onFile={onFile}
    />
  );
}

// A button that reads a chosen image and hands it to Python as JSON {name, size, data}: its
// bytes in base64, or no data when it is over `maxBytes` (Python says why, nothing is sent).
// The server judges the bytes (type, pixels); `accept` only helps the file dialog.
export function ImageUpload({ label = undefined, maxBytes, onFile }) {
  return (
    <FileButton
      action="upload-image"
      label={label ?? t("Upload an image")}
      accept="image/jpeg,image/png"
      marker="data-image-file"
      read={async (file) => ({
        name: file.name,
        size: file.size,
        data: file.size <= maxBytes ? toBase64(await file.arrayBuffer()) : "",
      })}
      onFile={onFile}
    />
  );
}

// An ArrayBuffer as base64 text, a slice at a time (a spread of a whole file overflows).
function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = "";
  for (let at = 0; at < bytes.length; at += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(text);
}

// Sends the browser to `to` (used after Python creates or clones a journey).
export function Navigate({ to }) {
  useEffect(() => {
    if (to) window.location.assign(to);
  }, [to]);
  return null;
}

// Copies `text` (a one-time sign-in link, a new API key) to the clipboard, and says so.
export function CopyButton({ text, label = undefined }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return undefined;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      copyBySelecting(text);
    }
    setCopied(true);
  };
  return (
    <button type="button" className="wl-button" onClick={copy} data-action="copy">
      {copied ? (
        <>
          <Check size={14} /> {t("Copied")}
        </>
      ) : (
        <>
          <Copy size={14} /> {label ?? t("Copy")}
        </>
      )}
    </button>
  );
}

// The clipboard API needs a secure origin (https or localhost): elsewhere, copy the old way.
function copyBySelecting(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}
export { CsvImport } from "./customers/CsvImport.jsx";
export { OptOutUpload } from "./customers/OptOutUpload.jsx";
export { Chart } from "./charts/Chart.jsx";
export { RuleBuilder } from "./editor/RuleBuilder.jsx";
