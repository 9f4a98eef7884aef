// The publishing controls a role gets (`can`): pause or resume a running journey, and publish
// the draft or ask a publisher to. Each opens its dialog through `onOpen(op)`.
import { Pause, Play, Rocket } from "lucide-react";
import { t } from "../i18n.js";
import { AskButton } from "./approvals.jsx";
import { askTitle, publishState } from "./publishing.js";

export function PublishTools({ journey, can, errors, draft, onOpen }) {
  const publish = publishState(journey, errors, draft.status);
  return (
    <>
      {can.pause && journey.status === "live" ? (
        <button
          type="button"
          className="wl-button"
          onClick={() => onOpen("pause")}
          data-action="pause"
        >
          <Pause size={15} /> {t("Pause")}
        </button>
      ) : null}
      {can.pause && journey.status === "paused" ? (
        <button
          type="button"
          className="wl-button"
          onClick={() => onOpen("resume")}
          data-action="resume"
        >
          <Play size={15} /> {t("Resume")}
        </button>
      ) : null}
      {can.publish ? (
        <button
          type="button"
          className="wl-button primary"
          disabled={publish.blocked}
          data-action="publish"
          title={publish.title}
          onClick={() => onOpen("publish")}
        >
          <Rocket size={15} /> {journey.live_version ? t("Publish changes") : t("Publish")}
        </button>
      ) : can.request ? (
        <AskButton
          disabled={publish.blocked}
          title={askTitle(publish.title)}
          onClick={() => onOpen("request")}
        />
      ) : null}
    </>
  );
}
