// The banners under the top bar: why the journey can't be edited (archived, view only), that
// sending is stopped, that it is paused (and why), that some of its steps are, or that its
// templates changed since it was published.
import { ApprovalBanner } from "./approvals.jsx";
import { ContentBanner } from "./ContentBanner.jsx";
import { heldText } from "./publishing.js";

export function Banners({ server, locked, pausedSteps, onCommand }) {
  const { journey } = server;
  const can = server.can || {};
  const archived = journey.status === "archived";
  return (
    <>
      {archived ? (
        <div className="wl-banner">
          This journey is archived: no one enters it and it can't be edited. Clone it from the
          journeys list to reuse it.
        </div>
      ) : null}
      {locked && !archived ? (
        <div className="wl-banner" data-banner="view-only">
          View only: your role can look at this journey and its numbers, but not change or publish
          it.
        </div>
      ) : null}
      {server.sending ? (
        <div className="wl-banner stopped" data-banner="sending-stopped">
          {server.sending} No message of any journey goes out; they wait.{" "}
          <a href="/settings">Send rules</a>
        </div>
      ) : null}
      {journey.status === "paused" ? (
        <div className="wl-banner warn" data-banner="paused">
          {journey.paused_reason ? (
            <strong data-paused-reason>{journey.paused_reason}. </strong>
          ) : null}
          No one new enters and customers inside wait where they are until{" "}
          {can.pause ? "you resume" : "a publisher resumes it"}; {heldText(journey.held_messages)}.
        </div>
      ) : null}
      {journey.status === "live" && pausedSteps.size ? (
        <div className="wl-banner warn" data-banner="paused-steps">
          {pausedSteps.size === 1 ? "1 step is" : `${pausedSteps.size} steps are`} paused: customers
          wait before {pausedSteps.size === 1 ? "it" : "them"}; {heldText(journey.held_messages)}.
          Select a paused step to resume it.
        </div>
      ) : null}
      {archived ? null : <ContentBanner content={server.content} can={can} onCommand={onCommand} />}
      <ApprovalBanner
        approval={server.approval}
        journey={journey}
        can={can}
        onCommand={onCommand}
      />
    </>
  );
}
