// The browser import cuts a CSV into chunks and maps the server's lines back to the file's.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  chunkBody,
  decodeCsv,
  originalLine,
  planChunks,
  refusedCsv,
  withoutBom,
} from "../src/customers/csv-chunks.js";

test("chunks repeat the header and keep every row once", () => {
  const text = "external_id,email\na,a@x.kr\nb,b@x.kr\nc,c@x.kr\n";
  const plan = planChunks(text, 2);
  assert.equal(plan.rows, 3);
  assert.deepEqual(
    plan.chunks.map((chunk) => chunkBody(text, plan, chunk)),
    ["external_id,email\na,a@x.kr\nb,b@x.kr\n", "external_id,email\nc,c@x.kr\n"],
  );
  assert.deepEqual(
    plan.chunks.map((chunk) => chunk.rowLines),
    [[2, 3], [4]],
  );
});

test("a line the server names in a chunk is the file's line", () => {
  const text = 'external_id,note\na,"two\nlines"\nb,x\nc,y\n\nd,z\n';
  const plan = planChunks(text, 2);
  const [first, second] = plan.chunks;
  assert.deepEqual(first.rowLines, [2, 4]);
  assert.deepEqual(second.rowLines, [5, 7]);
  // In the second chunk's body, line 2 is "c,y" (file line 5), line 4 is "d,z" (file line 7).
  assert.equal(originalLine(plan, second, 2), 5);
  assert.equal(originalLine(plan, second, 4), 7);
  assert.equal(originalLine(plan, first, 3), 3);
});

test("a quote that never closes doesn't swallow the file", () => {
  const rows = ['a,"broken', ...Array.from({ length: 2000 }, (_, i) => `r${i},${i}`)];
  const plan = planChunks(`external_id,v\n${rows.join("\n")}\n`, 5000);
  assert.ok(plan.rows >= 900, String(plan.rows)); // the broken row takes at most 1,000 lines
  assert.equal(plan.chunks.at(-1).rowLines.at(-1), 2002);
});

test("a value of many lines in quotes is never cut", () => {
  const memo = Array.from({ length: 12 }, (_, i) => `line ${i}`).join("\n");
  const text = `external_id,memo\na,"${memo}"\nb,short\n`;
  const plan = planChunks(text, 1);
  assert.equal(plan.rows, 2);
  assert.deepEqual(
    plan.chunks.map((c) => c.rowLines),
    [[2], [14]],
  );
});

test("refused rows download as CSV that no spreadsheet runs", () => {
  const text = refusedCsv([
    { line: 7, externalId: "=cmd", reason: 'bad "phone", really' },
    { line: 9, externalId: null, reason: "no id" },
  ]);
  assert.equal(text, 'line,external_id,reason\n7,\'=cmd,"bad ""phone"", really"\n9,,no id\n');
});

test("a file with a byte-order mark or in CP949 reads as text", () => {
  assert.equal(withoutBom("\ufeffexternal_id"), "external_id");
  const cp949 = new Uint8Array([0xbf, 0xb5, 0xbc, 0xf7]); // 영숙
  assert.equal(decodeCsv(cp949), "영숙");
  assert.equal(decodeCsv(new TextEncoder().encode("영숙")), "영숙");
});
