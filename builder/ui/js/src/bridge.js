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
