/**
 * The HTML report of `edge-ml validate --report`: verdict, every check, metrics with 95% intervals (and the
 * champion's on the same rows), per-slice charts with interval whiskers and gate thresholds, the ROC curve of binary
 * models, and the data-validation summary. Self-contained (inline CSS and SVG); opens offline.
 *
 * @example
 * ```ts
 * writeFileSync("validation.html", renderModelReport(await validateModel({ root, ref: "titanic@1.0.0", data })));
 * ```
 */
import type { Check, MetricSet } from "../../core/validation/result.ts";
import { isSamplesValidation, type SamplesValidation } from "../model-validate/samples.ts";
import type { ModelValidation } from "../model-validate/validate.ts";
import { badge, esc, num, renderPage, section, table } from "./html.ts";
import { intervalsSvg, rocSvg } from "./svg.ts";

const interval = (m: MetricSet[string] | undefined) => (m?.ci ? `[${num(m.ci[0])}, ${num(m.ci[1])}]` : "–");

function checksSection(checks: readonly Check[]): string {
  const rows = checks.map((c) => [
    c.skipped !== undefined ? `<span class="skip">skipped</span>` : c.pass ? `<span class="pass">pass</span>` : `<span class="fail">fail</span>`,
    esc(c.kind),
    esc(c.metric ?? "–"),
    esc(c.slice ? `${c.slice.feature}=${c.slice.value}` : (c.output ?? "overall")),
    String(c.rows),
    num(c.value),
    c.threshold === null ? "–" : `${esc(c.op ?? "")} ${num(c.threshold)}`,
    esc(c.message),
  ]);
  return section(
    "Checks",
    table(["result", "kind", "metric", "scope", "rows", "value", "needs", "detail"], rows, {
      numeric: [4, 5, 6],
      classes: checks.map((c) => (c.pass ? "" : "fail")),
    }),
  );
}

function metricsSection(v: ModelValidation): string {
  const r = v.result;
  const names = Object.keys(r.metrics);
  const champ = r.compareTo;
  const head = ["metric", "value", "95% interval", ...(champ ? [`champion ${champ.version}`, "champion interval"] : [])];
  const rows = names.map((n) => [
    esc(n),
    num(r.metrics[n]?.value),
    interval(r.metrics[n]),
    ...(champ ? [num(champ.metrics[n]?.value), interval(champ.metrics[n])] : []),
  ]);
  const thresholds = new Map<string, number>();
  for (const c of r.checks)
    if (c.kind === "absolute" && c.metric !== null && c.threshold !== null && !thresholds.has(c.metric)) thresholds.set(c.metric, c.threshold);
  const charts = names.map((n) => {
    const scopes = [
      { label: `overall (${r.data.evaluated})`, m: r.metrics[n], o: champ?.metrics[n] },
      ...r.slices.map((s) => ({
        label: `${s.feature}=${s.value} (${s.rows})`,
        m: s.metrics[n],
        o: champ?.slices.find((x) => x.feature === s.feature && x.value === s.value)?.metrics[n],
      })),
    ];
    const svg = intervalsSvg(
      scopes.map((s) => ({
        label: s.label,
        value: s.m?.value ?? null,
        ci: s.m?.ci ?? null,
        ...(champ ? { other: { value: s.o?.value ?? null, ci: s.o?.ci ?? null } } : {}),
      })),
      { threshold: thresholds.get(n), names: [`${v.name}@${v.version}`, `champion ${champ?.version ?? ""}`] },
    );
    return `<div class="card"><h3>${esc(n)}</h3>${svg}</div>`;
  });
  return section(
    "Metrics",
    table(head, rows, { numeric: [1, 3] }),
    `<p class="dim">Intervals: ${esc(r.bootstrap.method)} bootstrap, ${r.bootstrap.resamples} resamples (seed ${r.bootstrap.seed}), ${Math.round(r.bootstrap.confidence * 100)}%. Dashed red line: the absolute gate's threshold.</p>`,
    `<div class="grid wide">${charts.join("")}</div>`,
  );
}

