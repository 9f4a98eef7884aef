// One chart of an insight page, drawn by Apache ECharts (SVG renderer, so a test and a screen
// reader can find its parts). Python gives the data as a dataset — column names and rows —
// and the kind of chart; this component turns them into an ECharts option, follows the page's
// light or dark theme (also when it changes on an open page) and width, and offers the same
// rows as a CSV download.
//
// ECharts is imported when the first chart mounts, into a chunk of its own: pages without a
// chart never load it.
import { useEffect, useRef, useState } from "react";
import { Download } from "lucide-react";
import { t } from "../i18n.js";
import { chartOption, datasetCsv } from "./options.js";

let loading = null;

function loadEcharts() {
  loading ??= Promise.all([
    import("echarts/core"),
    import("echarts/charts"),
    import("echarts/components"),
    import("echarts/renderers"),
  ]).then(([core, charts, components, renderers]) => {
    core.use([
      charts.BarChart,
      charts.LineChart,
      charts.FunnelChart,
      charts.PieChart,
      components.DatasetComponent,
      components.GridComponent,
      components.LegendComponent,
      components.TooltipComponent,
      components.TitleComponent,
      renderers.SVGRenderer,
    ]);
    return core;
  });
  return loading;
}

function themeColours() {
  const style = getComputedStyle(document.documentElement);
  const read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: read("--ink", "#0f172a"),
    muted: read("--muted", "#64748b"),
    line: read("--line", "#e2e8f0"),
  };
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob(["\ufeff", text], { type: "text/csv" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}

/**
 * @param {{ name: string, title: string, kind: string, dimensions: string[],
 *   labels?: Record<string, string>, rows: (string|number|null)[][], height?: number,
 *   stacked?: boolean, empty?: string }} props
 */
export function Chart({ name, title, kind, dimensions, labels, rows, height, stacked, empty }) {
  const box = useRef(/** @type {HTMLDivElement | null} */ (null));
  const [failed, setFailed] = useState("");
  const hasRows = rows.length > 0;

  useEffect(() => {
    if (!hasRows || !box.current) return undefined;
    let chart = null;
    let gone = false;
    const resize = new ResizeObserver(() => chart?.resize());
    // The theme can change while the page is open (the user menu, or the system's setting):
    // draw again in its colours.
    const draw = () =>
      chart?.setOption(
        chartOption({ kind, dimensions, labels, rows, stacked }, themeColours()),
        true,
      );
    const themes = new MutationObserver(draw);
    const system = window.matchMedia?.("(prefers-color-scheme: dark)");
    loadEcharts()
      .then((echarts) => {
        if (gone || !box.current) return;
        chart = echarts.init(box.current, null, { renderer: "svg" });
        draw();
        resize.observe(box.current);
        themes.observe(document.documentElement, {
          attributes: true,
          attributeFilter: ["data-theme"],
        });
        system?.addEventListener("change", draw);
      })
      .catch((error) => setFailed(String(error)));
    return () => {
      gone = true;
      resize.disconnect();
      themes.disconnect();
      system?.removeEventListener("change", draw);
      chart?.dispose();
    };
  }, [kind, dimensions, labels, rows, stacked, hasRows]);

  const exportCsv = () => download(`${name}.csv`, datasetCsv(dimensions, rows));
  return (
    <section className="wl-chart" data-chart={name} aria-label={title}>
      <header className="wl-chart-head">
        <h3>{title}</h3>
        <button
          type="button"
          className="wl-button"
          onClick={exportCsv}
          data-action="export-csv"
          disabled={!hasRows}
        >
          <Download size={14} /> {t("CSV")}
        </button>
      </header>
      {hasRows ? (
        <div ref={box} className="wl-chart-body" style={{ height: height ?? 260 }} />
      ) : (
        <p className="wl-chart-empty">{empty ?? t("No data in this range yet.")}</p>
      )}
      {failed && <p className="wl-error">{failed}</p>}
    </section>
  );
}
