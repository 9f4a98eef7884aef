// What the publishing controls say: whether publishing is open and why not, the confirmation
// each journey operation asks for, and how many messages a pause holds.

// Publishing is blocked by errors, an archived journey, an unsaved draft, or nothing new.
export function publishState(journey, errors, draftStatus) {
  const archived = journey.status === "archived";
  const unchanged = journey.live_version != null && !journey.has_unpublished_changes;
  const blocked = errors > 0 || archived || draftStatus !== "saved" || unchanged;
  const title = errors
    ? `Fix ${errors} problem${errors === 1 ? "" : "s"} to publish`
    : unchanged
      ? "The live version is this draft"
      : "Publish this draft";
  return { blocked, title };
}

// The same reason, for someone who asks a publisher instead.
export function askTitle(publishTitle) {
  return publishTitle.replace("Publish this draft", "Ask a publisher to publish this draft");
}

const CONFIRMATIONS = {
  publish: (journey) => ({
    op: "publish",
    title: journey.live_version
      ? `Publish changes to "${journey.name}"?`
      : `Publish "${journey.name}"?`,
    body: journey.live_version
      ? `This becomes version ${journey.live_version + 1}: new customers get it. Choose below what happens to the customers already in the journey.`
      : "Customers start entering as soon as it is live, and messages go out as they reach each step.",
    action: "Publish",
  }),
  resume: (journey) => ({
    op: "resume",
    title: `Resume "${journey.name}"?`,
    body: "Customers move on again: waits that ended while paused continue at once, and messages go out.",
    action: "Resume journey",
  }),
};

// The dialog for `op`: a confirmation (publish, resume), or just the op for the dialogs with a
// form of their own (pause asks for a reason, request for a comment).
export function dialogFor(op, journey) {
  return CONFIRMATIONS[op] ? CONFIRMATIONS[op](journey) : { op };
}

export function heldText(count) {
  if (!count) return "no message is waiting to go";
  return count === 1
    ? "1 unsent message is held"
    : `${count.toLocaleString()} unsent messages are held`;
}
