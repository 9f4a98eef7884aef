import { test } from "node:test";
import assert from "node:assert/strict";
import { chartOption, datasetCsv } from "../src/charts/options.js";

const colours = { text: "#000", muted: "#555", line: "#ddd" };

test("a line chart has one series per measure, read from the dataset", () => {
  const option = chartOption(
    {
      kind: "line",
      dimensions: ["day", "entered", "converted"],
      labels: { entered: "Entered" },
      rows: [
        ["2026-12-01", 3, 1],
        ["2026-12-02", 5, 2],
      ],
    },
    colours,
  );
  assert.deepEqual(
    option.series.map((series) => series.name),
    ["Entered", "converted"],
  );
  assert.deepEqual(option.dataset.source[1], ["2026-12-02", 5, 2]);
  assert.equal(option.legend.show, true);
});

test("a funnel takes its steps from the rows, in order", () => {
  const option = chartOption(
    {
      kind: "funnel",
      dimensions: ["step", "customers"],
      rows: [
        ["Entered", 10],
        ["Converted", 4],
      ],
    },
    colours,
  );
  assert.deepEqual(option.series[0].data, [
    { name: "Entered", value: 10 },
    { name: "Converted", value: 4 },
  ]);
  assert.equal(option.series[0].sort, "none");
});

test("CSV quotes commas and quotes, and defuses formulas", () => {
  const text = datasetCsv(
    ["name", "value"],
    [
      ['a, "b"', 1],
      ["=HYPERLINK()", -2],
      [null, 3],
    ],
  );
  assert.equal(text, 'name,value\r\n"a, ""b""",1\r\n\'=HYPERLINK(),-2\r\n,3\r\n');
});
