/**
 * Live model quality from delayed labels: sampled rows joined with their labels (by request id, at read time),
 * scored per window and per slice value with core's metrics (core/metrics): binary accuracy, precision, recall, F1
 * and ROC-AUC from the sample's score; multiclass accuracy and macro-F1; regression MAE and RMSE; with counts.
 *
 * @example
 * ```ts
 * const rows = await store.labeledSamples({ deployment: "prod", from, to });
 * const perf = buildPerformance(rows, { from, to, stepMs: 3_600_000, task: "binary", positiveLabel: "yes", threshold: 0.5, slices: ["sex"] });
 * perf.total.overall.metrics.roc_auc;
 * ```
 */
import { createBinaryEvaluator } from "../../core/metrics/binary.ts";
import { createMulticlassEvaluator } from "../../core/metrics/multiclass.ts";
import type { MetricValues } from "../../core/metrics/names.ts";
import { createRegressionEvaluator } from "../../core/metrics/regression.ts";
import { SLICE_MISSING } from "../../core/schema/telemetry.ts";
import type { LabeledSample, LabelValue } from "../store/contract.ts";
import { windowStarts } from "./query.ts";

export type PerfTask = "binary" | "multiclass" | "regression";

export interface PerformanceOptions {
  from: number;
  to: number;
  stepMs: number;
  task: PerfTask;
  positiveLabel: string | undefined;
  /** Binary: score at or above which a prediction is positive. */
  threshold: number;
  slices: readonly string[];
}

export interface PerformanceCell {
  /** Labeled rows that could be scored. */
  labeled: number;
  /** Binary: rows whose label is positive. */
  positives?: number;
  metrics: MetricValues;
}

export interface PerformanceGroup {
  overall: PerformanceCell;
  slices: Record<string, Record<string, PerformanceCell>>;
}

/** A label counts as positive when it is the positive label (case-insensitive), true, 1 or "1". */
function isPositive(label: LabelValue, positiveLabel: string | undefined): boolean {
  if (typeof label === "boolean") return label;
  const s = String(label).toLowerCase();
  return (positiveLabel !== undefined && s === positiveLabel.toLowerCase()) || s === "1" || s === "true";
}

function field(prediction: unknown, key: "score" | "value" | "label"): unknown {
  return prediction !== null && typeof prediction === "object" && !Array.isArray(prediction) ? (prediction as Record<string, unknown>)[key] : undefined;
}

/** The number a prediction is scored by: its score (classifiers), its value (regression), or the bare number. */
function scoreOf(prediction: unknown): number | null {
  const v = typeof prediction === "number" ? prediction : (field(prediction, "score") ?? field(prediction, "value"));
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function labelOf(prediction: unknown): string | null {
  const v = typeof prediction === "string" || typeof prediction === "number" ? prediction : field(prediction, "label");
  return v === undefined || v === null ? null : String(v);
}

export function evaluateRows(rows: readonly LabeledSample[], o: Pick<PerformanceOptions, "task" | "positiveLabel" | "threshold">): PerformanceCell {
  if (o.task === "binary") {
    const labels: number[] = [];
    const scores: number[] = [];
    for (const r of rows) {
      const s = scoreOf(r.prediction);
      if (s === null) continue;
      labels.push(isPositive(r.label, o.positiveLabel) ? 1 : 0);
      scores.push(s);
    }
    const positives = labels.reduce((a, y) => a + y, 0);
    const metrics =
      labels.length > 0 ? createBinaryEvaluator(labels, scores, o.threshold)() : { accuracy: null, precision: null, recall: null, f1: null, roc_auc: null };
    return { labeled: labels.length, positives, metrics };
  }
  if (o.task === "regression") {
    const actual: number[] = [];
    const predicted: number[] = [];
    for (const r of rows) {
      const p = scoreOf(r.prediction);
      const y = typeof r.label === "number" ? r.label : Number(r.label);
      if (p === null || !Number.isFinite(y)) continue;
      actual.push(y);
      predicted.push(p);
    }
    return { labeled: actual.length, metrics: actual.length > 0 ? createRegressionEvaluator(actual, predicted)() : { mae: null, rmse: null } };
  }
  const classes = new Map<string, number>();
  const index = (c: string) => {
    const known = classes.get(c);
    if (known !== undefined) return known;
    classes.set(c, classes.size);
    return classes.size - 1;
  };
  const truth: number[] = [];
  const predicted: number[] = [];
  for (const r of rows) {
    const p = labelOf(r.prediction);
    if (p === null) continue;
    truth.push(index(String(r.label)));
    predicted.push(index(p));
  }
  return { labeled: truth.length, metrics: truth.length > 0 ? createMulticlassEvaluator(truth, predicted)() : { accuracy: null, macro_f1: null } };
}

/** A row's value of a slice feature: from its own features (exact per instance), else the request's slice values. */
function sliceValueOf(row: LabeledSample, key: string): string {
  const v = row.features !== null && Object.hasOwn(row.features, key) ? row.features[key] : row.slices?.[key];
  return v === null || v === undefined ? SLICE_MISSING : String(v);
}

function group(rows: readonly LabeledSample[], o: PerformanceOptions): PerformanceGroup {
  const slices: Record<string, Record<string, PerformanceCell>> = {};
  for (const key of o.slices) {
    const byValue = new Map<string, LabeledSample[]>();
    for (const r of rows) {
      const v = sliceValueOf(r, key);
      const list = byValue.get(v);
      if (list === undefined) byValue.set(v, [r]);
      else list.push(r);
    }
    slices[key] = Object.fromEntries([...byValue].sort(([a], [b]) => a.localeCompare(b)).map(([v, list]) => [v, evaluateRows(list, o)]));
  }
  return { overall: evaluateRows(rows, o), slices };
}

/** Metrics per window of `stepMs` (by the sample's time) and over the whole range. */
export function buildPerformance(
  rows: readonly LabeledSample[],
  o: PerformanceOptions,
): { windows: ({ t: number } & PerformanceGroup)[]; total: PerformanceGroup } {
  const byWindow = new Map<number, LabeledSample[]>();
  for (const r of rows) {
    if (r.ts < o.from || r.ts >= o.to) continue;
    const t = o.from + Math.floor((r.ts - o.from) / o.stepMs) * o.stepMs;
    const list = byWindow.get(t);
    if (list === undefined) byWindow.set(t, [r]);
    else list.push(r);
  }
  const inRange = rows.filter((r) => r.ts >= o.from && r.ts < o.to);
  return {
    windows: windowStarts(o.from, o.to, o.stepMs).map((t) => ({ t, ...group(byWindow.get(t) ?? [], o) })),
    total: group(inRange, o),
  };
}
