/**
 * The ML-monitoring tabs of the dashboard: drift (baseline vs current histograms per feature, per-window verdicts),
 * slices (traffic share, prediction rate, drift per slice value), performance (label-joined metrics per window and
 * slice), alerts (open and past events, rules, webhook deliveries) and compare (champion vs challenger, issue 14). The
 * page holds empty containers; `/assets/dashboard-ml.js` (compare: `/assets/dashboard-compare.js`) fills them from the
 * JSON API, so every number on screen is one the API returns.
 *
 * @example
 * ```ts
 * html += renderTabs("prod", "drift") + renderMlTab("prod", "drift");
 * ```
 */

export const ML_TABS = [
  { id: "overview", title: "Overview" },
  { id: "drift", title: "Drift" },
  { id: "slices", title: "Slices" },
  { id: "performance", title: "Performance" },
  { id: "alerts", title: "Alerts" },
  { id: "compare", title: "Compare" },
] as const;
export type TabId = (typeof ML_TABS)[number]["id"];

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function renderTabs(deployment: string, active: TabId): string {
  const links = ML_TABS.map((t) => {
    const href = `/?deployment=${encodeURIComponent(deployment)}${t.id === "overview" ? "" : `&amp;tab=${t.id}`}`;
    return `<a href="${href}" data-tab="${t.id}"${t.id === active ? ' class="active" aria-current="page"' : ""}>${t.title}</a>`;
  });
  return `<nav id="tabs">${links.join("")}</nav>`;
}

const BODIES: Record<Exclude<TabId, "overview">, string> = {
  drift: `<p class="dim" id="ml-summary"></p>
    <h3>Verdict per window</h3><div class="scroll"><table id="drift-windows"><thead></thead><tbody></tbody></table></div>
    <h3>Baseline vs current, over the range</h3><div id="drift-features" class="cards"></div>`,
  slices: `<p class="dim" id="ml-summary"></p>
    <figure><figcaption>Prediction rate per window vs its trailing average</figcaption><div id="chart-rate" class="chart"></div></figure>
    <div id="slice-tables"></div>`,
  performance: `<p class="dim" id="ml-summary"></p>
    <figure><figcaption>Label-joined metrics per window</figcaption><div id="chart-performance" class="chart"></div></figure>
    <h3>Over the range, overall and per slice</h3><table id="performance-table"><thead></thead><tbody></tbody></table>`,
  alerts: `<h3>Events</h3><table id="alert-events"><thead><tr><th>state</th><th>opened</th><th>resolved</th><th>rule</th><th>subject</th><th>version</th><th>message</th></tr></thead><tbody></tbody></table>
    <h3>Rules</h3><table id="alert-rules"><thead><tr><th>id</th><th>kind</th><th>params</th><th>webhook</th><th>enabled</th></tr></thead><tbody></tbody></table>
    <h3>Webhook deliveries</h3><table id="alert-deliveries"><thead><tr><th>event</th><th>type</th><th>url</th><th>status</th><th class="num">attempts</th><th>last error</th></tr></thead><tbody></tbody></table>`,
  compare: `<p class="dim" id="ml-summary"></p>
    <h3>Per arm, over the range</h3><table id="compare-arms"><thead></thead><tbody></tbody></table>
    <h3>Challenger − champion (always-valid test)</h3><table id="compare-verdicts"><thead><tr><th>metric</th><th class="num">difference</th><th>interval</th><th class="num">p-value</th><th>verdict</th></tr></thead><tbody></tbody></table>
    <figure><figcaption>Requests per window (the challenger's shadow runs in shadow mode)</figcaption><div id="chart-compare" class="chart"></div></figure>
    <p id="compare-drift"></p>
    <h3>Predicted distribution</h3><table id="compare-predictions"><thead></thead><tbody></tbody></table>`,
};

export function renderMlTab(deployment: string, tab: Exclude<TabId, "overview">): string {
  return `
  <section id="ml" data-deployment="${esc(deployment)}" data-tab="${tab}">
    <div class="bar"><h2>${esc(deployment)}</h2>
      <nav id="ml-ranges">${[
        ["24 windows", 24],
        ["72", 72],
        ["168", 168],
      ]
        .map(([label, n]) => `<button type="button" data-windows="${n}"${n === 24 ? ' class="active"' : ""}>${label}</button>`)
        .join("")}</nav>
      <span id="ml-status" class="dim">loading…</span></div>
    ${BODIES[tab]}
  </section>`;
}

export const ML_CSS = `
#tabs{display:flex;gap:.2rem;margin:1rem 0 .5rem;border-bottom:2px solid #1d2330}
#tabs a{padding:.35rem .9rem;text-decoration:none;color:#1d2330;background:#e3e6eb;border-radius:4px 4px 0 0}
#tabs a.active{background:#1d2330;color:#fff}
.scroll{overflow-x:auto}
td.drifted{background:#fde2e2;color:#991b1b;font-weight:600}
td.stable{background:#e3f6ea;color:#166534}
td.unjudged{color:#7a8396}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:1rem}
.card{background:#fff;border:1px solid #e3e6eb;padding:.6rem}
.card h4{margin:0 0 .3rem}
.card.drifted{border-color:#dc2626}
.card dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem .8rem;font-size:12px;margin:.4rem 0 0}
.card dt{color:#4a5366}
.legend span{display:inline-block;width:10px;height:10px;margin:0 .3rem 0 .8rem}
span.badge{padding:.05rem .4rem;border-radius:3px;font-size:12px}
span.badge.open{background:#dc2626;color:#fff}
span.badge.resolved{background:#e3e6eb}
#alert-rules td:nth-child(3){font-family:ui-monospace,monospace;font-size:12px}
`;
