// What the publishing controls say: whether publishing is open and why not, the confirmation
// each journey operation asks for, and how many messages a pause holds.
import { t, tn } from "../i18n.js";

// Publishing is blocked by errors, an archived journey, an unsaved draft, or nothing new.
export function publishState(journey, errors, draftStatus) {
  const archived = journey.status === "archived";
  const unchanged = journey.live_version != null && !journey.has_unpublished_changes;
  const blocked = errors > 0 || archived || draftStatus !== "saved" || unchanged;
  const title = errors
    ? tn("Fix {n} problem to publish", "Fix {n} problems to publish", errors)
    : unchanged
      ? t("The live version is this draft")
      : t("Publish this draft");
  return { blocked, title };
}

// The same reason, for someone who asks a publisher instead.
export function askTitle(publishTitle) {
  return publishTitle === t("Publish this draft")
    ? t("Ask a publisher to publish this draft")
    : publishTitle;
}

const CONFIRMATIONS = {
  publish: (journey) => ({
    op: "publish",
    title: journey.live_version
      ? t('Publish changes to "{name}"?', { name: journey.name })
      : t('Publish "{name}"?', { name: journey.name }),
    body: journey.live_version
      ? t(
          "This becomes version {version}: new customers get it. Choose below what happens to the customers already in the journey.",
          { version: journey.live_version + 1 },
        )
      : t(
          "Customers start entering as soon as it is live, and messages go out as they reach each step.",
        ),
    action: t("Publish"),
  }),
  resume: (journey) => ({
    op: "resume",
    title: t('Resume "{name}"?', { name: journey.name }),
    body: t(
      "Customers move on again: waits that ended while paused continue at once, and messages go out.",
    ),
    action: t("Resume journey"),
  }),
};

// The dialog for `op`: a confirmation (publish, resume), or just the op for the dialogs with a
// form of their own (pause asks for a reason, request for a comment).
export function dialogFor(op, journey) {
  return CONFIRMATIONS[op] ? CONFIRMATIONS[op](journey) : { op };
}

export function heldText(count) {
  if (!count) return t("no message is waiting to go");
  return tn("{n} unsent message is held", "{n} unsent messages are held", count);
}
