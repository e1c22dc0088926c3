// The ML-monitoring tabs (served as-is at /assets/dashboard-ml.js, no build step): drift, slices, performance and
// alerts of the deployment the page was rendered for, from the monitor's JSON API. Histograms are inline SVG, series
// are uPlot charts. Everything from the API is written with textContent, never innerHTML.
(() => {
  const root = document.getElementById("ml");
  if (!root || root.dataset.tab === "compare") return; // drawn by dashboard-compare.js
  const deployment = root.dataset.deployment;
  const tab = root.dataset.tab;
  const palette = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2"];
  const SVG = "http://www.w3.org/2000/svg";
  let windows = 24;
  let chart;

  const num = (x, d = 3) => (x === null || x === undefined ? "—" : Math.abs(x) >= 1e-3 || x === 0 ? Number(x.toPrecision(d)).toString() : x.toExponential(1));
  const pct = (x) => (x === null || x === undefined ? "—" : `${(100 * x).toFixed(1)}%`);
  const time = (t, seconds) =>
    new Date(t).toLocaleString([], {
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hour12: false,
      ...(seconds ? { second: "2-digit" } : {}),
    });
  const { el, row, getJson } = window.edgeMlDashboard;
  const q = (extra = "") => `deployment=${encodeURIComponent(deployment)}&windows=${windows}${extra}`;

  function svgEl(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Grouped bars: the baseline's share of each bin next to the current share.
  function histogramSvg(h) {
    const share = (xs) => {
      const n = xs.reduce((a, b) => a + b, 0);
      return xs.map((x) => (n > 0 ? x / n : 0));
    };
    const b = share(h.baseline),
      c = share(h.current);
    const W = 380,
      H = 190,
      pad = 28,
      bottom = 52;
    const max = Math.max(0.01, ...b, ...c);
    const slot = (W - pad) / h.labels.length;
    const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", class: "histogram" });
    svg.appendChild(svgEl("line", { x1: pad, y1: H - bottom, x2: W, y2: H - bottom, stroke: "#9aa3b5" }));
    svg.appendChild(svgEl("text", { x: 0, y: 10, "font-size": 9, fill: "#4a5366" }, `${(100 * max).toFixed(0)}%`));
    h.labels.forEach((label, i) => {
      const x = pad + i * slot;
      const bar = (v, dx, fill, who) => {
        const height = ((H - bottom - 12) * v) / max;
        const r = svgEl("rect", { x: x + dx, y: H - bottom - height, width: slot * 0.4, height, fill, "data-series": who });
        r.appendChild(svgEl("title", {}, `${label}: ${who} ${(100 * v).toFixed(1)}%`));
        svg.appendChild(r);
      };
      bar(b[i], slot * 0.08, "#94a3b8", "baseline");
      bar(c[i], slot * 0.5, "#f97316", "current");
      // Slanted tick labels: bin ranges like "0.1384–0.1654" do not fit side by side.
      const tx = x + slot / 2,
        ty = H - bottom + 10;
      svg.appendChild(
        svgEl(
          "text",
          { x: tx, y: ty, "font-size": 9, "text-anchor": "end", fill: "#4a5366", transform: `rotate(-30 ${tx} ${ty})` },
          label.length > 14 ? `${label.slice(0, 13)}…` : label,
        ),
      );
    });
    return svg;
  }

  function featureCard(name, h, d) {
    const card = el("div", undefined, `card${d?.drifted ? " drifted" : ""}`);
    card.dataset.feature = name;
    card.appendChild(el("h4", `${name}${d?.drifted ? " — drifted" : ""}`));
    const legend = el("div", undefined, "legend dim");
    for (const [color, label] of [
      ["#94a3b8", "baseline (training)"],
      ["#f97316", "current"],
    ]) {
      const s = el("span");
      s.style.background = color;
      legend.append(s, label);
    }
    card.append(legend, histogramSvg(h));
    const dl = el("dl");
    const add = (k, v) => dl.append(el("dt", k), el("dd", v));
    if (d) {
      add("chosen", `${d.measure} = ${num(d.value)} (${d.type === "test" ? "drift if <" : "drift if ≥"} ${d.threshold})`);
      add("why", d.reason);
      add("PSI · JS", `${num(d.psi)} · ${num(d.jensenShannon)}`);
      if (d.kind === "numeric") add("Wasserstein", `${num(d.wasserstein)} (${num(d.wassersteinNormed)} std)`);
      else add("chi² p · L∞", `${num(d.chiSquare?.pValue)} · ${num(d.lInfinity)}`);
      add("missing", `${pct(d.missing.baseline)} → ${pct(d.missing.current)}${d.missing.flagged ? " (jump)" : ""}`);
      if (d.unseen && d.unseen.rows > 0) add("unseen", `${d.unseen.rows} rows: ${Object.keys(d.unseen.names).join(", ")}`);
    }
    card.appendChild(dl);
    return card;
  }

  async function drift() {
    const r = await getJson(`/v1/drift?${q("&histograms=1")}`);
    const t = r.thresholds;
    document.getElementById("ml-summary").textContent =
      `${r.model}@${r.version} · windows of ${r.stepMs / 1000}s · chi-square p < ${t.pValue} up to effective n ${t.smallSampleLimit}, else PSI ≥ ${t.psi} / Jensen-Shannon ≥ ${t.jensenShannon} · windows under ${t.minRows} rows not judged`;
    const names = [...Object.keys(r.histograms)];
    const shown = [...r.windows].reverse(); // newest first: what changed lately is what one opens the tab for
    const table = document.getElementById("drift-windows");
    table.tHead.replaceChildren(row(["feature", ...shown.map((w) => `${time(w.t, r.stepMs < 60_000)} (${w.rows})`)], "th"));
    table.tBodies[0].replaceChildren(
      ...names.map((name) => {
        const cells = shown.map((w) => {
          const d = name === "prediction" ? w.prediction : w.features[name];
          const judged = d?.judged;
          const td = el("td", !d ? "" : judged ? (d.drifted ? "drift" : "ok") : "·", !d ? "" : judged ? (d.drifted ? "drifted" : "stable") : "unjudged");
          if (d) td.title = `${d.measure} = ${num(d.value)} · ${d.reason}`;
          return td;
        });
        const tr = row([el("th", name), ...cells]);
        tr.dataset.feature = name;
        return tr;
      }),
    );
    const cards = document.getElementById("drift-features");
    cards.replaceChildren(...names.map((name) => featureCard(name, r.histograms[name], name === "prediction" ? r.total.prediction : r.total.features[name])));
  }

  function lineChart(id, xs, series, unit) {
    const box = document.getElementById(id);
    if (chart) chart.destroy();
    box.replaceChildren();
    if (xs.length === 0) return void (box.textContent = "no data in this range");
    const opts = {
      width: Math.max(320, box.clientWidth || 600),
      height: 220,
      scales: { x: { time: true } },
      axes: [{}, { size: 60 }],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: palette[i % palette.length],
          width: 2,
          dash: s.dash,
          value: (_u, v) => (v === null || v === undefined ? "—" : `${num(v)}${unit}`),
        })),
      ],
    };
    chart = new uPlot(opts, [xs.map((t) => t / 1000), ...series.map((s) => s.values)], box);
  }

  async function slices() {
    const [rate, s] = await Promise.all([getJson(`/v1/prediction-rate?${q()}`), getJson(`/v1/slices?${q()}`)]);
    const measure = rate.measure === "positive_rate" ? `positive rate (label "${rate.positiveLabel}")` : "mean prediction";
    document.getElementById("ml-summary").textContent =
      `${s.model}@${s.version} · ${s.rows.toLocaleString("en-US")} predictions in range · ${measure} ${num(s.overallRate)}`;
    lineChart(
      "chart-rate",
      rate.windows.map((w) => w.t),
      [
        { label: "rate", values: rate.windows.map((w) => w.overall.rate) },
        { label: `trailing ${rate.trailingMs / rate.stepMs} windows`, values: rate.windows.map((w) => w.overall.trailing), dash: [6, 3] },
      ],
      "",
    );
    const box = document.getElementById("slice-tables");
    box.replaceChildren(
      ...s.slices.map((sl) => {
        const table = el("table");
        table.dataset.slice = sl.key;
        table.appendChild(el("caption", sl.key));
        table.appendChild(row(["value", "rows", "share", "training share", measure, "drifted features (vs the training baseline)"], "th"));
        for (const v of sl.values) {
          const tr = row([v.value, v.rows.toLocaleString("en-US"), pct(v.share), pct(v.baselineShare), num(v.rate), v.drifted.join(", ") || "—"]);
          tr.dataset.value = v.value;
          table.appendChild(tr);
        }
        return table;
      }),
    );
  }

  async function performance() {
    const r = await getJson(`/v1/performance?${q()}`);
    const metrics =
      r.task === "regression" ? ["mae", "rmse"] : r.task === "multiclass" ? ["accuracy", "macro_f1"] : ["accuracy", "precision", "recall", "f1", "roc_auc"];
    document.getElementById("ml-summary").textContent =
      `${r.task} · ${r.total.overall.labeled} labeled rows in range${r.positiveLabel ? ` · positive label "${r.positiveLabel}"` : ""} · labels joined to sampled rows by request id`;
    const labeled = r.windows.filter((w) => w.overall.labeled > 0);
    lineChart(
      "chart-performance",
      labeled.map((w) => w.t),
      metrics.map((m) => ({ label: m, values: labeled.map((w) => w.overall.metrics[m] ?? null) })),
      "",
    );
    const table = document.getElementById("performance-table");
    table.tHead.replaceChildren(row(["slice", "labeled", ...metrics], "th"));
    const line = (name, cell) => {
      const tr = row([name, cell.labeled, ...metrics.map((m) => num(cell.metrics[m]))]);
      tr.dataset.subject = name;
      return tr;
    };
    const rows = [line("overall", r.total.overall)];
    for (const [key, values] of Object.entries(r.total.slices)) for (const [v, cell] of Object.entries(values)) rows.push(line(`${key}=${v}`, cell));
    table.tBodies[0].replaceChildren(...rows);
  }

  async function alerts() {
    const d = encodeURIComponent(deployment);
    const [events, rules, deliveries] = await Promise.all([
      getJson(`/v1/alerts?deployment=${d}&limit=200`),
      getJson(`/v1/alerts/rules?deployment=${d}`),
      getJson("/v1/alerts/deliveries?limit=100"),
    ]);
    const ruleIds = new Set(rules.rules.map((r) => r.id));
    document.querySelector("#alert-events tbody").replaceChildren(
      ...events.events.map((e) => {
        const tr = row([
          el("td"),
          time(e.openedAt, true),
          e.resolvedAt ? time(e.resolvedAt, true) : "—",
          e.ruleId,
          e.subject,
          e.version ? `${e.model}@${e.version}` : e.model,
          e.message,
        ]);
        tr.firstChild.appendChild(el("span", e.state, `badge ${e.state}`));
        tr.dataset.state = e.state;
        tr.dataset.subject = e.subject;
        return tr;
      }),
    );
    document
      .querySelector("#alert-rules tbody")
      .replaceChildren(...rules.rules.map((r) => row([r.id, r.kind, JSON.stringify(r.params), r.webhook || "—", r.enabled ? "yes" : "no"])));
    document
      .querySelector("#alert-deliveries tbody")
      .replaceChildren(
        ...deliveries.deliveries.filter((x) => ruleIds.has(x.ruleId)).map((x) => row([x.eventId, x.type, x.url, x.status, x.attempts, x.lastError || "—"])),
      );
    document.getElementById("ml-status").dataset.open = String(events.events.filter((e) => e.state === "open").length);
  }

  const loaders = { drift, slices, performance, alerts };
  async function load() {
    const status = document.getElementById("ml-status");
    try {
      await loaders[tab]();
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
      for (const b of document.querySelectorAll("#ml-ranges button")) b.classList.toggle("active", b === button);
      void load();
    });
  }
  if (tab === "alerts") document.getElementById("ml-ranges").hidden = true;
  void load();
  setInterval(load, 15_000);
})();
