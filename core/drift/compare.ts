/**
 * Drift of a profile against its baseline: every measure, the one chosen for the sample size, and the data-quality
 * flags, per feature and for the prediction.
 *
 * @example
 * ```ts
 * const report = compareProfile(manifest.baseline, mergedProfile);
 * report.features.age?.chosen; // { measure: "psi", type: "distance", threshold: 0.2, value: 0.31, drifted: true, reason: "..." }
 * ```
 */
import type { Baseline, CategoricalBaseline, FeatureBaseline, NumericBaseline } from "../schema/baseline.ts";
import type { CategoricalProfile, FeatureProfile, NumericProfile, Profile } from "../stats/profile-schema.ts";
import { binMidpoints } from "../stats/bins.ts";
import { chiSquareTest, type ChiSquareResult } from "./chi-square.ts";
import { chooseMeasure, effectiveSampleSize, type MeasureChoice } from "./choose.ts";
import { jensenShannon, lInfinity, psi, wasserstein } from "./distances.ts";
import { missingRateJump, unseenCategories, type MissingRateJump, type UnseenCategories } from "./flags.ts";

/** Name of the bucket that holds categories outside the baseline's top K, in aligned category lists. */
const OTHER = "__other__";

interface DriftMeasures {
  psi: number;
  jensenShannon: number;
  chiSquare: ChiSquareResult;
  /** Numeric: W1 in the feature's units, and divided by the training std (null for a constant column). */
  wasserstein?: number;
  wassersteinNormed?: number | null;
  /** Categorical: the largest change of a category's share. */
  lInfinity?: number;
}

export interface FeatureDrift {
  kind: "numeric" | "categorical";
  /** Non-missing values compared on each side, and the effective sample size the measure was chosen by. */
  n: { baseline: number; current: number; effective: number };
  /** Absent when either side has no values. */
  measures?: DriftMeasures;
  chosen: MeasureChoice & { value: number | null; drifted: boolean };
  missing: MissingRateJump;
  unseen?: UnseenCategories;
}

export interface DriftReport {
  features: Record<string, FeatureDrift>;
  prediction?: FeatureDrift;
  predictionLabel?: FeatureDrift;
}

/** Baseline and current counts over the same categories: the baseline's, then `__other__`. */
export function alignCategories(b: CategoricalBaseline, c: CategoricalProfile): { labels: string[]; expected: number[]; actual: number[] } {
  const labels = Object.keys(b.counts);
  const known = new Set(labels);
  // A profile from the same baseline has exactly its keys; anything else still counts, as "other".
  let extra = 0;
  for (const [k, v] of Object.entries(c.counts)) if (!known.has(k)) extra += v;
  return {
    labels: [...labels, OTHER],
    expected: [...labels.map((l) => b.counts[l] ?? 0), b.other],
    actual: [...labels.map((l) => c.counts[l] ?? 0), c.other + extra],
  };
}

function numericMeasures(b: NumericBaseline, c: NumericProfile): DriftMeasures {
  const mids = binMidpoints(b.edges, b.min ?? 0, b.max ?? 0);
  const w = wasserstein(b.counts, c.counts, mids);
  return {
    psi: psi(b.counts, c.counts),
    jensenShannon: jensenShannon(b.counts, c.counts),
    chiSquare: chiSquareTest(b.counts, c.counts),
    wasserstein: w,
    wassersteinNormed: b.std !== null && b.std > 0 ? w / b.std : null,
  };
}

function categoricalMeasures(b: CategoricalBaseline, c: CategoricalProfile): DriftMeasures {
  const { expected, actual } = alignCategories(b, c);
  return {
    psi: psi(expected, actual),
    jensenShannon: jensenShannon(expected, actual),
    chiSquare: chiSquareTest(expected, actual),
    lInfinity: lInfinity(expected, actual),
  };
}

const sum = (xs: Iterable<number>) => {
  let s = 0;
  for (const x of xs) s += x;
  return s;
};

function valuesOf(f: FeatureBaseline | FeatureProfile): number {
  return f.kind === "numeric" ? f.count : sum(Object.values(f.counts)) + f.other;
}

/**
 * Compare one feature's current profile with its baseline. Throws ERR_BAD_INPUT when the two do not share bins.
 *
 * @example
 * ```ts
 * compareFeature(baseline.features.age, profile.features.age).chosen.drifted;
 * ```
 */
export function compareFeature(baseline: FeatureBaseline, current: FeatureProfile): FeatureDrift {
  const nb = valuesOf(baseline);
  const nc = valuesOf(current);
  const effective = effectiveSampleSize(nb, nc);
  const choice = chooseMeasure(effective, baseline.kind);
  const missing = missingRateJump({ missing: baseline.missing, rows: nb + baseline.missing }, { missing: current.missing, rows: nc + current.missing });
  const unseen = baseline.kind === "categorical" && current.kind === "categorical" ? { unseen: unseenCategories(baseline, current) } : {};
  const base = { kind: baseline.kind, n: { baseline: nb, current: nc, effective }, missing, ...unseen };
  if (nb === 0 || nc === 0) return { ...base, chosen: { ...choice, reason: "no values to compare", value: null, drifted: false } };

  let measures: DriftMeasures;
  if (baseline.kind === "numeric" && current.kind === "numeric") measures = numericMeasures(baseline, current);
  else if (baseline.kind === "categorical" && current.kind === "categorical") measures = categoricalMeasures(baseline, current);
  else throw new Error(`internal: a ${baseline.kind} baseline cannot compare with a ${current.kind} profile`);

  const value = choice.measure === "chi_square" ? measures.chiSquare.pValue : choice.measure === "psi" ? measures.psi : measures.jensenShannon;
  const drifted = choice.type === "test" ? value < choice.threshold : value >= choice.threshold;
  return { ...base, measures, chosen: { ...choice, value, drifted } };
}

/**
 * Compare every feature (and the prediction) of a profile with the baseline it was built from. Features missing from
 * the profile are skipped.
 */
export function compareProfile(baseline: Baseline, profile: Profile): DriftReport {
  const features: [string, FeatureDrift][] = [];
  for (const [name, b] of Object.entries(baseline.features)) {
    const c = Object.hasOwn(profile.features, name) ? profile.features[name] : undefined;
    if (c !== undefined) features.push([name, compareFeature(b, c)]);
  }
  const report: DriftReport = { features: Object.fromEntries(features) };
  if (baseline.prediction && profile.prediction) report.prediction = compareFeature(baseline.prediction, profile.prediction);
  if (baseline.predictionLabel && profile.predictionLabel) report.predictionLabel = compareFeature(baseline.predictionLabel, profile.predictionLabel);
  return report;
}
