// The canvas bundle's entry: the React components ReactPy mounts on Wayline's pages.
// ReactPy passes props as JSON text where they are deep (its event and prop serializers cut
// deep objects); callbacks are Python handlers and receive plain strings.
import { useEffect, useMemo, useRef } from "react";
import { Upload } from "lucide-react";
import "@xyflow/react/dist/style.css";
import "./app.css";
import { Editor } from "./editor/Editor.jsx";

export function JourneyCanvas({ catalogue, state, onCommand, onPreview }) {
  const parsedCatalogue = useMemo(() => JSON.parse(catalogue), [catalogue]);
  const parsedState = useMemo(() => JSON.parse(state), [state]);
  const latest = useRef({ onCommand, onPreview });
  latest.current = { onCommand, onPreview };  // ReactPy makes new handlers on every render
  const send = useMemo(() => (text) => latest.current.onCommand(text), []);
  const ask = useMemo(() => (text) => latest.current.onPreview?.(text), []);
  return <Editor catalogue={parsedCatalogue} state={parsedState} onCommand={send} onPreview={ask} />;
}

// A button that reads a chosen .json file and hands its text to Python.
export function ImportButton({ label = "Import", onFile }) {
  const input = useRef(null);
  const latest = useRef(onFile);
  latest.current = onFile;
  return (<>
    <button type="button" className="wl-button" onClick={() => input.current.click()} data-action="import"><Upload size={15} /> {label}</button>
    <input ref={input} type="file" accept="application/json,.json" hidden data-import-file
      onChange={async (event) => {
        const file = event.target.files[0];
        event.target.value = "";
        if (file) latest.current(JSON.stringify({ name: file.name, text: await file.text() }));
      }} />
  </>);
}

// Sends the browser to `to` (used after Python creates or clones a journey).
export function Navigate({ to }) {
  useEffect(() => { if (to) window.location.assign(to); }, [to]);
  return null;
}
