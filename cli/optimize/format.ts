/**
 * The human report of `edge-ml optimize`: one row per candidate (size, accuracy against fp32, latency on the target,
 * verdict), then what was kept and how to use it.
 *
 * @example
 * ```ts
 * console.log(formatOptimize(result, "models/convnet/1.0.0/manifest.json"));
 * ```
 */
import { colors, formatBytes, stripAnsi } from "../terminal/output.ts";
import type { OptimizeResult } from "./optimize.ts";

const pct = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? "–" : `${(x * 100).toFixed(2)}%`);

export function formatOptimize(r: OptimizeResult, manifestFile: string): string {
  const c = colors(process.stdout);
  const lines: string[] = [];
  const ref = `${r.model.name}@${r.model.version}`;
  lines.push(
    `${ref}: fp32 ${formatBytes(r.fp32.bytes)}${r.fp32.latencyUs !== null ? `, ${r.fp32.latencyUs.toFixed(0)} µs per run` : ""}; compared on ${r.comparedOn.file} (${r.comparedOn.rows} ${r.comparedOn.kind === "data" ? "rows" : "samples"})`,
  );
  if (r.latencyRuntime) lines.push(c.dim(`latency: ${r.latencyRuntime}, interleaved blocks, ratio to fp32 with 95% CI`));
  lines.push("");
  const head = ["candidate", "size", "of fp32", "argmax agree", "max |err|", "metric loss", "latency", "95% CI", "verdict"];
  const rows = r.candidates.map((k) => {
    const argmax = k.agreement.map((a) => a.argmaxAgreement).filter((x): x is number => x !== null);
    const maxErr = k.agreement.reduce((a, x) => Math.max(a, x.maxAbsError ?? Number.POSITIVE_INFINITY), 0);
    const failed = k.gates.filter((g) => !g.pass).map((g) => g.kind);
    const verdict = k.error ? c.red("error") : k.pass ? c.green("pass") : c.red(`fail: ${failed.join(", ") || "not measured"}`);
    return [
      k.recipe,
      k.bytes > 0 ? formatBytes(k.bytes) : "–",
      k.bytes > 0 ? `${(k.sizeRatio * 100).toFixed(1)}%` : "–",
      argmax.length > 0 ? pct(Math.min(...argmax)) : "–",
      k.agreement.length > 0 ? maxErr.toPrecision(3) : "–",
      k.metric ? `${pct(k.metric.loss)} (${k.metric.name})` : "–",
      k.latency ? `${k.latency.ratio.toFixed(2)}x` : "–",
      k.latency ? `${k.latency.ci95[0].toFixed(2)}–${k.latency.ci95[1].toFixed(2)}` : "–",
      verdict,
    ];
  });
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => stripWidth(row[i] ?? ""))));
  const fmt = (row: string[]) => row.map((cell, i) => cell + " ".repeat(Math.max(0, (width[i] ?? 0) - stripWidth(cell)))).join("  ");
  lines.push(c.bold(fmt(head)));
  for (const row of rows) lines.push(fmt(row));
  for (const k of r.candidates) if (k.error) lines.push(c.dim(`  ${k.recipe}: ${k.error}`));
  lines.push("");
  lines.push(
    c.dim(
      `gates: metric loss ≤ ${pct(r.gates.maxMetricLoss)}, argmax agreement ≥ ${pct(r.gates.minArgmaxAgreement)}, latency ≤ ${r.gates.maxLatencyRatio}x fp32${r.gates.maxAbsError !== undefined ? `, max |err| ≤ ${r.gates.maxAbsError}` : ""} (edge-ml.config.ts: optimize)`,
    ),
  );
  if (r.kept) {
    lines.push(
      `${c.green("✔")} kept variant ${c.bold(r.kept.name)}: ${r.kept.file}, ${formatBytes(r.kept.bytes)} (${((r.kept.bytes / r.fp32.bytes) * 100).toFixed(1)}% of fp32), recorded in ${manifestFile}`,
    );
    lines.push(
      `  next: npx edge-ml validate ${r.model.name}@${r.model.version} --variant ${r.kept.name}   then   npx edge-ml dev ${r.model.name}@${r.model.version} --variant ${r.kept.name}`,
    );
  } else {
    lines.push(`${c.red("✘")} no candidate passed every gate; nothing was written`);
    lines.push(c.dim("  hint: try another --quantize scheme, compare on more representative inputs, or loosen optimize gates in edge-ml.config.ts"));
  }
  return lines.join("\n");
}

function stripWidth(s: string): number {
  return stripAnsi(s).length;
}
