// Why one customer would enter or not: the entry's clauses, each marked held or failed.
import { CircleCheck, CircleX } from "lucide-react";
import { t } from "../../i18n.js";
import { clauseText, setsNoConditions } from "./text.js";

export function ExplainTab({ data }) {
  return (
    <div
      className={`wl-why ${data.matches ? "yes" : "no"}`}
      data-why={data.matches ? "enters" : "not"}
    >
      <div className="wl-why-head">
        {data.matches ? <CircleCheck size={17} /> : <CircleX size={17} />}
        <strong>
          {data.matches
            ? t("{customer} would enter", { customer: data.external_id })
            : t("{customer} would not enter", { customer: data.external_id })}
        </strong>
      </div>
      {setsNoConditions(data.clauses) ? (
        <p className="wl-help">{t("The entry sets no conditions on who may enter.")}</p>
      ) : (
        <ul className="wl-clauses" title={data.summary}>
          {data.clauses.map((clause) => (
            <li
              key={clause.path}
              className={clause.matched ? "held" : "failed"}
              style={{ paddingLeft: 8 + clause.depth * 14 }}
              data-clause={clause.matched ? "held" : "failed"}
            >
              {clause.matched ? "✓" : "✗"} <span>{clauseText(clause)}</span>
            </li>
          ))}
        </ul>
      )}
      {data.notes?.map((note, index) => (
        <p key={index} className="wl-help">
          {note}
        </p>
      ))}
    </div>
  );
}
