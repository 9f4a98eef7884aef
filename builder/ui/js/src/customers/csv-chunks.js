// A CSV file cut into chunks of rows for the import route, each chunk with the header row
// repeated, and the arithmetic that turns a line the server names in a chunk back into the
// line of the original file. Pure: no DOM, no fetch (tested in test/csv-chunks.test.js).
//
// A chunk ends only between records: a value in quotes may hold line breaks, so the cut is
// made at a line break outside quotes. A quote that never closes would otherwise swallow the
// rest of the file into one chunk, so past `MAX_LINES_PER_ROW` lines per row the cut is made
// anyway (the server reports the broken row on its first line). The limit is far above any
// real value's lines (an address, a memo), so a value is never cut in the middle.

const QUOTE = 34;
const NEWLINE = 10;
const MAX_LINES_PER_ROW = 1000;

/**
 * @typedef {{ start: number, end: number, firstLine: number, rows: number,
 *   rowLines: number[] }} Chunk
 * @typedef {{ header: string, headerLines: number, chunks: Chunk[], rows: number }} Plan
 */

/** The text without a leading byte-order mark. */
export function withoutBom(text) {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// The end of the record starting at `from` (the index of its line break, or text.length),
// and how many physical lines it spans.
function recordEnd(text, from, maxLines) {
  let quoted = false;
  let lines = 1;
  for (let at = from; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) quoted = !quoted;
    else if (code === NEWLINE) {
      if (!quoted || lines >= maxLines) return { end: at, lines };
      lines += 1;
    }
  }
  return { end: text.length, lines };
}

/** The file split into chunks of at most `rows` records: offsets into `text`, the original
 * line of each record, and the header (its own line count, for mapping lines back). */
export function planChunks(text, rows) {
  const head = recordEnd(text, 0, MAX_LINES_PER_ROW);
  const header = text.slice(0, head.end).replace(/\r$/, "");
  const plan = { header, headerLines: head.lines, chunks: [], rows: 0 };
  let at = head.end + 1;
  let line = head.lines + 1;
  let chunk = null;
  while (at < text.length) {
    const record = recordEnd(text, at, MAX_LINES_PER_ROW);
    const blank = text.slice(at, record.end).trim() === "";
    if (!blank) {
      if (!chunk) chunk = { start: at, end: at, firstLine: line, rows: 0, rowLines: [] };
      chunk.rowLines.push(line);
      chunk.rows += 1;
      chunk.end = record.end;
      plan.rows += 1;
      if (chunk.rows >= rows) {
        plan.chunks.push(chunk);
        chunk = null;
      }
    } else if (chunk) {
      chunk.end = record.end; // keep the lines contiguous, so line numbers map back
    }
    at = record.end + 1;
    line += record.lines;
  }
  if (chunk) plan.chunks.push(chunk);
  return plan;
}

/** The body one chunk is sent as: the header, then its rows exactly as in the file. */
export function chunkBody(text, plan, chunk) {
  return `${plan.header}\n${text.slice(chunk.start, chunk.end)}\n`;
}

/** The original file's line for a line the server names in a chunk's body. */
export function originalLine(plan, chunk, lineInChunk) {
  return chunk.firstLine + (lineInChunk - plan.headerLines - 1);
}

// A cell as a spreadsheet reads it: quoted when needed, never run as a formula.
function cell(value) {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The refused rows as CSV text: line, external_id, reason. */
export function refusedCsv(refused) {
  const lines = ["line,external_id,reason"];
  for (const row of refused) lines.push([row.line, row.externalId, row.reason].map(cell).join(","));
  return `${lines.join("\n")}\n`;
}

/** The text of a file's bytes: UTF-8, else the Korean Windows encoding Excel writes (CP949). */
export function decodeCsv(buffer) {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buffer);
  } catch {
    return new TextDecoder("euc-kr").decode(buffer);
  }
}
