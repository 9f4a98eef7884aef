// The canvas's side of the bridge to Python (builder/ui/bridge.py): the state Python pushes,
// as the editor reads it. The types come from bridge-types.d.ts, generated from the msgspec structs.

/** @typedef {import("./bridge-types").CanvasState} CanvasState */
/** @typedef {import("./bridge-types").Issue} Issue */

/**
 * An issue with its severity spelled out (Python leaves out the default, "error").
 * @param {Issue} issue
 * @returns {Issue & { severity: "error" | "warning" }}
 */
export function withSeverity(issue) {
  return { ...issue, severity: issue.severity ?? "error" };
}

/**
 * The canvas state from the JSON text Python sends.
 * @param {string} text
 * @returns {CanvasState}
 */
export function readState(text) {
  /** @type {CanvasState} */
  const state = JSON.parse(text);
  const notice = state.notice && { ...state.notice, issues: state.notice.issues.map(withSeverity) };
  return { ...state, issues: state.issues.map(withSeverity), notice };
}

// --- the connection: whether ReactPy's websocket is up ------------------------------------------
// ReactPy's client keeps its socket to itself, so the canvas watches the sockets the page makes:
// the first one is open before this bundle loads, and a new one to /reactpy/ is always ReactPy
// reconnecting after the connection dropped. "reconnecting" while it tries, "offline" once a
// try failed, "back" for a few seconds after it got through, then "online" again.

/** @typedef {"online" | "reconnecting" | "offline" | "back"} Connection */

const BACK_MS = 4000;
/** @type {Connection} */
let connection = "online";
/** @type {Set<(next: Connection) => void>} */
const listeners = new Set();
/** @type {ReturnType<typeof setTimeout> | undefined} */
let backTimer;
let watching = false;
let openSockets = 0;
let closedSockets = 0;

/** How many of the page's sockets have closed so far (a drop the server noticed). */
export function socketsClosed() {
  return closedSockets;
}

/** @param {Connection} next */
export function setConnection(next) {
  clearTimeout(backTimer);
  if (next === "back") backTimer = setTimeout(() => setConnection("online"), BACK_MS);
  if (next === connection) return;
  connection = next;
  for (const listener of listeners) listener(next);
}

/** The connection now. */
export function currentConnection() {
  return connection;
}

/**
 * Calls `listener` with each change of the connection; returns the way to stop.
 * @param {(next: Connection) => void} listener
 */
export function onConnection(listener) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/**
 * Starts watching the page's ReactPy sockets (once; harmless outside a browser).
 * @param {any} [scope] where WebSocket lives (the page; a stand-in in tests)
 */
export function watchConnection(scope = globalThis) {
  const Native = scope.WebSocket;
  if (!Native || watching) return;
  watching = true;
  class Watched extends Native {
    /** @param {string | URL} url @param {string | string[]} [protocols] */
    constructor(url, protocols) {
      super(url, protocols);
      if (!String(url).includes("/reactpy/")) return;
      let opened = false;
      if (connection !== "offline") setConnection("reconnecting");
      this.addEventListener("open", () => {
        opened = true;
        openSockets += 1;
        setConnection("back");
      });
      this.addEventListener("close", () => {
        if (opened) openSockets -= 1;
        closedSockets += 1;
        setConnection(opened ? "reconnecting" : "offline");
      });
    }
  }
  scope.WebSocket = Watched;
  scope.addEventListener?.("offline", () => setConnection("offline"));
  // The network came back before the socket noticed it was gone: it is still open.
  scope.addEventListener?.("online", () => openSockets > 0 && setConnection("back"));
}
