// The dashboard's browser script (served as-is at /assets/dashboard.js, no build step): reads the monitor's JSON
// API for the deployment the page was rendered for, and draws traffic, error rate and latency per model version
// with uPlot (served from node_modules by the monitor: no CDN), each version's backends (requests per device, their
// share, the last reason a client gave) and its feature lookups per view (only for deployments whose models look
// features up). Refreshes every 10 s.
// Everything from the API is written with textContent, never innerHTML: sample features are user data.
(() => {
  const root = document.getElementById("detail");
  if (!root || typeof uPlot === "undefined") return;
  const deployment = root.dataset.deployment;
  const palette = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"];
  const charts = {};
  let range = 3600e3;

  const fmt = (n, digits) => (n === null || n === undefined ? "—" : digits === undefined ? n.toLocaleString("en-US") : n.toFixed(digits));
  const cell = (tr, text, cls) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  };

  const { getJson } = window.edgeMlDashboard;

  function renderVersions(metrics) {
    const body = document.querySelector("#versions tbody");
    body.replaceChildren();
    for (const s of metrics.series) {
      const tr = document.createElement("tr");
      tr.dataset.version = `${s.model}@${s.version}`;
      cell(tr, `${s.model}@${s.version}`);
      cell(tr, fmt(s.totals.requests), "num").dataset.field = "requests";
      cell(tr, fmt(s.totals.errors), "num");
      cell(tr, s.totals.errorRate === null ? "—" : `${(100 * s.totals.errorRate).toFixed(2)}%`, "num");
      cell(tr, fmt(s.totals.p50, 2), "num");
      cell(tr, fmt(s.totals.p95, 2), "num");
      cell(tr, fmt(s.totals.p99, 2), "num");
      body.appendChild(tr);
    }
  }

  // What ran each version: e.g. 30 % of a page model's clients on WASM because WebGPU disagreed on the probe.
  function renderBackends(metrics) {
    const body = document.querySelector("#backends tbody");
    body.replaceChildren();
    for (const s of metrics.series) {
      for (const b of s.backends ?? []) {
        const tr = document.createElement("tr");
        tr.dataset.version = `${s.model}@${s.version}`;
        tr.dataset.device = b.device;
        cell(tr, `${s.model}@${s.version}`);
        cell(tr, b.device);
        cell(tr, fmt(b.requests), "num").dataset.field = "requests";
        cell(tr, b.share === null ? "—" : `${(100 * b.share).toFixed(1)}%`, "num").dataset.field = "share";
        cell(tr, b.engine ?? "—");
        cell(tr, b.reason ?? "—", "reason");
        body.appendChild(tr);
      }
    }
    if (body.childElementCount === 0) {
      const tr = document.createElement("tr");
      cell(tr, "no client named its backend in this range", "dim").colSpan = 6;
      body.appendChild(tr);
    }
  }

  // A value's age for people: 45 s, 12 min, 5.5 h, 3.2 d.
  const age = (ms) => {
    if (ms === null || ms === undefined) return "—";
    if (ms < 90e3) return `${Math.round(ms / 1000)} s`;
    if (ms < 90 * 60e3) return `${Math.round(ms / 60e3)} min`;
    if (ms < 36 * 3600e3) return `${(ms / 3600e3).toFixed(1)} h`;
    return `${(ms / 86400e3).toFixed(1)} d`;
  };

  // Feature lookups per version and view (issue 16); the section stays hidden when nothing was looked up.
  function renderLookups(metrics) {
    const body = document.querySelector("#lookups-table tbody");
    body.replaceChildren();
    for (const s of metrics.series) {
      for (const l of s.lookups ?? []) {
        const tr = document.createElement("tr");
        tr.dataset.version = `${s.model}@${s.version}`;
        tr.dataset.view = l.view;
        cell(tr, `${s.model}@${s.version}`);
        cell(tr, l.view);
        cell(tr, fmt(l.requests), "num").dataset.field = "requests";
        cell(tr, l.missRate === null ? "—" : `${(100 * l.missRate).toFixed(1)}%`, "num").dataset.field = "miss-rate";
        cell(tr, fmt(l.expired), "num").dataset.field = "expired";
        cell(tr, fmt(l.latency.p95, 2), "num").dataset.field = "p95";
        cell(tr, age(l.age.p50), "num").dataset.field = "age-p50";
        cell(tr, age(l.age.max), "num").dataset.field = "age-max";
        body.appendChild(tr);
      }
    }
    document.getElementById("lookups").hidden = body.childElementCount === 0;
  }

  function draw(id, metrics, pick, unit) {
    const el = document.getElementById(id);
    charts[id]?.destroy();
    el.replaceChildren();
    const xs = metrics.windows.map((t) => t / 1000);
    const data = [xs];
    const series = [{}];
    metrics.series.forEach((s, i) => {
      for (const [label, get, dash] of pick) {
        data.push(s.points.map(get));
        series.push({
          label: `${s.model}@${s.version}${label}`,
          stroke: palette[i % palette.length],
          width: 2,
          dash,
          spanGaps: false,
          value: (_u, v) => (v === null || v === undefined ? "—" : `${v.toFixed(2)}${unit}`),
        });
      }
    });
    if (metrics.series.length === 0) {
      el.textContent = "no traffic in this range";
      return;
    }
    const width = Math.max(320, el.clientWidth || 480);
    charts[id] = new uPlot({ width, height: 220, series, scales: { x: { time: true } }, axes: [{}, { size: 60 }] }, data, el);
  }

  function renderSamples(samples) {
    const body = document.querySelector("#samples tbody");
    body.replaceChildren();
    for (const s of samples) {
      const tr = document.createElement("tr");
      if (s.error) tr.className = "error";
      cell(tr, new Date(s.ts).toLocaleTimeString());
      cell(tr, `${s.model}@${s.version}`);
      cell(tr, s.index === null ? s.requestId : `${s.requestId}#${s.index}`);
      cell(tr, `${s.status}${s.error ? ` ${s.error}` : ""}`, "num");
      cell(tr, fmt(s.latencyMs, 2), "num");
      cell(tr, s.features ? JSON.stringify(s.features) : "—").title = s.features ? JSON.stringify(s.features, null, 1) : "";
      cell(tr, s.prediction === null ? "—" : JSON.stringify(s.prediction));
      body.appendChild(tr);
    }
  }

  async function load() {
    const status = document.getElementById("status");
    try {
      const to = Date.now();
      const q = `deployment=${encodeURIComponent(deployment)}`;
      const [metrics, samples] = await Promise.all([getJson(`/v1/metrics?${q}&from=${to - range}&to=${to}`), getJson(`/v1/samples?${q}&limit=50`)]);
      renderVersions(metrics);
      renderBackends(metrics);
      renderLookups(metrics);
      const perWindow = `/${Math.round(metrics.stepMs / 60000)}min`;
      draw("chart-traffic", metrics, [["", (p) => p.requests, undefined]], ` req${perWindow}`);
      draw("chart-errors", metrics, [["", (p) => (p.errorRate === null ? null : 100 * p.errorRate), undefined]], "%");
      draw(
        "chart-latency",
        metrics,
        [
          [" p50", (p) => p.p50, undefined],
          [" p95", (p) => p.p95, [6, 3]],
          [" p99", (p) => p.p99, [2, 3]],
        ],
        " ms",
      );
      renderSamples(samples.samples);
      status.textContent = `updated ${new Date().toLocaleTimeString()} · window ${Math.round(metrics.stepMs / 60000)} min`;
      root.dataset.loaded = String(Date.now());
    } catch (error) {
      status.textContent = `could not load: ${error.message}`;
    }
  }

  for (const button of document.querySelectorAll("#ranges button")) {
    button.addEventListener("click", () => {
      range = Number(button.dataset.range);
      for (const b of document.querySelectorAll("#ranges button")) b.classList.toggle("active", b === button);
      void load();
    });
  }
  void load();
  setInterval(load, 10_000);
})();
