// views/usage.js -- requests, errors and latency per hour or day, as
// charts (uPlot, vendored) and a table per server and tool.
import * as api from "../api.js";
import { empty, field, h, loading, page, problem, table } from "../ui.js";
import uPlot from "../vendor/uPlot.esm.js";

const RANGES = { hour: 2 * 86400, day: 30 * 86400 };

// Rows of one (server, tool) or of all, summed per bucket. Latency over
// several series: p50 weighted by count, p95 the highest (an upper bound;
// the exact figure needs the raw durations, which stay in the database).
function series(rows, key) {
  const by = new Map();
  for (const r of rows) {
    if (key !== "*" && `${r.server_alias}\u0000${r.tool ?? ""}` !== key)
      continue;
    const t = Date.parse(r.bucket_start) / 1000;
    const b = by.get(t) || { n: 0, err: 0, p50w: 0, p95: 0 };
    b.n += r.count;
    b.err += r.errors;
    b.p50w += (r.p50_ms || 0) * r.count;
    b.p95 = Math.max(b.p95, r.p95_ms || 0);
    by.set(t, b);
  }
  const ts = [...by.keys()].sort((a, b) => a - b);
  return [ts, ts.map((t) => by.get(t).n), ts.map((t) => by.get(t).err),
    ts.map((t) => by.get(t).n ? by.get(t).p50w / by.get(t).n : null),
    ts.map((t) => by.get(t).p95)];
}

function chart(title, data, names, unit, el) {
  // the figure's own width (it is in the page by now); the viewport's
  // as a fallback, so a narrow screen never gets a chart wider than itself
  const room = el.clientWidth || document.documentElement.clientWidth - 32;
  const width = Math.max(240, Math.min(room, 900));
  return new uPlot({
    title, width, height: 220,
    scales: { x: { time: true } },
    axes: [{}, { label: unit }],
    series: [{}, ...names.map((n, i) => ({ label: n,
      stroke: ["#1f6feb", "#d1242f", "#8250df"][i], width: 2,
      points: { show: data[0].length < 3 } }))],
  }, data, el);
}

export async function render(state) {
  const base = `/tenants/${encodeURIComponent(state.tenant.slug)}/usage`;
  const bucket = field("Bucket", { name: "bucket", tag: "select",
    options: [{ value: "hour", label: "per hour (last 2 days)" },
      { value: "day", label: "per day (last 30 days)" }] });
  const which = field("Server and tool", { name: "which", tag: "select",
    options: [{ value: "*", label: "all" }] });
  const charts = h("div", { class: "charts" });
  const tbl = h("div");
  let rows = [];
  const draw = () => {
    charts.replaceChildren();
    if (rows.length === 0) {
      charts.append(empty("No calls in this range yet. Make a call to " +
        `/mcp/${state.tenant.slug}/<server> and it is counted here.`));
      tbl.replaceChildren();
      return;
    }
    const s = series(rows, which.input.value);
    const a = h("figure", { "aria-label": "Requests and errors chart" });
    const b = h("figure", { "aria-label": "Latency chart" });
    charts.append(a, b);
    chart("Requests", [s[0], s[1], s[2]], ["requests", "errors"],
      "calls", a);
    chart("Latency", [s[0], s[3], s[4]], ["p50 ms", "p95 ms"], "ms", b);
    const agg = new Map();
    for (const r of rows) {
      const k = `${r.server_alias}\u0000${r.tool ?? ""}`;
      const x = agg.get(k) || { server: r.server_alias, tool: r.tool,
        n: 0, err: 0, p95: 0 };
      x.n += r.count;
      x.err += r.errors;
      x.p95 = Math.max(x.p95, r.p95_ms || 0);
      agg.set(k, x);
    }
    tbl.replaceChildren(table([
      { label: "Server", value: (x) => x.server || "—" },
      { label: "Tool", value: (x) => x.tool || "" },
      { label: "Requests", value: (x) => x.n },
      { label: "Errors", value: (x) => x.err },
      { label: "p95 ms (highest bucket)", value: (x) => Math.round(x.p95) },
    ], [...agg.values()].sort((p, q) => q.n - p.n)));
  };
  const load = async () => {
    charts.replaceChildren(loading("usage"));
    try {
      const until = new Date(Math.ceil(Date.now() / 1000) * 1000);
      const since = new Date(until - RANGES[bucket.input.value] * 1000);
      const q = new URLSearchParams({ bucket: bucket.input.value,
        since: since.toISOString(), until: until.toISOString() });
      const r = await api.call("GET", `${base}?${q}`);
      rows = api.items(r, "rows");
      const keys = new Map([["*", "all"]]);
      for (const x of rows)
        keys.set(`${x.server_alias}\u0000${x.tool ?? ""}`,
          `${x.server_alias}${x.tool ? " / " + x.tool : ""}`);
      const keep = which.input.value;
      which.input.replaceChildren(...[...keys].map(([v, l]) =>
        h("option", { value: v, selected: v === keep }, l)));
      draw();
    } catch (e) {
      charts.replaceChildren(problem(e));
    }
  };
  bucket.input.addEventListener("change", load);
  which.input.addEventListener("change", draw);
  page("Usage", h("div", { class: "filters" }, bucket.row, which.row),
    charts, tbl);
  await load();
}
