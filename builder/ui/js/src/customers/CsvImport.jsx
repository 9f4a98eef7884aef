// The customers page's CSV import: the browser reads the chosen file, cuts it into chunks of
// rows (header repeated, src/customers/csv-chunks.js) and sends them one after another to
// POST /api/customers/import with the session cookie (the same-origin Origin header is the
// CSRF check). A progress bar counts rows done; at the end, what loaded, what was refused —
// each refused row with its line in the original file and why —, and the refused rows as a
// CSV made in the browser. A chunk that meets a network error or a busy server (429, 5xx) is
// sent again after a pause; one that never gets through is listed as refused, row by row.
import { useMemo, useRef, useState } from "react";
import { Upload } from "lucide-react";
import { formatNumber, t, tn } from "../i18n.js";
import {
  chunkBody,
  decodeCsv,
  originalLine,
  planChunks,
  refusedCsv,
  withoutBom,
} from "./csv-chunks.js";

const ROUTE = "/api/customers/import";
const TRIES = 6;
const FIRST_PAUSE_MS = 500;
const LONGEST_PAUSE_MS = 15000;
const SHOWN_REFUSED = 200;

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// How long to wait before try `attempt` (the server's Retry-After when it gives one).
function waitFor(attempt, answer) {
  const asked = Number(answer?.headers.get("retry-after"));
  const backoff = FIRST_PAUSE_MS * 2 ** attempt;
  return Math.min(LONGEST_PAUSE_MS, asked > 0 ? asked * 1000 : backoff);
}

class Refused extends Error {}

// One chunk's report, sent again on network errors and busy answers; Refused on a 4xx.
async function sendChunk(body) {
  let last = "";
  for (let attempt = 0; attempt < TRIES; attempt += 1) {
    let answer = null;
    try {
      answer = await fetch(ROUTE, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "text/csv; charset=utf-8", accept: "application/json" },
        body,
      });
      if (answer.ok) return await answer.json();
      const problem = await answer.json().catch(() => ({}));
      last = problem.detail || `HTTP ${answer.status}`;
      if (answer.status < 500 && answer.status !== 429) throw new Refused(last);
    } catch (error) {
      if (error instanceof Refused) throw error;
      last = last || String(error.message || error);
    }
    if (attempt + 1 < TRIES) await pause(waitFor(attempt, answer));
  }
  throw new Error(last);
}

// The refused rows of one chunk's report, with the file's line numbers.
function refusedOf(plan, chunk, report) {
  return report.failures.map((failure) => ({
    line: originalLine(plan, chunk, failure.line),
    externalId: failure.external_id,
    reason: failure.reason,
  }));
}

function emptyTotals(rows) {
  return { rows, done: 0, loaded: 0, refused: [], unlisted: 0, finished: false, problem: "" };
}

// Sends every chunk in order, calling `progress` with the running totals after each.
async function importAll(text, plan, progress) {
  let totals = emptyTotals(plan.rows);
  for (const chunk of plan.chunks) {
    let report;
    try {
      report = await sendChunk(chunkBody(text, plan, chunk));
    } catch (error) {
      if (error instanceof Refused)
        return progress({ ...totals, finished: true, problem: error.message });
      const reason = t(
        "Not loaded: the server did not take this part of the file ({why}). Import these rows again.",
        {
          why: error.message,
        },
      );
      report = null;
      const lost = chunk.rowLines.map((line) => ({ line, externalId: null, reason }));
      totals = { ...totals, done: totals.done + chunk.rows, refused: totals.refused.concat(lost) };
    }
    if (report) {
      totals = {
        ...totals,
        done: totals.done + chunk.rows,
        loaded: totals.loaded + report.created + report.updated + report.unchanged + report.merged,
        refused: totals.refused.concat(refusedOf(plan, chunk, report)),
        unlisted: totals.unlisted + report.failures_not_listed,
      };
    }
    progress(totals);
  }
  return progress({ ...totals, finished: true });
}

