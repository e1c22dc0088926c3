/**
 * Drift of one window's profile against the registered baseline, with the model's thresholds: every measure core
 * computes (PSI, Jensen-Shannon, Wasserstein for numbers, chi-square and L-infinity for categories), the one chosen by
 * the effective sample size (a chi-square test up to `smallSampleLimit`, else PSI for numbers and Jensen-Shannon for
 * categories, as core/drift/choose.ts decides), its threshold, and the data-quality flags.
 *
 * @example
 * ```ts
 * const report = driftOf(record.baseline, mergedProfile, record.config.thresholds);
 * report.drifted; // ["age"]
 * report.features.age.measure; // "chi_square"
 * ```
 */
import { compareFeature } from "../../core/drift/compare.ts";
import type { DriftMeasure } from "../../core/drift/choose.ts";
import { missingRateJump, type MissingRateJump, type UnseenCategories } from "../../core/drift/flags.ts";
import type { Baseline, FeatureBaseline } from "../../core/schema/baseline.ts";
import type { FeatureProfile, Profile } from "../../core/stats/profile-schema.ts";
import { thresholdsFor, type DriftThresholds } from "../registration.ts";

export interface FeatureDriftResult {
  kind: "numeric" | "categorical";
  n: { baseline: number; current: number; effective: number };
  /** The measure that decides, chosen by the effective sample size, and why. */
  measure: DriftMeasure;
  type: "test" | "distance";
  threshold: number;
  /** The chosen measure's value (a p-value for the test); null when a side has no values. */
  value: number | null;
  /** False when the window has fewer than `minRows` rows or a side has no values: `drifted` is then false. */
  judged: boolean;
  drifted: boolean;
  reason: string;
  psi: number | null;
  jensenShannon: number | null;
  chiSquare: { statistic: number; df: number; pValue: number } | null;
  /** Numeric features. */
  wasserstein?: number | null;
  wassersteinNormed?: number | null;
  /** Categorical features. */
  lInfinity?: number | null;
  unseen?: UnseenCategories;
  missing: MissingRateJump;
}

export interface DriftResult {
  rows: number;
  /** Features (and "prediction") that drifted in this window. */
  drifted: string[];
  features: Record<string, FeatureDriftResult>;
  prediction?: FeatureDriftResult;
  predictionLabel?: FeatureDriftResult;
}

/** The name drift reports and alert rules use for the model's prediction. */
export const PREDICTION = "prediction";

function featureDrift(name: string, baseline: FeatureBaseline, current: FeatureProfile, t: DriftThresholds, rows: number): FeatureDriftResult {
  const own = thresholdsFor(t, name);
  let c: ReturnType<typeof compareFeature>;
  try {
    c = compareFeature(baseline, current);
  } catch (error) {
    const missing = missingRateJump({ missing: 0, rows: 0 }, { missing: 0, rows: 0 });
    return {
      kind: baseline.kind,
      n: { baseline: 0, current: 0, effective: 0 },
      measure: "chi_square",
      type: "test",
      threshold: own.pValue,
      value: null,
      judged: false,
      drifted: false,
      reason: `not comparable: ${(error as Error).message}`,
      psi: null,
      jensenShannon: null,
      chiSquare: null,
      missing,
    };
  }
  const n = c.n.effective;
  const small = n <= t.smallSampleLimit;
  const measure: DriftMeasure = small ? "chi_square" : baseline.kind === "numeric" ? "psi" : "jensen_shannon";
  const type = small ? "test" : "distance";
  const threshold = measure === "chi_square" ? own.pValue : measure === "psi" ? own.psi : own.jensenShannon;
  const m = c.measures;
  const value = m === undefined ? null : measure === "chi_square" ? m.chiSquare.pValue : measure === "psi" ? m.psi : m.jensenShannon;
  const size = `effective n = ${Math.round(n)}`;
  let reason = small
    ? `${size} <= ${t.smallSampleLimit}: chi-square test, drift when p < ${threshold}`
    : `${size} > ${t.smallSampleLimit}: ${measure === "psi" ? "PSI" : "Jensen-Shannon distance"}, drift when >= ${threshold}`;
  let drifted = false;
  const judged = value !== null && rows >= t.minRows;
  if (value === null) reason = "no values to compare";
  else if (!judged) reason = `${rows} rows < minRows ${t.minRows}: not judged (${reason})`;
  else drifted = type === "test" ? value < threshold : value >= threshold;
  const baseRows = c.n.baseline + baseline.missing;
  const curRows = c.n.current + current.missing;
  return {
    kind: c.kind,
    n: c.n,
    measure,
    type,
    threshold,
    value,
    judged,
    drifted,
    reason,
    psi: m?.psi ?? null,
    jensenShannon: m?.jensenShannon ?? null,
    chiSquare: m?.chiSquare ?? null,
    ...(c.kind === "numeric" ? { wasserstein: m?.wasserstein ?? null, wassersteinNormed: m?.wassersteinNormed ?? null } : { lInfinity: m?.lInfinity ?? null }),
    ...(c.unseen ? { unseen: c.unseen } : {}),
    missing: missingRateJump({ missing: baseline.missing, rows: baseRows }, { missing: current.missing, rows: curRows }, t.missingRateJump),
  };
}

/**
 * Drift of every baseline feature present in the profile, and of the prediction (score or value) and the predicted
 * label. Features the profile lacks are left out.
 */
export function driftOf(baseline: Baseline, profile: Profile, t: DriftThresholds): DriftResult {
  const features: [string, FeatureDriftResult][] = [];
  const drifted: string[] = [];
  for (const [name, b] of Object.entries(baseline.features)) {
    const c = Object.hasOwn(profile.features, name) ? profile.features[name] : undefined;
    if (c === undefined) continue;
    const d = featureDrift(name, b, c, t, profile.rows);
    features.push([name, d]);
    if (d.drifted) drifted.push(name);
  }
  const out: DriftResult = { rows: profile.rows, drifted, features: Object.fromEntries(features) };
  if (baseline.prediction && profile.prediction) {
    out.prediction = featureDrift(PREDICTION, baseline.prediction, profile.prediction, t, profile.rows);
    if (out.prediction.drifted) drifted.push(PREDICTION);
  }
  if (baseline.predictionLabel && profile.predictionLabel)
    out.predictionLabel = featureDrift(PREDICTION, baseline.predictionLabel, profile.predictionLabel, t, profile.rows);
  return out;
}
