// What publishing will do, for the publish dialog: who enters (the draft's audience, counted
// now), who is in the journey already (FlightMap.jsx maps them), and every warning.
import { useEffect, useState } from "react";

export function PublishFacts({ journey, live, warnings }) {
  const audience = useAudienceCount(journey.id);
  const entering = audience.loading
    ? "counting…"
    : audience.error
      ? audience.error
      : audience.count == null
        ? "customers enter as they do the entry's event or call"
        : `${audience.count.toLocaleString()} customer${audience.count === 1 ? "" : "s"} match the entry now`;
  return (
    <div className="wl-publish-facts" data-publish-facts>
      <div className="wl-rendered-line">
        <span>Who enters</span>
        <strong data-publish-audience={audience.count ?? ""}>{entering}</strong>
      </div>
      <div className="wl-rendered-line">
        <span>In the journey now</span>
        <strong data-publish-in-flight={live ? live.here : 0}>
          {(live ? live.here : 0).toLocaleString()}
        </strong>
      </div>
      {warnings.length ? (
        <div className="wl-publish-warnings" data-publish-warnings={warnings.length}>
          <span className="wl-label">
            {warnings.length} warning{warnings.length === 1 ? "" : "s"} — publishing is allowed, but
            look first
          </span>
          <ul>
            {warnings.map((warning, index) => (
              <li key={index}>{warning.message}</li>
            ))}
          </ul>
        </div>
      ) : (
        <div className="wl-help">No warnings.</div>
      )}
    </div>
  );
}

// The journey's audience counted by the server, once when the dialog opens.
function useAudienceCount(journeyId) {
  const [audience, setAudience] = useState(
    /** @type {{ loading?: boolean, error?: string, count?: number, notes?: string[] }} */ ({
      loading: true,
    }),
  );
  useEffect(() => {
    let current = true;
    fetch(`/api/journeys/${journeyId}/audience?limit=1`)
      .then(async (answer) => {
        const data = await answer.json();
        if (current)
          setAudience(
            answer.ok ? { count: data.count, notes: data.notes || [] } : { error: data.detail },
          );
      })
      .catch(() => current && setAudience({ error: "could not be counted" }));
    return () => {
      current = false;
    };
  }, [journeyId]);
  return audience;
}