/** Choose a CSV file and import it in chunks, with progress and the refused rows. */
export function CsvImport({ maxBytes, chunkRows = 5000, onFinished }) {
  const input = useRef(null);
  const latest = useRef(onFinished);
  latest.current = onFinished; // ReactPy makes a new handler on every render
  const [state, setState] = useState(null);
  const [fileName, setFileName] = useState("");
  const busy = state && !state.finished;

  const start = async (file) => {
    if (file.size > maxBytes) {
      setState({ ...emptyTotals(0), finished: true, problem: tooLarge(file.size, maxBytes) });
      return;
    }
    setFileName(file.name);
    setState({ ...emptyTotals(0), reading: true });
    const text = withoutBom(decodeCsv(await file.arrayBuffer()));
    const plan = planChunks(text, chunkRows);
    setState(emptyTotals(plan.rows));
    await importAll(text, plan, setState);
    latest.current?.(JSON.stringify({ rows: plan.rows }));
  };

  return (
    <section className="wl-card-block" data-card="csv-import">
      <h2>{t("Import customers from a CSV file")}</h2>
      <p className="wl-muted">
        {t(
          "The first row names the columns: external_id (required), email, phone, timezone, locale, tags, consent_<channel>; any other column is an attribute. Files up to {size} MB, UTF-8 or Excel's Korean encoding.",
          { size: formatNumber(Math.round(maxBytes / 1024 / 1024)) },
        )}
      </p>
      <button
        type="button"
        className="wl-button"
        disabled={!!busy}
        onClick={() => input.current.click()}
        data-action="import-csv"
      >
        <Upload size={15} /> {t("Choose a CSV file…")}
      </button>
      <input
        ref={input}
        type="file"
        accept=".csv,text/csv"
        hidden
        data-import-csv
        onChange={(event) => {
          const file = event.target.files[0];
          event.target.value = "";
          if (file) start(file);
        }}
      />
      {state ? <ImportProgress state={state} fileName={fileName} /> : null}
    </section>
  );
}

function tooLarge(size, maxBytes) {
  return t(
    "This file is {size} MB; the browser imports files up to {max} MB. Split it, or use `wayline import customers`.",
    {
      size: formatNumber(Math.ceil(size / 1024 / 1024)),
      max: formatNumber(Math.round(maxBytes / 1024 / 1024)),
    },
  );
}

function ImportProgress({ state, fileName }) {
  const percent = state.rows
    ? Math.floor((state.done / state.rows) * 100)
    : state.finished
      ? 100
      : 0;
  return (
    <div className="wl-import" data-import-state={state.finished ? "finished" : "running"}>
      {state.reading ? <p>{t("Reading {file}…", { file: fileName })}</p> : null}
      <div
        className="wl-progress"
        role="progressbar"
        aria-label={t("Rows imported")}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        data-import-progress={percent}
      >
        <div className="wl-progress-bar" style={{ width: `${percent}%` }} />
      </div>
      <p data-import-count>
        {t("{done} of {total} rows ({percent}%)", {
          done: formatNumber(state.done),
          total: formatNumber(state.rows),
          percent,
        })}
      </p>
      {state.problem ? (
        <div className="wl-alert error" role="alert">
          {state.problem}
        </div>
      ) : null}
      {state.finished && !state.problem ? <ImportSummary state={state} /> : null}
    </div>
  );
}

function ImportSummary({ state }) {
  const refusedCount = state.refused.length + state.unlisted;
  const loadedText = tn("{n} row loaded", "{n} rows loaded", state.loaded);
  const refusedText = tn("{n} row refused", "{n} rows refused", refusedCount);
  const download = useMemo(
    () =>
      state.refused.length
        ? URL.createObjectURL(new Blob([refusedCsv(state.refused)], { type: "text/csv" }))
        : null,
    [state.refused],
  );
  return (
    <div className="wl-import-summary" data-import-summary>
      <p>
        <strong data-import-loaded={state.loaded}>{loadedText}</strong>
        {" · "}
        <strong data-import-refused={refusedCount}>{refusedText}</strong>
      </p>
      {state.unlisted ? (
        <p className="wl-muted">
          {t("{n} more refused rows are not listed (the server lists the first 1,000 per part).", {
            n: formatNumber(state.unlisted),
          })}
        </p>
      ) : null}
      {download ? (
        <a
          className="wl-button"
          href={download}
          download="refused-rows.csv"
          data-action="download-refused"
        >
          {t("Download refused rows")}
        </a>
      ) : null}
      {state.refused.length ? <RefusedTable refused={state.refused} /> : null}
    </div>
  );
}

function RefusedTable({ refused }) {
  const shown = refused.slice(0, SHOWN_REFUSED);
  return (
    <>
      <table className="wl-table" data-refused>
        <thead>
          <tr>
            <th>{t("Line")}</th>
            <th>{t("External id")}</th>
            <th>{t("Why")}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => (
            <tr key={row.line} data-refused-line={row.line}>
              <td>{formatNumber(row.line)}</td>
              <td>{row.externalId || ""}</td>
              <td>{row.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {refused.length > shown.length ? (
        <p className="wl-muted">
          {t("The first {shown} of {total} are shown; the download has them all.", {
            shown: formatNumber(shown.length),
            total: formatNumber(refused.length),
          })}
        </p>
      ) : null}
    </>
  );
}
