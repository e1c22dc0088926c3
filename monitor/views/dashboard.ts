/**
 * The dashboard page, rendered on the server: the deployments table is in the HTML itself (useful with scripts
 * off), and `/assets/dashboard.js` draws the selected deployment's charts (uPlot), backends (requests per device
 * and why), feature lookups (per view; shown only when the deployment's models look features up) and samples from
 * the JSON API.
 * Tabs (`?tab=drift|slices|performance|alerts`, ./dashboard-ml.ts) show the ML monitoring, drawn by
 * `/assets/dashboard-ml.js`.
 *
 * @example
 * ```ts
 * return c.html(renderDashboard({ deployments: await store.listDeployments(), selected: c.req.query("deployment") }));
 * ```
 */
import type { DeploymentSummary } from "../store/contract.ts";
import { ML_CSS, ML_TABS, renderMlTab, renderTabs } from "./dashboard-ml.ts";

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const fmt = (n: number) => n.toLocaleString("en-US");

export function renderDashboard(opts: {
  deployments: readonly DeploymentSummary[];
  selected: string | undefined;
  tab?: string | undefined;
  now: number;
}): string {
  const { deployments } = opts;
  const selected = deployments.find((d) => d.name === opts.selected) ?? deployments[0];
  const tab = ML_TABS.find((t) => t.id === opts.tab)?.id ?? "overview";
  const rows = deployments.map((d) => {
    const requests = d.versions.reduce((a, v) => a + v.requests, 0);
    const errors = d.versions.reduce((a, v) => a + v.errors, 0);
    const versions = d.versions.map((v) => `${v.model}@${v.version}`).join(", ") || "—";
    return `<tr${d === selected ? ' class="selected"' : ""} data-deployment="${esc(d.name)}">
      <td><a href="/?deployment=${encodeURIComponent(d.name)}${tab === "overview" ? "" : `&amp;tab=${tab}`}">${esc(d.name)}</a></td><td>${esc(d.target ?? "—")}</td><td>${esc(versions)}</td>
      <td class="num" data-field="requests">${fmt(requests)}</td><td class="num" data-field="errors">${fmt(errors)}</td>
      <td class="num">${requests > 0 ? `${((100 * errors) / requests).toFixed(2)}%` : "—"}</td><td class="num">${fmt(d.dropped)}</td>
      <td>${d.lastSeen === null ? "never" : `<time datetime="${new Date(d.lastSeen).toISOString()}">${ago(opts.now - d.lastSeen)}</time>`}</td></tr>`;
  });
  const table =
    deployments.length === 0
      ? `<p class="empty">No deployments yet. Create an ingest token with <code>npx edge-ml monitor token create &lt;deployment&gt;</code> and set it on the edge.</p>`
      : `<table id="deployments-table"><thead><tr><th>deployment</th><th>target</th><th>versions</th><th class="num">requests</th><th class="num">errors</th><th class="num">error rate</th><th class="num">dropped samples</th><th>last batch</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
  // Why a deployment's telemetry may be missing: the monitor refused it (a revoked or another deployment's token).
  const refusals = deployments
    .filter((d) => d.lastRefusal !== null)
    .map((d) => {
      const r = d.lastRefusal!;
      return `<li data-deployment="${esc(d.name)}"><strong>${esc(d.name)}</strong>: telemetry refused <time datetime="${new Date(r.at).toISOString()}">${ago(opts.now - r.at)}</time> (${r.status} ${esc(r.code)}): ${esc(r.reason)}</li>`;
    });
  const refused = refusals.length === 0 ? "" : `<ul id="refusals" class="refusals">${refusals.join("")}</ul>`;
  const overview = (name: string) => `
  <section id="detail" data-deployment="${esc(name)}">
    <div class="bar"><h2>${esc(name)}</h2>
      <nav id="ranges">${[
        ["1h", 3600e3],
        ["6h", 6 * 3600e3],
        ["24h", 24 * 3600e3],
        ["7d", 7 * 24 * 3600e3],
      ]
        .map(([label, ms]) => `<button type="button" data-range="${ms}"${label === "1h" ? ' class="active"' : ""}>${label}</button>`)
        .join("")}</nav>
      <span id="status" class="dim">loading…</span></div>
    <table id="versions"><thead><tr><th>version</th><th class="num">requests</th><th class="num">errors</th><th class="num">error rate</th><th class="num">p50 ms</th><th class="num">p95 ms</th><th class="num">p99 ms</th></tr></thead><tbody></tbody></table>
    <h3>Backends</h3>
    <table id="backends"><thead><tr><th>version</th><th>device</th><th class="num">requests</th><th class="num">share</th><th>engine</th><th>last reason</th></tr></thead><tbody></tbody></table>
    <section id="lookups" hidden><h3>Feature lookups</h3>
    <table id="lookups-table"><thead><tr><th>version</th><th>view</th><th class="num">requests</th><th class="num">miss rate</th><th class="num">expired</th><th class="num">p95 ms</th><th class="num">median age</th><th class="num">max age</th></tr></thead><tbody></tbody></table></section>
    <div class="charts">
      <figure><figcaption>Traffic (requests per window)</figcaption><div id="chart-traffic" class="chart"></div></figure>
      <figure><figcaption>Error rate (%)</figcaption><div id="chart-errors" class="chart"></div></figure>
      <figure><figcaption>Latency p50 / p95 / p99 (ms, from histogram buckets)</figcaption><div id="chart-latency" class="chart"></div></figure>
    </div>
    <h3>Recent sampled requests</h3>
    <table id="samples"><thead><tr><th>time</th><th>version</th><th>request id</th><th class="num">status</th><th class="num">latency ms</th><th>features</th><th>prediction</th></tr></thead><tbody></tbody></table>
  </section>`;
  const detail =
    selected === undefined ? "" : `${renderTabs(selected.name, tab)}${tab === "overview" ? overview(selected.name) : renderMlTab(selected.name, tab)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>edge-ml monitor</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/uPlot.min.css">
<style>${CSS}${ML_CSS}</style></head>
<body><header><h1>edge-ml monitor</h1><span class="dim">${fmt(deployments.length)} deployment${deployments.length === 1 ? "" : "s"}</span></header>
<main><section id="deployments"><h2>Deployments</h2>${table}${refused}</section>${detail}</main>
<script src="/assets/uPlot.iife.min.js"></script><script src="/assets/dashboard-common.js"></script><script src="/assets/dashboard.js"></script><script src="/assets/dashboard-ml.js"></script><script src="/assets/dashboard-compare.js"></script>
</body></html>`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{display:flex;gap:1rem;align-items:baseline;padding:.8rem 1.5rem;background:#1d2330;color:#fff}
header h1{font-size:1.1rem;margin:0}
main{padding:1rem 1.5rem;max-width:1400px}
h2{font-size:1rem;margin:.5rem 0}
table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:1rem}
th,td{padding:.35rem .6rem;border-bottom:1px solid #e3e6eb;text-align:left;vertical-align:top}
th{font-weight:600;color:#4a5366;background:#eef0f4}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.selected td{background:#eaf2ff}
tr.error td{color:#b91c1c}
.dim{color:#7a8396}
.bar{display:flex;gap:1rem;align-items:center}
nav button{border:1px solid #c5cad4;background:#fff;padding:.2rem .6rem;cursor:pointer}
nav button.active{background:#1d2330;color:#fff}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}
figure{margin:0;background:#fff;padding:.5rem;border:1px solid #e3e6eb}
figcaption{font-weight:600;margin-bottom:.3rem}
.chart{min-height:240px}
#backends td.reason{max-width:560px;white-space:normal;color:#4a5366}
#samples td{font-family:ui-monospace,monospace;font-size:12px;max-width:420px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.empty{background:#fff;padding:1rem;border:1px dashed #c5cad4}
.refusals{background:#fff4e5;border:1px solid #f0b45b;padding:.5rem 1rem .5rem 2rem;margin:.5rem 0}
`;
