// The dashboard's Compare tab (served as-is at /assets/dashboard-compare.js, no build step): champion vs challenger
// of the deployment's model from GET /v1/compare: per arm its requests (shadow runs apart), errors with intervals,
// latency quantiles, predicted distribution and label metrics; agreement and drift between the arms; a verdict per
// metric from the always-valid test. Everything from the API is written with textContent, never innerHTML.
(() => {
  const root = document.getElementById("ml");
  if (root?.dataset.tab !== "compare") return;
  const deployment = root.dataset.deployment;
  const palette = ["#2563eb", "#dc2626"];
  let windows = 24;
  let chart;

  const num = (x, d = 3) => (x === null || x === undefined ? "—" : Math.abs(x) >= 1e-3 || x === 0 ? Number(x.toPrecision(d)).toString() : x.toExponential(1));
  const pct = (x) => (x === null || x === undefined ? "—" : `${(100 * x).toFixed(1)}%`);
  const interval = (i) => (i ? `${pct(i.low)} – ${pct(i.high)}` : "—");
  const { el, row, getJson } = window.edgeMlDashboard;

  /** The deployment's model with the most requests: the one whose arms are compared. */
  async function modelOf() {
    const { deployments } = await getJson("/v1/deployments");
    const d = (deployments || []).find((x) => x.name === deployment);
    const versions = d?.versions ?? [];
    const best = versions.slice().sort((a, b) => b.requests - a.requests)[0];
    if (!best) throw new Error("no traffic from this deployment yet");
    return best.model;
  }

  function chartOf(r) {
    const box = document.getElementById("chart-compare");
    if (chart) chart.destroy();
    box.replaceChildren();
    const ts = [...new Set(r.arms.flatMap((a) => a.windows.map((w) => w.t)))].sort((a, b) => a - b);
    if (ts.length === 0) return void (box.textContent = "no data in this range");
    const values = (a) => ts.map((t) => a.windows.find((w) => w.t === t)?.requests ?? null);
    const series = r.arms.map((a, i) => ({
      label: `${a.arm} ${a.version}${a.shadowRuns > 0 ? " (shadow runs)" : ""}`,
      stroke: palette[i],
      width: 2,
      value: (_u, v) => (v === null || v === undefined ? "—" : String(v)),
    }));
    const opts = {
      width: Math.max(320, box.clientWidth || 600),
      height: 220,
      scales: { x: { time: true } },
      axes: [{}, { size: 60 }],
      series: [{}, ...series],
    };
    chart = new uPlot(opts, [ts.map((t) => t / 1000), ...r.arms.map(values)], box);
  }

  async function load() {
    const status = document.getElementById("ml-status");
    try {
      const model = await modelOf();
      const r = await getJson(`/v1/compare?deployment=${encodeURIComponent(deployment)}&model=${encodeURIComponent(model)}&windows=${windows}`);
      const [a, b] = r.arms;
      const ag = r.agreement;
      document.getElementById("ml-summary").textContent =
        `${r.model}: champion ${a.version} vs challenger ${b.version} (${r.mode || "mode unknown"}) · agreement ${pct(ag.rate)} on ${ag.pairs} shadowed pairs (${interval(ag.interval)}) · ${r.method}`;
      const arms = document.getElementById("compare-arms");
      arms.tHead.replaceChildren(
        row(
          ["arm", "version", "client requests", "shadow runs", "errors", "error rate", "95% interval", "p50 ms", "p90 ms", "p99 ms", "labeled", "accuracy"],
          "th",
        ),
      );
      arms.tBodies[0].replaceChildren(
        ...r.arms.map((x) => {
          const tr = row([
            x.arm,
            x.version,
            x.requests,
            x.shadowRuns,
            x.errors,
            pct(x.errorRate),
            interval(x.errorRateInterval),
            num(x.latency.p50),
            num(x.latency.p90),
            num(x.latency.p99),
            x.labels ? x.labels.labeled : "—",
            x.labels ? num(x.labels.metrics.accuracy ?? null) : "—",
          ]);
          tr.dataset.arm = x.arm;
          return tr;
        }),
      );
      const verdicts = document.getElementById("compare-verdicts");
      verdicts.tBodies[0].replaceChildren(
        ...Object.entries(r.verdicts).map(([metric, v]) => {
          const cell = el("td", v.verdict.replace("_", " "), v.verdict === "worse" ? "drifted" : v.verdict === "better" ? "stable" : "unjudged");
          const tr = row([metric, num(v.estimate), v.interval ? `${num(v.interval.low)} – ${num(v.interval.high)}` : "—", num(v.pValue), cell]);
          tr.dataset.metric = metric;
          return tr;
        }),
      );
      const drift = r.drift.of
        ? `${r.drift.of}: ${r.drift.drift.chosen.measure} = ${num(r.drift.drift.chosen.value)}${r.drift.drift.chosen.drifted ? " (drifted)" : ""}`
        : r.drift.reason;
      document.getElementById("compare-drift").textContent = `Drift between the arms' predictions: ${drift}`;
      const preds = document.getElementById("compare-predictions");
      const labels = [...new Set(r.arms.flatMap((x) => (x.prediction ? x.prediction.labels : [])))];
      const share = (x, l) => {
        if (!x.prediction) return "—";
        const n = x.prediction.counts.reduce((s, c) => s + c, 0);
        const i = x.prediction.labels.indexOf(l);
        return i < 0 || n === 0 ? "—" : pct(x.prediction.counts[i] / n);
      };
      preds.tHead.replaceChildren(row(["prediction", ...r.arms.map((x) => `${x.arm} ${x.version}`)], "th"));
      preds.tBodies[0].replaceChildren(...labels.map((l) => row([l, ...r.arms.map((x) => share(x, l))])));
      chartOf(r);
      status.textContent = `updated ${new Date().toLocaleTimeString()}`;
      root.dataset.loaded = String(Date.now());
    } catch (error) {
      status.textContent = `could not load: ${error.message}`;
      root.dataset.error = error.message;
    }
  }
  for (const button of document.querySelectorAll("#ml-ranges button")) {
    button.addEventListener("click", () => {
      windows = Number(button.dataset.windows);
      for (const x of document.querySelectorAll("#ml-ranges button")) x.classList.toggle("active", x === button);
      void load();
    });
  }
  void load();
  setInterval(load, 15_000);
})();
