/**
 * The `data profile` table: one line per column with its type, missing rate and a summary of its values.
 *
 * @example
 * ```ts
 * console.log(formatProfileTable(features, baseline));
 * // column  type     missing  summary
 * // age     number     20.3%  min 0.3333  max 80  mean 29.96  std 14.47  (10 bins)
 * ```
 */
import type { Baseline, CategoricalBaseline, FeatureBaseline, NumericBaseline } from "../../core/schema/baseline.ts";
import type { FeatureSpec } from "../../core/schema/features.ts";

/** Categories shown by name; the rest are summed as "(others)". */
const SHOWN = 3;
const MAX_LABEL = 24;

/** Four significant digits, without trailing zeros or exponent noise for ordinary values. */
export function formatNumber(x: number | null): string {
  return x === null ? "-" : String(Number(x.toPrecision(4)));
}

const percent = (part: number, whole: number) => `${whole > 0 ? ((100 * part) / whole).toFixed(1) : "0.0"}%`;

function label(s: string): string {
  const cut = s.length > MAX_LABEL ? `${s.slice(0, MAX_LABEL - 1)}…` : s;
  return /^[\w.-]+$/.test(cut) ? cut : JSON.stringify(cut);
}

function numericSummary(b: NumericBaseline): string {
  if (b.count === 0) return "no values";
  const n = formatNumber;
  return `min ${n(b.min)}  max ${n(b.max)}  mean ${n(b.mean)}  std ${n(b.std)}  (${b.counts.length} bins)`;
}

function categoricalSummary(b: CategoricalBaseline): string {
  const entries = Object.entries(b.counts);
  const values = entries.reduce((a, [, c]) => a + c, 0) + b.other;
  if (values === 0) return "no values";
  const shown = entries.slice(0, SHOWN).map(([k, c]) => `${label(k)} ${percent(c, values)}`);
  // "(others)" cannot be mistaken for a category: a label with parentheses is printed quoted.
  const rest = entries.slice(SHOWN).reduce((a, [, c]) => a + c, 0) + b.other;
  if (rest > 0) shown.push(`(others) ${percent(rest, values)}`);
  return shown.join(", ");
}

function summary(b: FeatureBaseline): string {
  return b.kind === "numeric" ? numericSummary(b) : categoricalSummary(b);
}

function pad(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) => r.map((cell, i) => (i === 2 ? cell.padStart(widths[i] ?? 0) : i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  "))
    .join("\n");
}

/** The table for the features of a baseline, in the features' order. */
export function formatProfileTable(features: readonly FeatureSpec[], baseline: Baseline): string {
  const rows = [["column", "type", "missing", "summary"]];
  for (const f of features) {
    const b = baseline.features[f.name];
    if (b !== undefined) rows.push([f.name, f.type, percent(b.missing, baseline.rows), summary(b)]);
    // Listed, so a guessed datetime type is visible: every new day would count as unseen, so its drift is watched
    // through the numbers date_part derives from it, not the dates.
    else if (f.type === "datetime") rows.push([f.name, f.type, "-", "not profiled (drift is watched on the parts date_part derives)"]);
  }
  return pad(rows);
}
