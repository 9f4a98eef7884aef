// ECharts options from a dataset (column names and rows), per kind of chart, and the same
// rows as CSV. Pure functions: unit-tested in test/chart-options.test.js.

const SERIES = { line: "line", bar: "bar", area: "line" };

/**
 * @param {{ kind: string, dimensions: string[], labels?: Record<string, string>,
 *   rows: (string|number|null)[][], stacked?: boolean }} chart
 * @param {{ text: string, muted: string, line: string }} colours
 * @returns {Record<string, any>}
 */
export function chartOption({ kind, dimensions, labels = {}, rows, stacked }, colours) {
  const named = (dimension) => labels[dimension] ?? dimension;
  const base = {
    backgroundColor: "transparent",
    textStyle: { color: colours.text },
    tooltip: { trigger: kind === "funnel" || kind === "pie" ? "item" : "axis" },
    animation: false,
  };
  if (kind === "funnel" || kind === "pie") {
    return {
      ...base,
      series: [
        {
          type: kind,
          sort: "none",
          label: { color: colours.text, formatter: "{b}: {c}" },
          data: rows.map(([label, value]) => ({ name: String(label), value })),
        },
      ],
    };
  }
  const [category, ...measures] = dimensions;
  return {
    ...base,
    legend: { show: measures.length > 1, textStyle: { color: colours.text }, top: 0 },
    grid: { left: 48, right: 16, top: measures.length > 1 ? 32 : 16, bottom: 28 },
    dataset: { dimensions, source: rows },
    xAxis: {
      type: "category",
      name: "",
      axisLabel: { color: colours.muted },
      axisLine: { lineStyle: { color: colours.line } },
      id: category,
    },
    yAxis: {
      type: "value",
      minInterval: 1, // counts and won: no half a customer on the axis
      axisLabel: { color: colours.muted },
      splitLine: { lineStyle: { color: colours.line } },
    },
    series: measures.map((measure) => ({
      type: SERIES[kind] ?? "bar",
      name: named(measure),
      encode: { x: category, y: measure },
      stack: stacked ? "all" : undefined,
      areaStyle: kind === "area" ? {} : undefined,
      showSymbol: rows.length < 40,
    })),
  };
}

function csvCell(value) {
  if (value === null || value === undefined) return "";
  const text = String(value);
  // A leading =, +, - or @ would run as a formula in a spreadsheet: quote it as text.
  const safe = /^[=+\-@\t\r]/.test(text) && Number.isNaN(Number(text)) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The dataset as CSV text: a header of column names, then one line per row. */
export function datasetCsv(dimensions, rows) {
  return [dimensions, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
