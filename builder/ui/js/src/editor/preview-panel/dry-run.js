// Reading a dry run's answer: the windows its counts come in ("1 day", "7 days", the horizon),
// the window shown, and one step's count within it.

// The windows of the dry run, as every port and step has them (none when nothing entered).
export function dryWindows(dry) {
  return dry.ports[0]?.within || dry.nodes[0]?.within || [];
}

// The chosen window if the dry run has it, else the whole horizon.
export function shownWindow(windows, label) {
  return windows.find((w) => w.label === label) ? label : "horizon";
}

// How many reach `node` within `label` ({count, margin}); the horizon is the step's reach.
export function reachWithin(node, label) {
  const within = node.within.find((w) => w.label === label) || node.reached;
  return within.count || within;
}
