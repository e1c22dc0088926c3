/**
 * `edge-ml validate`'s terminal output: verdict, metrics with 95% intervals, metrics per slice, and every check.
 *
 * @example
 * ```ts
 * console.log(formatModelValidation(validation));
 * // ✔ titanic@1.0.0 is blessed (binary; 328 of 328 rows of eval.csv; runtime node)
 * ```
 */
import type { MetricSet, ValidationResult } from "../../core/validation/result.ts";
import type { ModelValidation } from "./validate.ts";
import { dim, green, red } from "../terminal/output.ts";
import { formatNumber } from "../tabular/profile-table.ts";

export function pad(rows: string[][], numeric: ReadonlySet<number> = new Set()): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) =>
    r
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i] ?? 0) : i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

const ci = (m: MetricSet[string] | undefined) => (m?.ci ? `[${formatNumber(m.ci[0])}, ${formatNumber(m.ci[1])}]` : "");

export function checkLine(c: ValidationResult["checks"][number]): string {
  const mark = c.skipped !== undefined ? dim("-") : c.pass ? green("✔") : red("✖");
  return `  ${mark} ${c.kind.padEnd(8)} ${c.message}`;
}

export function formatModelValidation(v: ModelValidation, manifestShown: string): string {
  const r = v.result;
  const ref = `${v.name}@${v.version}${v.variant !== undefined ? ` (variant ${v.variant})` : ""}`;
  const lines = [
    `${r.blessed ? `${green("✔")} ${ref} is blessed` : `${red("✖")} ${ref} is not blessed`} (${r.task}; ${r.data.evaluated} of ${r.data.rows} rows of ${r.data.file}; runtime ${r.runtime})`,
  ];
  const names = Object.keys(r.metrics);
  lines.push(
    ...pad(
      [
        ["  metric", "value", `${Math.round(r.bootstrap.confidence * 100)}% interval`],
        ...names.map((n) => [`  ${n}`, formatNumber(r.metrics[n]?.value ?? null), ci(r.metrics[n])]),
      ],
      new Set([1]),
    ),
  );
  if (r.slices.length > 0) {
    lines.push("per slice:");
    lines.push(
      ...pad(
        [
          ["  slice", "rows", ...names],
          ...r.slices.map((s) => [`  ${s.feature}=${s.value}`, String(s.rows), ...names.map((n) => formatNumber(s.metrics[n]?.value ?? null))]),
        ],
        new Set(names.map((_, i) => i + 1).concat([names.length + 1])),
      ),
    );
  }
  if (r.compareTo) lines.push(dim(`compared with ${r.compareTo.alias} ${v.name}@${r.compareTo.version} on the same rows`));
  lines.push("checks:");
  lines.push(...r.checks.map(checkLine));
  if (r.checks.length === 1) lines.push(dim("  (no gates configured: add `gates` to edge-ml.config.ts)"));
  lines.push(dim(`bootstrap: ${r.bootstrap.method}, ${r.bootstrap.resamples} resamples, seed ${r.bootstrap.seed}`));
  lines.push(dim(`recorded in ${manifestShown} (${v.variant !== undefined ? `variant ${v.variant}'s validation` : "validation"})`));
  const next = `npx edge-ml deploy ${v.name}@${v.version}${v.variant !== undefined ? ` --variant ${v.variant}` : ""} --dry-run`;
  lines.push(dim(r.blessed ? `next: ${next}` : "next: fix the failing checks (or the data), then run validate again"));
  return lines.join("\n");
}
