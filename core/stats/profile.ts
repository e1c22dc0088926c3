/**
 * Mergeable profiles: count every request's features and prediction in the baseline's bins and categories.
 *
 * The profiler is built once per model version from its baseline and is cheap per row: a binary search over the
 * edges for numbers, one Map lookup for categories, preallocated counters, no allocation for string categories.
 * A snapshot is plain JSON (`Profile`, see `profile-schema.ts`) that merges by addition, so the monitor can sum
 * profiles over any window, deployment or isolate.
 *
 * @example
 * ```ts
 * const profiler = createProfiler(manifest.baseline);
 * profiler.add({ age: 22, sex: "male" });
 * profiler.addPrediction({ score: 0.81, label: "yes" });
 * const batchProfile = profiler.snapshot(); // then profiler.reset() for the next window
 * mergeProfiles(batchProfile, otherBatchProfile);
 * ```
 */
import { EdgeMlError } from "../errors.ts";
import type { Prediction } from "../postprocess.ts";
import type { Baseline, FeatureBaseline } from "../schema/baseline.ts";
import type { FeatureValue, Instance } from "../schema/features.ts";
import { binIndex } from "./bins.ts";
import type { CategoricalProfile, FeatureProfile, NumericProfile, Profile } from "./profile-schema.ts";

export type { FeatureProfile, NumericProfile, Profile } from "./profile-schema.ts";

/** Unseen category names kept per snapshot; more unseen values are still counted in `other`. */
export const MAX_UNSEEN_NAMES = 16;

export interface Profiler {
  /** Count one instance (a missing key, null and NaN count as missing). */
  add(instance: Instance): void;
  /**
   * Count one prediction: a `Prediction` object fills the score/value/label distributions; a bare number goes to a
   * numeric `prediction` (or is a class name for a categorical one); a bare string is a label.
   */
  addPrediction(prediction: Prediction | number | string | null | undefined): void;
  /** The counts so far, as fresh plain JSON. */
  snapshot(): Profile;
  /** Zero every counter (start the next window). */
  reset(): void;
}

type Value = FeatureValue | undefined;

interface Counter {
  add(v: Value): void;
  snapshot(): FeatureProfile;
  reset(): void;
}

function numericCounter(edges: readonly number[]): Counter {
  const e = Float64Array.from(edges);
  const counts = new Float64Array(e.length + 1);
  let missing = 0,
    count = 0,
    sum = 0,
    sumSq = 0,
    min = Infinity,
    max = -Infinity;
  return {
    add(v) {
      // Validation upstream lets only numbers through; anything else (or NaN, ±Infinity) cannot be binned: missing.
      if (typeof v !== "number" || !Number.isFinite(v)) {
        missing++;
        return;
      }
      const b = binIndex(e, v);
      counts[b] = (counts[b] as number) + 1;
      count++;
      sum += v;
      sumSq += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    },
    snapshot: (): NumericProfile => ({
      kind: "numeric",
      counts: Array.from(counts),
      missing,
      count,
      sum,
      sumSq,
      min: count > 0 ? min : null,
      max: count > 0 ? max : null,
    }),
    reset() {
      counts.fill(0);
      missing = count = sum = sumSq = 0;
      min = Infinity;
      max = -Infinity;
    },
  };
}

function categoricalCounter(categories: readonly string[]): Counter {
  const index = new Map(categories.map((c, i) => [c, i]));
  const counts = new Float64Array(categories.length);
  const unseen = new Map<string, number>();
  let other = 0,
    missing = 0;
  return {
    add(v) {
      if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) {
        missing++;
        return;
      }
      // String keys, as in preprocessing: integer categories (1, 2, 3) match their CSV spelling, booleans "true"/"false".
      const key = typeof v === "string" ? v : String(v);
      const i = index.get(key);
      if (i !== undefined) {
        counts[i] = (counts[i] as number) + 1;
        return;
      }
      other++;
      const seen = unseen.get(key);
      if (seen !== undefined) unseen.set(key, seen + 1);
      else if (unseen.size < MAX_UNSEEN_NAMES) unseen.set(key, 1);
    },
    snapshot: (): CategoricalProfile => ({
      kind: "categorical",
      counts: Object.fromEntries(categories.map((c, i) => [c, counts[i] ?? 0])),
      other,
      missing,
      unseen: Object.fromEntries(unseen),
    }),
    reset() {
      counts.fill(0);
      unseen.clear();
      other = missing = 0;
    },
  };
}

function counterFor(b: FeatureBaseline): Counter {
  return b.kind === "numeric" ? numericCounter(b.edges) : categoricalCounter(Object.keys(b.counts));
}

/** The number a prediction is profiled by: the score (classifiers), else the value (regression); null if neither. */
export function predictionValue(p: Prediction): number | null {
  return p.score ?? p.value ?? null;
}

/** The class a prediction is profiled by: its label, else its class index; null if neither. */
export function predictionLabel(p: Prediction): string | null {
  const label = p.label ?? p.classIndex;
  return label === undefined ? null : String(label);
}