function slicesSection(v: ModelValidation): string {
  const r = v.result;
  if (r.slices.length === 0) return "";
  const names = Object.keys(r.metrics);
  const rows = r.slices.map((s) => [
    esc(`${s.feature}=${s.value}`),
    String(s.rows),
    ...names.map((n) => `${num(s.metrics[n]?.value)} <span class="dim">${interval(s.metrics[n])}</span>`),
  ]);
  return section("Slices", table(["slice", "rows", ...names], rows, { numeric: [1] }));
}

function dataSection(v: ModelValidation): string {
  const d = v.result.dataValidation;
  if (v.anomalies.length === 0) return section("Evaluation data", `<p class="pass">No anomalies in ${esc(v.result.data.file)}.</p>`);
  const rows = v.anomalies.map((a) => [
    esc(a.severity),
    esc(a.column ?? "(row)"),
    `<span class="mono">${esc(a.kind)}</span>`,
    String(a.count),
    esc(a.lines.join(", ")),
    esc(a.message),
  ]);
  return section(
    "Evaluation data",
    `<p>${d.errors} error(s), ${d.warnings} warning(s); rows with errors were not evaluated.</p>`,
    table(["severity", "column", "kind", "count", "lines", "detail"], rows, {
      numeric: [3],
      classes: v.anomalies.map((a) => (a.severity === "error" ? "fail" : "warn")),
    }),
  );
}

function renderSamplesReport(v: SamplesValidation): string {
  const r = v.result;
  const s = r.samples;
  const subtitle = [
    badge(r.blessed, "blessed", "not blessed"),
    `&nbsp; ${esc(r.task)} · ${s.lines} lines of ${esc(s.file)} (${s.withOutputs} with expected outputs, the rest against onnxruntime-node) · runtime ${esc(r.runtime)} · ${esc(r.date)}`,
    v.variant !== undefined ? ` · variant <b>${esc(v.variant)}</b>` : "",
    `<br><span class="mono">artifact ${esc(r.artifactSha256)} · samples ${esc(s.sha256)}</span>`,
  ].join("");
  const rows = r.outputs.map((o) => [
    esc(o.name),
    String(o.lines),
    String(o.values),
    num(o.maxAbsError),
    num(o.maxRelError),
    num(o.minCosine, 8),
    num(o.argmaxAgreement),
  ]);
  const outputs = section(
    "Outputs",
    table(["output", "lines", "values", "max abs error", "max rel error", "lowest cosine", "argmax agreement"], rows, { numeric: [1, 2, 3, 4, 5, 6] }),
    `<p class="dim">Relative error: |served - reference| / max(|reference|, 1e-3). Cosine: each line's output vector against the reference's.</p>`,
    r.labels
      ? `<p>Labels (${esc(r.labels.output)}, ${r.labels.rows} rows): ${r.labels.accuracy !== null ? `accuracy ${num(r.labels.accuracy)}` : `MAE ${num(r.labels.mae)}`}</p>`
      : "",
  );
  return renderPage(`Model validation: ${v.name}@${v.version}`, subtitle, [checksSection(r.checks), outputs]);
}

export function renderModelReport(v: ModelValidation | SamplesValidation): string {
  return isSamplesValidation(v) ? renderSamplesReport(v) : renderTabularReport(v);
}

function renderTabularReport(v: ModelValidation): string {
  const r = v.result;
  const subtitle = [
    badge(r.blessed, "blessed", "not blessed"),
    `&nbsp; ${esc(r.task)} · ${r.data.evaluated} of ${r.data.rows} rows of ${esc(r.data.file)} (label <b>${esc(r.data.label)}</b>) · runtime ${esc(r.runtime)} · ${esc(r.date)}`,
    r.compareTo ? ` · compared with ${esc(r.compareTo.alias)} ${esc(r.compareTo.version)}` : " · no champion to compare with",
    `<br><span class="mono">artifact ${esc(r.artifactSha256)} · data ${esc(r.data.sha256)}</span>`,
  ].join("");
  const roc = v.roc && r.metrics["roc_auc"] ? section("ROC curve", rocSvg(v.roc, `AUC ${num(r.metrics["roc_auc"].value)}`)) : "";
  return renderPage(`Model validation: ${v.name}@${v.version}`, subtitle, [checksSection(r.checks), metricsSection(v), slicesSection(v), roc, dataSection(v)]);
}
