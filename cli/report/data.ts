/**
 * The HTML report of `data validate --report`: verdict, anomalies with example lines (each linked to its bad rows), the
 * bad rows per anomaly (bad-rows.ts), and per feature the drift
 * measure with baseline-vs-new histograms (inline SVG). Self-contained; opens offline.
 *
 * @example
 * ```ts
 * writeFileSync("report.html", renderDataReport(await validateData({ csv, against: "titanic@1.0.0" })));
 * ```
 */
import type { Anomaly } from "../data-validate/anomaly.ts";
import { derivedNote } from "../data-validate/drift.ts";
import type { DataValidation } from "../data-validate/validate.ts";
import { badRowsSection } from "./bad-rows.ts";
import { histogramShares } from "./bins.ts";
import { badge, esc, num, pct, renderPage, section, table } from "./html.ts";
import { barsSvg, COLORS } from "./svg.ts";

function anomaliesSection(v: DataValidation, anchors: ReadonlyMap<Anomaly, string>): string {
  const { anomalies } = v.result;
  if (anomalies.length === 0) return section("Anomalies", `<p class="pass">No anomalies: every column and row fits the schema.</p>`);
  const rows = anomalies.map((a) => [
    `<span class="${a.severity === "error" ? "fail" : "skip"}">${a.severity}</span>`,
    esc(a.column ?? "(row)"),
    `<span class="mono">${esc(a.kind)}</span>`,
    anchors.has(a) ? `<a href="#${anchors.get(a)}">${a.count}</a>` : String(a.count),
    esc(a.lines.join(", ")),
    esc(a.message),
  ]);
  return section(
    "Anomalies",
    table(["severity", "column", "kind", "count", "example lines", "detail"], rows, {
      numeric: [3],
      classes: anomalies.map((a) => (a.severity === "error" ? "fail" : "warn")),
    }),
  );
}

function driftSection(v: DataValidation): string {
  const { drift } = v.result;
  const baseline = v.target.baseline;
  if (drift === null || baseline === undefined || v.profile === undefined) {
    return section(
      "Drift",
      `<p class="dim">No training baseline to compare with (validate against a model registered with <code>models add --data</code> for drift).</p>`,
    );
  }
  const named = (d: (typeof drift)[number]) => {
    const note = derivedNote(d);
    return note === "" ? esc(d.feature) : `${esc(d.feature)} <span class="dim">(${esc(note)})</span>`;
  };
  const rows = drift.map((d) => [
    named(d),
    `<span class="mono">${esc(d.measure)}</span>`,
    d.value === null ? "–" : num(d.value),
    `${d.type === "test" ? "p &lt; " : "≥ "}${num(d.threshold)}`,
    d.drifted ? `<span class="fail">drifted</span>` : `<span class="pass">no</span>`,
    `${pct(d.missingRate.baseline)} → ${pct(d.missingRate.current)}`,
    esc(d.reason),
  ]);
  const cards = drift.map((d) => {
    const b = baseline.features[d.feature];
    const c = v.profile?.features[d.feature];
    const h = b && c ? histogramShares(b, c) : undefined;
    if (h === undefined) return "";
    const chart = barsSvg(h.labels, [
      { name: `training (${baseline.rows} rows)`, color: COLORS.a, values: h.baseline },
      { name: `${v.result.file} (${v.result.rows} rows)`, color: COLORS.b, values: h.current },
    ]);
    return `<div class="card"><h3>${named(d)} ${d.drifted ? `<span class="fail">· drifted</span>` : ""}</h3><div class="dim">${esc(d.measure)} = ${d.value === null ? "–" : num(d.value)}</div>${chart}</div>`;
  });
  return section(
    "Drift against the training baseline",
    `<p class="dim">Baseline: ${esc(baseline.createdFrom.file)} (${baseline.rows} rows). The measure is chosen by sample size: a chi-square test for small samples, PSI (numeric) or Jensen-Shannon (categorical) distances for large ones.</p>`,
    table(["feature", "measure", "value", "drifts when", "drifted", "missing", "why this measure"], rows, { numeric: [2] }),
    `<div class="grid">${cards.join("")}</div>`,
  );
}

export function renderDataReport(v: DataValidation): string {
  const r = v.result;
  const status = badge(r.ok, "no anomalies", `${r.errors} error${r.errors === 1 ? "" : "s"}`);
  const subtitle = `${status} &nbsp; ${esc(r.file)} · ${r.rows} rows · ${r.columns.length} columns · against ${esc(r.against.kind)} <b>${esc(r.against.name)}</b> · sha256 <span class="mono">${esc(r.sha256)}</span>`;
  const limits = Object.entries(r.limits.nullRate)
    .map(([k, x]) => `${esc(k)} ≤ ${pct(x)}`)
    .join(", ");
  const settings = `<p class="dim">Limits: null rate ${limits || "not limited"}; at most ${r.limits.maxDistinct} distinct values per text column. ${r.warnings} warning${r.warnings === 1 ? "" : "s"} (warnings do not fail validation).</p>`;
  const rows = badRowsSection(r);
  return renderPage(`Data validation: ${r.file}`, subtitle, [anomaliesSection(v, rows.anchors), rows.html, settings, driftSection(v)]);
}