/**
 * Build a profiler for the features and prediction a baseline describes. Features not in the baseline are ignored.
 *
 * @example
 * ```ts
 * const p = createProfiler(baseline);
 * for (const instance of instances) p.add(instance);
 * ```
 */
export function createProfiler(baseline: Pick<Baseline, "features" | "prediction" | "predictionLabel">): Profiler {
  const names = Object.keys(baseline.features);
  const counters = names.map((n) => counterFor(baseline.features[n] as FeatureBaseline));
  const prediction = baseline.prediction ? counterFor(baseline.prediction) : undefined;
  const numericPrediction = baseline.prediction?.kind === "numeric";
  const label = baseline.predictionLabel ? counterFor(baseline.predictionLabel) : undefined;
  let rows = 0;
  return {
    add(instance) {
      rows++;
      // A baseline describes scalar features only: binary (image/audio) values are never among `names`.
      for (let i = 0; i < names.length; i++) (counters[i] as Counter).add(instance[names[i] as string] as FeatureValue | undefined);
    },
    addPrediction(p) {
      if (p === null || p === undefined || typeof p === "number") return prediction?.add(p);
      if (typeof p === "string") return (numericPrediction ? label : prediction)?.add(p);
      prediction?.add(numericPrediction ? predictionValue(p) : predictionLabel(p));
      label?.add(predictionLabel(p));
    },
    snapshot() {
      return {
        rows,
        features: Object.fromEntries(names.map((n, i) => [n, (counters[i] as Counter).snapshot()])),
        ...(prediction ? { prediction: prediction.snapshot() } : {}),
        ...(label ? { predictionLabel: label.snapshot() as CategoricalProfile } : {}),
      };
    },
    reset() {
      rows = 0;
      for (const c of counters) c.reset();
      prediction?.reset();
      label?.reset();
    },
  };
}

/** The profile of no rows: the identity of `mergeProfiles`. */
export function emptyProfile(baseline: Pick<Baseline, "features" | "prediction" | "predictionLabel">): Profile {
  return createProfiler(baseline).snapshot();
}

/** Mean and population standard deviation of a numeric profile (null when it has no values). */
export function numericMoments(p: NumericProfile): { mean: number | null; std: number | null } {
  if (p.count === 0) return { mean: null, std: null };
  const mean = p.sum / p.count;
  // Rounding can make sumSq/n - mean² slightly negative for a constant column.
  return { mean, std: Math.sqrt(Math.max(0, p.sumSq / p.count - mean * mean)) };
}

/** Through a Map: a category or feature named "__proto__" must stay a key, not become a prototype. */
function addRecords(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = new Map(Object.entries(a));
  for (const [k, v] of Object.entries(b)) out.set(k, (out.get(k) ?? 0) + v);
  return Object.fromEntries(out);
}

const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

function mergeFeature(name: string, a: FeatureProfile, b: FeatureProfile): FeatureProfile {
  if (a.kind === "numeric" && b.kind === "numeric") {
    if (a.counts.length !== b.counts.length) {
      throw new EdgeMlError("ERR_BAD_INPUT", `cannot merge profiles of "${name}": ${a.counts.length} bins vs ${b.counts.length}`, {
        hint: "only profiles built from the same baseline (the same model version) merge",
      });
    }
    return {
      kind: "numeric",
      counts: a.counts.map((c, i) => c + (b.counts[i] ?? 0)),
      missing: a.missing + b.missing,
      count: a.count + b.count,
      sum: a.sum + b.sum,
      sumSq: a.sumSq + b.sumSq,
      min: minOf(a.min, b.min),
      max: maxOf(a.max, b.max),
    };
  }
  if (a.kind === "categorical" && b.kind === "categorical") {
    return {
      kind: "categorical",
      counts: addRecords(a.counts, b.counts),
      other: a.other + b.other,
      missing: a.missing + b.missing,
      unseen: addRecords(a.unseen, b.unseen),
    };
  }
  throw new EdgeMlError("ERR_BAD_INPUT", `cannot merge profiles of "${name}": one is ${a.kind}, the other ${b.kind}`, {
    hint: "only profiles built from the same baseline (the same model version) merge",
  });
}

function mergeOptional<T extends FeatureProfile>(name: string, a: T | undefined, b: T | undefined): T | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return mergeFeature(name, a, b) as T;
}

/**
 * Add two profiles of the same baseline. Counts add exactly (associative and commutative); sums are floats, so they
 * are associative up to rounding. A feature present in only one profile is copied.
 *
 * @example
 * ```ts
 * const day = hourly.reduce(mergeProfiles, emptyProfile(baseline));
 * ```
 */
export function mergeProfiles(a: Profile, b: Profile): Profile {
  const features = new Map(Object.entries(a.features));
  for (const [name, f] of Object.entries(b.features)) {
    const mine = features.get(name);
    features.set(name, mine === undefined ? f : mergeFeature(name, mine, f));
  }
  const prediction = mergeOptional("(prediction)", a.prediction, b.prediction);
  const label = mergeOptional("(prediction label)", a.predictionLabel, b.predictionLabel);
  return { rows: a.rows + b.rows, features: Object.fromEntries(features), ...(prediction ? { prediction } : {}), ...(label ? { predictionLabel: label } : {}) };
}
