// The customers page's 080 opt-out upload: the browser sends the chosen CSV (phone, date,
// 080 number — as the provider's 080 service exports it) to POST /api/customers/opt-outs with
// the session cookie. The numbers are refused advertising on every phone channel; the answer
// says how many rows loaded, how many customers it refused, and each bad row with its line.
import { useState } from "react";
import { PhoneOff } from "lucide-react";
import { formatNumber, t, tn } from "../i18n.js";

const ROUTE = "/api/customers/opt-outs";

async function upload(file) {
  const answer = await fetch(ROUTE, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "text/csv; charset=utf-8", accept: "application/json" },
    body: await file.arrayBuffer(),
  });
  const body = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new Error(body.detail || `HTTP ${answer.status}`);
  return body;
}

/** Choose a 080 opt-out CSV and load it; what loaded and each bad row. */
export function OptOutUpload({ maxBytes }) {
  const [report, setReport] = useState(null);
  const [problem, setProblem] = useState("");
  const [busy, setBusy] = useState(false);

  const start = async (file) => {
    setReport(null);
    setProblem("");
    if (file.size > maxBytes) {
      setProblem(
        t("This file is larger than {max} MB: split it.", {
          max: formatNumber(Math.round(maxBytes / 1024 / 1024)),
        }),
      );
      return;
    }
    setBusy(true);
    try {
      setReport(await upload(file));
    } catch (error) {
      setProblem(String(error.message || error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="wl-card-block" data-card="opt-out-upload">
      <h2>{t("080 opt-outs")}</h2>
      <p className="wl-muted">
        {t(
          "Numbers that refused advertising by calling your 080 line: a CSV of phone, date and 080 number. They get no more advertising by text, KakaoTalk or Brand Message.",
        )}
      </p>
      <label className="wl-button" data-action="upload-opt-outs">
        <PhoneOff size={15} /> {busy ? t("Loading…") : t("Choose a CSV file…")}
        <input
          type="file"
          accept=".csv,text/csv"
          hidden
          disabled={busy}
          data-opt-out-csv
          onChange={(event) => {
            const file = event.target.files[0];
            event.target.value = "";
            if (file) start(file);
          }}
        />
      </label>
      {problem ? (
        <div className="wl-alert error" role="alert">
          {problem}
        </div>
      ) : null}
      {report ? <OptOutReport report={report} /> : null}
    </section>
  );
}

function OptOutReport({ report }) {
  const loadedText = tn("{n} number loaded", "{n} numbers loaded", report.loaded);
  const customersText = tn(
    "{n} customer refused advertising",
    "{n} customers refused advertising",
    report.customers,
  );
  const failedText = tn("{n} row refused", "{n} rows refused", report.failed);
  return (
    <div className="wl-import-summary" data-opt-out-report>
      <p>
        <strong data-opt-outs-loaded={report.loaded}>{loadedText}</strong>
        {" · "}
        <span data-opt-outs-customers={report.customers}>{customersText}</span>
        {" · "}
        <strong data-opt-outs-failed={report.failed}>{failedText}</strong>
      </p>
      {report.problems.length ? (
        <table className="wl-table" data-refused>
          <thead>
            <tr>
              <th>{t("Line")}</th>
              <th>{t("Why")}</th>
            </tr>
          </thead>
          <tbody>
            {report.problems.map((row) => (
              <tr key={row.line} data-refused-line={row.line}>
                <td>{formatNumber(row.line)}</td>
                <td>{row.problem}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
