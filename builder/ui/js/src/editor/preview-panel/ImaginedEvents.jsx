// "What they do after entering": events the previewer imagines, each with a delay, that the
// customer's path is worked out with once applied.
import { Plus, Trash2 } from "lucide-react";
import { t } from "../../i18n.js";
import { valueLabel } from "../labels.js";
import { UNITS, delayed, inUnit, named, newEvent, renamed, without } from "./imagined.js";

export function ImaginedEvents({ events, setEvents, onApply }) {
  return (
    <div className="wl-imagined">
      <div className="wl-label">
        {t("What they do after entering")} <span className="wl-optional">{t("optional")}</span>
      </div>
      {events.map((event, index) => (
        <ImaginedEvent
          key={index}
          index={index}
          event={event}
          onChange={(change) => setEvents(change(events, index))}
          onRemove={() => {
            const next = without(events, index);
            setEvents(next);
            onApply(next);
          }}
        />
      ))}
      <div className="wl-row">
        <button
          type="button"
          className="wl-link-button"
          onClick={() => setEvents([...events, newEvent()])}
          data-action="imagine-event"
        >
          <Plus size={14} /> {t("Imagine an event")}
        </button>
        {events.length ? (
          <button
            type="button"
            className="wl-link-button"
            onClick={() => onApply(named(events))}
            data-action="apply-events"
          >
            {t("Preview with these")}
          </button>
        ) : null}
      </div>
    </div>
  );
}

// One event: its name, and how long after entering (`onChange` takes an edit from imagined.js).
function ImaginedEvent({ index, event, onChange, onRemove }) {
  return (
    <div className="wl-row" data-imagined-event={index}>
      <input
        className="wl-input wl-grow"
        placeholder={t("event, e.g. order_completed")}
        value={event.name}
        onChange={(e) => onChange((events, i) => renamed(events, i, e.target.value))}
      />
      <span>{t("after")}</span>
      <input
        className="wl-input wl-short"
        type="number"
        min="0"
        value={event.after.amount}
        onChange={(e) => onChange((events, i) => delayed(events, i, e.target.value))}
      />
      <select
        className="wl-input wl-compact"
        value={event.after.unit}
        onChange={(e) => onChange((events, i) => inUnit(events, i, e.target.value))}
      >
        {UNITS.map((u) => (
          <option key={u} value={u}>
            {valueLabel(u)}
          </option>
        ))}
      </select>
      <button type="button" className="wl-icon-button" title={t("Remove")} onClick={onRemove}>
        <Trash2 size={14} />
      </button>
    </div>
  );
}
