/**
 * `data validate`: check a CSV against a model's feature schema (or a schema file) and, for a model, compare its
 * distributions with the training baseline. One streaming pass: anomalies (TFDV style, see data-validate-rows.ts),
 * the file's sha256, and a profile in the baseline's bins (core/stats createProfiler) that core/drift compares.
 *
 * @example
 * ```ts
 * const { result } = await validateData({ csv: "data/eval.csv", against: "titanic@1.0.0" });
 * result.ok;        // false when any anomaly is an error
 * result.anomalies; // [{ kind: "out_of_range", column: "age", count: 1, lines: [7], values: ["300"], ... }]
 * ```
 */
import { statSync } from "node:fs";
import { relative } from "node:path";
import { compareProfile, type FeatureDrift } from "../../core/drift/compare.ts";
import { MISSING_RATE_JUMP } from "../../core/drift/flags.ts";
import { EdgeMlError } from "../../core/errors.ts";
import type { Baseline } from "../../core/schema/baseline.ts";
import type { FeatureSpec } from "../../core/schema/features.ts";
import { createProfiler, type Profile } from "../../core/stats/profile.ts";
import { openCsv } from "./csv.ts";
import { createProgress } from "../terminal/progress.ts";
import { createRowValidator, DEFAULT_MAX_DISTINCT, sortAnomalies, type Anomaly, type RowValidator } from "./rows.ts";
import { resolveTarget, type ValidationTarget } from "./target.ts";

export interface DataValidateOptions {
  csv: string;
  against: string;
  /** Null-rate limit for every nullable feature; default: the training null rate + 5 points (models with a baseline). */
  maxNullRate?: number;
  maxDistinct?: number;
  /** Report drifted features as error anomalies (by default drift is reported, not failed). */
  failOnDrift?: boolean;
}

interface DriftEntry {
  feature: string;
  kind: "numeric" | "categorical";
  measure: string;
  type: "test" | "distance";
  threshold: number;
  /** p-value (test) or distance; null when a side has no values. */
  value: number | null;
  drifted: boolean;
  reason: string;
  values: { baseline: number; current: number };
  missingRate: { baseline: number; current: number };
}

export interface DataValidationResult {
  v: 1;
  file: string;
  sha256: string;
  against: { kind: "model" | "schema"; name: string };
  rows: number;
  columns: string[];
  ok: boolean;
  errors: number;
  warnings: number;
  anomalies: Anomaly[];
  /** Per-feature drift against the training baseline; null without one (a schema file). */
  drift: DriftEntry[] | null;
  limits: { maxDistinct: number; nullRate: Record<string, number> };
}

export interface DataValidation {
  result: DataValidationResult;
  target: ValidationTarget;
  /** The new data in the baseline's bins (for the report's histograms). */
  profile?: Profile;
}

/** Six significant digits: stable across platforms in JSON and snapshots, far below any threshold's precision. */
const round = (x: number) => Number(x.toPrecision(6));

/**
 * The null-rate limit per nullable feature: `maxNullRate` for all of them when given; otherwise the training null
 * rate plus 5 points (core/drift's MISSING_RATE_JUMP) where a baseline knows it; otherwise no limit.
 */
export function nullLimits(features: readonly FeatureSpec[], baseline: Baseline | undefined, maxNullRate: number | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of features) {
    if (!f.nullable) continue;
    if (maxNullRate !== undefined) {
      out.set(f.name, maxNullRate);
      continue;
    }
    const b = baseline?.features[f.name];
    if (b !== undefined && baseline !== undefined && baseline.rows > 0) out.set(f.name, round(Math.min(1, b.missing / baseline.rows + MISSING_RATE_JUMP)));
  }
  return out;
}

function driftEntry(feature: string, d: FeatureDrift): DriftEntry {
  const c = d.chosen;
  return {
    feature,
    kind: d.kind,
    measure: c.measure,
    type: c.type,
    threshold: c.threshold,
    value: c.value === null ? null : round(c.value),
    drifted: c.drifted,
    reason: c.reason,
    values: { baseline: d.n.baseline, current: d.n.current },
    missingRate: { baseline: round(d.missing.baseline), current: round(d.missing.current) },
  };
}

function driftAnomaly(e: DriftEntry): Anomaly {
  const cmp = e.type === "test" ? `p = ${e.value} < ${e.threshold}` : `${e.value} >= ${e.threshold}`;
  return {
    kind: "drift",
    severity: "error",
    column: e.feature,
    count: e.values.current,
    lines: [],
    message: `distribution differs from the training baseline (${e.measure} ${cmp}; ${e.reason})`,
  };
}

/** Stream the CSV once: anomalies, hash, and a profile in the baseline's bins. */
export async function validateData(opts: DataValidateOptions): Promise<DataValidation> {
  const target = resolveTarget(opts.against);
  let size = 0;
  try {
    size = statSync(opts.csv).size;
  } catch {
    throw new EdgeMlError("ERR_USAGE", `data file ${opts.csv} does not exist`, { hint: "pass the path of a CSV file with a header row" });
  }
  const maxDistinct = opts.maxDistinct ?? DEFAULT_MAX_DISTINCT;
  const limits = nullLimits(target.features, target.baseline, opts.maxNullRate);
  const csv = openCsv(opts.csv);
  const profiler = target.baseline ? createProfiler(target.baseline) : undefined;
  const progress = createProgress(`validating ${opts.csv}`, size);
  let validator: RowValidator | undefined;
  let columns: string[] = [];
  for await (const row of csv.rows) {
    if (validator === undefined) {
      columns = row.fields;
      validator = createRowValidator({
        features: target.features,
        header: row.fields,
        headerLine: row.line,
        known: target.known,
        label: target.label,
        nullLimits: limits,
        maxDistinct,
      });
      continue;
    }
    const checked = validator.check(row);
    if (checked !== null) profiler?.add(checked.instance);
    if ((validator.rows & 1023) === 0) progress.update(csv.bytesRead(), validator.rows);
  }
  progress.done();
  if (validator === undefined) {
    throw new EdgeMlError("ERR_BAD_DATA", `${opts.csv} is empty: no header row`, {
      file: opts.csv,
      hint: "a CSV with a header row naming the columns, then one row per instance",
    });
  }
  const profile = profiler?.snapshot();
  const drift = target.baseline && profile ? Object.entries(compareProfile(target.baseline, profile).features).map(([name, d]) => driftEntry(name, d)) : null;
  const anomalies = validator.finish();
  if (opts.failOnDrift && drift) anomalies.push(...drift.filter((d) => d.drifted).map(driftAnomaly));
  sortAnomalies(anomalies, target.features);
  const errors = anomalies.filter((a) => a.severity === "error").length;
  const result: DataValidationResult = {
    v: 1,
    file: relative(process.cwd(), opts.csv) || opts.csv,
    sha256: csv.sha256(),
    against: { kind: target.kind, name: target.name },
    rows: validator.rows,
    columns,
    ok: errors === 0,
    errors,
    warnings: anomalies.length - errors,
    anomalies,
    drift,
    limits: { maxDistinct, nullRate: Object.fromEntries(limits) },
  };
  return { result, target, ...(profile ? { profile } : {}) };
}
