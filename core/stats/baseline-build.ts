/**
 * Build a baseline from training rows in two passes, so the counts come from the very profiler the edge runs:
 *
 * 1. `createSummarizer` reads every row once: quantile sketches (edges), moments, min/max, category frequencies.
 *    `plan()` then fixes the bins and the top-K categories.
 * 2. `createProfiler(plan)` reads the rows again and counts them in those bins; `finishBaseline` stores the counts.
 *
 * Memory stays bounded for any file: quantile sketches switch to a reservoir past 200k values (`quantiles.ts`), and a
 * category counter is pruned to its most frequent half when it passes `MAX_TRACKED_CATEGORIES` distinct values
 * (frequent categories survive the pruning; their exact counts come from pass 2).
 *
 * @example
 * ```ts
 * const columns = [{ name: "age", kind: "numeric" }, { name: "sex", kind: "categorical" }] as const;
 * const baseline = baselineFromRows(columns, rows, { createdFrom: { file: "train.csv", sha256 } });
 * ```
 */
import type { Prediction } from "../postprocess.ts";
import type { Baseline, CategoricalBaseline, FeatureBaseline, NumericBaseline } from "../schema/baseline.ts";
import type { FeatureValue, Instance } from "../schema/features.ts";
import type { Task } from "../schema/manifest.ts";
import { createProfiler, predictionLabel, predictionValue, type FeatureProfile, type Profile } from "./profile.ts";
import { createQuantileSketch, type QuantileSketchOptions } from "./quantiles.ts";

export type ColumnKind = "numeric" | "categorical";
export interface BaselineColumn {
  name: string;
  kind: ColumnKind;
}

export interface BaselineOptions {
  /** Equal-frequency bins per numeric column (fewer when quantiles coincide). Default 10. */
  bins?: number;
  /** Categories kept by name per categorical column; the rest count as `other`. Default 20. */
  topK?: number;
  /** Decides the prediction distribution: multiclass models are profiled by label, others by score or value. */
  task?: Task;
  sketch?: QuantileSketchOptions;
}

/** The bins and categories of a baseline, with zero counts: what `createProfiler` needs for pass 2. */
export type BaselinePlan = Pick<Baseline, "features" | "prediction" | "predictionLabel">;

export interface Summarizer {
  add(instance: Instance): void;
  addPrediction(prediction: Prediction): void;
  plan(): BaselinePlan;
}

export const DEFAULT_BINS = 10;
const DEFAULT_TOP_K = 20;
const MAX_TRACKED_CATEGORIES = 10_000;

interface ColumnSummary {
  add(v: FeatureValue | undefined): void;
  readonly seen: number;
  plan(): FeatureBaseline;
}

function numericSummary(bins: number, sketch: QuantileSketchOptions | undefined): ColumnSummary {
  const q = createQuantileSketch(sketch);
  // Welford's update: a stable mean and variance in one pass (sum of squares loses digits on large values).
  let n = 0,
    mean = 0,
    m2 = 0,
    min = Infinity,
    max = -Infinity;
  return {
    add(v) {
      if (typeof v !== "number" || !Number.isFinite(v)) return;
      q.add(v);
      n++;
      const d = v - mean;
      mean += d / n;
      m2 += d * (v - mean);
      if (v < min) min = v;
      if (v > max) max = v;
    },
    get seen() {
      return n;
    },
    plan(): NumericBaseline {
      const edges = q.edges(bins);
      const some = n > 0;
      return {
        kind: "numeric",
        edges,
        counts: new Array<number>(edges.length + 1).fill(0),
        missing: 0,
        count: 0,
        mean: some ? mean : null,
        std: some ? Math.sqrt(m2 / n) : null,
        min: some ? min : null,
        max: some ? max : null,
      };
    },
  };
}

/** Most frequent first, ties by name, so the same data always gives the same categories in the same order. */
const byCount = (a: [string, number], b: [string, number]) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

function categoricalSummary(topK: number): ColumnSummary {
  let counts = new Map<string, number>();
  let seen = 0;
  return {
    add(v) {
      if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) return;
      seen++;
      const key = typeof v === "string" ? v : String(v);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (counts.size > MAX_TRACKED_CATEGORIES) counts = new Map([...counts].sort(byCount).slice(0, MAX_TRACKED_CATEGORIES / 2));
    },
    get seen() {
      return seen;
    },
    plan(): CategoricalBaseline {
      const top = [...counts].sort(byCount).slice(0, topK);
      return { kind: "categorical", counts: Object.fromEntries(top.map(([k]) => [k, 0])), other: 0, missing: 0, topK };
    },
  };
}

