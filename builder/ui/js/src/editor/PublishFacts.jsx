// What publishing will do, for the publish dialog: who enters (the draft's audience, counted
// now), who is in the journey already (FlightMap.jsx maps them), and every warning.
import { useEffect, useState } from "react";
import { formatNumber, t, tn } from "../i18n.js";

export function PublishFacts({ journey, live, warnings }) {
  const audience = useAudienceCount(journey.id);
  const entering = audience.loading
    ? t("counting…")
    : audience.error
      ? audience.error
      : audience.count == null
        ? t("customers enter as they do the entry's event or call")
        : tn(
            "{n} customer matches the entry now",
            "{n} customers match the entry now",
            audience.count,
          );
  const warned = tn(
    "{n} warning — publishing is allowed, but look first",
    "{n} warnings — publishing is allowed, but look first",
    warnings.length,
  );
  return (
    <div className="wl-publish-facts" data-publish-facts>
      <div className="wl-rendered-line">
        <span>{t("Who enters")}</span>
        <strong data-publish-audience={audience.count ?? ""}>{entering}</strong>
      </div>
      <div className="wl-rendered-line">
        <span>{t("In the journey now")}</span>
        <strong data-publish-in-flight={live ? live.here : 0}>
          {formatNumber(live ? live.here : 0)}
        </strong>
      </div>
      {warnings.length ? (
        <div className="wl-publish-warnings" data-publish-warnings={warnings.length}>
          <span className="wl-label">{warned}</span>
          <ul>
            {warnings.map((warning, index) => (
              <li key={index}>{warning.message}</li>
            ))}
          </ul>
        </div>
      ) : (
        <div className="wl-help">{t("No warnings.")}</div>
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
      .catch(() => current && setAudience({ error: t("could not be counted") }));
    return () => {
      current = false;
    };
  }, [journeyId]);
  return audience;
}