/**
 * Pass 1: summarize training rows (features, and the model's predictions on them) into bins and categories.
 *
 * @example
 * ```ts
 * const s = createSummarizer([{ name: "age", kind: "numeric" }], { bins: 10 });
 * for (const row of rows) s.add(row);
 * const plan = s.plan();
 * ```
 */
export function createSummarizer(columns: readonly BaselineColumn[], options: BaselineOptions = {}): Summarizer {
  const bins = options.bins ?? DEFAULT_BINS;
  const topK = options.topK ?? DEFAULT_TOP_K;
  const make = (kind: ColumnKind) => (kind === "numeric" ? numericSummary(bins, options.sketch) : categoricalSummary(topK));
  const summaries = columns.map((c) => make(c.kind));
  const value = make("numeric");
  const label = make("categorical");
  return {
    add(instance) {
      // Baseline columns are scalar features only (cli/baseline/values.ts baselineFeatures).
      for (let i = 0; i < columns.length; i++) (summaries[i] as ColumnSummary).add(instance[(columns[i] as BaselineColumn).name] as FeatureValue | undefined);
    },
    addPrediction(p) {
      value.add(predictionValue(p));
      label.add(predictionLabel(p));
    },
    plan() {
      const features = Object.fromEntries(columns.map((c, i) => [c.name, (summaries[i] as ColumnSummary).plan()]));
      const labelled = label.seen > 0;
      // Multiclass: the class mix is what shifts (prior drift); binary and regression: the score or value.
      if (labelled && (options.task === "multiclass" || value.seen === 0)) return { features, prediction: label.plan() };
      if (value.seen === 0) return { features };
      return { features, prediction: value.plan(), ...(labelled ? { predictionLabel: label.plan() as CategoricalBaseline } : {}) };
    },
  };
}

function fill(plan: FeatureBaseline, counted: FeatureProfile | undefined): FeatureBaseline {
  if (plan.kind === "numeric" && counted?.kind === "numeric") {
    return { ...plan, counts: counted.counts, missing: counted.missing, count: counted.count };
  }
  if (plan.kind === "categorical" && counted?.kind === "categorical") {
    const counts = Object.fromEntries(Object.entries(counted.counts).sort(byCount));
    return { ...plan, counts, other: counted.other, missing: counted.missing };
  }
  throw new Error(`internal: the profile does not match the baseline plan (${plan.kind} vs ${counted?.kind ?? "nothing"})`);
}

/**
 * Pass 2's result: the plan's bins with the profile's counts, and where the data came from.
 *
 * @example
 * ```ts
 * const baseline = finishBaseline(plan, profiler.snapshot(), { file: "data/train.csv", sha256 });
 * ```
 */
export function finishBaseline(plan: BaselinePlan, profile: Profile, createdFrom: Baseline["createdFrom"]): Baseline {
  const features = Object.fromEntries(Object.entries(plan.features).map(([name, f]) => [name, fill(f, profile.features[name])]));
  return {
    rows: profile.rows,
    features,
    ...(plan.prediction ? { prediction: fill(plan.prediction, profile.prediction) } : {}),
    ...(plan.predictionLabel ? { predictionLabel: fill(plan.predictionLabel, profile.predictionLabel) as CategoricalBaseline } : {}),
    createdFrom,
  };
}

/**
 * Both passes over rows held in memory (tests, small data); `predictions[i]` is the model's output for `rows[i]`.
 *
 * @example
 * ```ts
 * baselineFromRows([{ name: "x", kind: "numeric" }], [{ x: 1 }, { x: 2 }], { createdFrom, bins: 2 });
 * ```
 */
export function baselineFromRows(
  columns: readonly BaselineColumn[],
  rows: readonly Instance[],
  options: BaselineOptions & { createdFrom: Baseline["createdFrom"]; predictions?: readonly Prediction[] },
): Baseline {
  const summarizer = createSummarizer(columns, options);
  rows.forEach((r) => summarizer.add(r));
  options.predictions?.forEach((p) => summarizer.addPrediction(p));
  const plan = summarizer.plan();
  const profiler = createProfiler(plan);
  rows.forEach((r) => profiler.add(r));
  options.predictions?.forEach((p) => profiler.addPrediction(p));
  return finishBaseline(plan, profiler.snapshot(), options.createdFrom);
}
