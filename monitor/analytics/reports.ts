/**
 * The drift and slice reports behind `GET /v1/drift` and `GET /v1/slices`, computed from stored profiles only:
 * per window and feature the chosen measure and every other one, and per slice value its share of traffic (against
 * the training share when the slice feature is in the baseline), its prediction rate and the features that drifted.
 *
 * @example
 * ```ts
 * const body = await driftReport(store, q); // q from parseAnalyticsQuery
 * ```
 */
import { alignCategories } from "../../core/drift/compare.ts";
import type { CategoricalBaseline, FeatureBaseline } from "../../core/schema/baseline.ts";
import { emptyProfile } from "../../core/stats/profile.ts";
import type { FeatureProfile, Profile } from "../../core/stats/profile-schema.ts";
import { MonitorError } from "../http-error.ts";
import type { BaselineRecord, MonitorStore } from "../store/contract.ts";
import { driftOf, PREDICTION, type DriftResult } from "./drift.ts";
import { requireBaseline, resolveSeries, windowStarts, type AnalyticsQuery } from "./query.ts";
import { mergeAll, mergeByWindow, rateParts, ratio } from "./windows.ts";

export interface Histogram {
  kind: "numeric" | "categorical";
  labels: string[];
  baseline: number[];
  current: number[];
  missing: { baseline: number; current: number };
}

const short = (x: number) => String(Number(x.toPrecision(4)));

function histogramOf(b: FeatureBaseline, c: FeatureProfile | undefined): Histogram {
  if (b.kind === "numeric") {
    const e = b.edges;
    const labels = e.length === 0 ? ["all"] : [`< ${short(e[0]!)}`, ...e.slice(1).map((x, i) => `${short(e[i]!)}–${short(x)}`), `≥ ${short(e[e.length - 1]!)}`];
    const current = c?.kind === "numeric" ? c.counts : new Array<number>(b.counts.length).fill(0);
    return { kind: "numeric", labels, baseline: b.counts, current, missing: { baseline: b.missing, current: c?.missing ?? 0 } };
  }
  const profile = c?.kind === "categorical" ? c : { kind: "categorical" as const, counts: {}, other: 0, missing: 0, unseen: {} };
  const { labels, expected, actual } = alignCategories(b, profile);
  return { kind: "categorical", labels, baseline: expected, current: actual, missing: { baseline: b.missing, current: profile.missing } };
}

function histograms(record: BaselineRecord, p: Profile): Record<string, Histogram> {
  const b = record.baseline;
  const out: [string, Histogram][] = Object.entries(b.features).map(([name, f]) => [
    name,
    histogramOf(f, Object.hasOwn(p.features, name) ? p.features[name] : undefined),
  ]);
  if (b.prediction) out.push([PREDICTION, histogramOf(b.prediction, p.prediction)]);
  return Object.fromEntries(out);
}

function header(q: AnalyticsQuery, record: BaselineRecord) {
  return {
    deployment: q.deployment,
    model: record.model,
    version: record.version,
    from: q.from,
    to: q.to,
    stepMs: q.stepMs,
    thresholds: record.config.thresholds,
  };
}

/** `GET /v1/drift`: drift per window (overall, or of one slice value with `slice=key=value`). */
export async function driftReport(store: MonitorStore, q: AnalyticsQuery, opts: { histograms: boolean }) {
  const record = requireBaseline(await resolveSeries(store, q), q.deployment);
  if (q.slice !== undefined && q.slice.value === undefined) {
    throw new MonitorError(400, "INVALID_QUERY", "drift of a slice needs its value: slice=<feature>=<value>", { hint: "see GET /v1/slices for the values" });
  }
  const rows = await store.profiles({
    deployment: q.deployment,
    model: record.model,
    version: record.version,
    from: q.from,
    to: q.to,
    slices: q.slice ? { key: q.slice.key } : "overall",
  });
  const pick = (w: { overall: Profile | undefined; slices: Map<string, Map<string, Profile>> } | undefined) =>
    q.slice ? w?.slices.get(q.slice.key)?.get(q.slice.value ?? "") : w?.overall;
  const byWindow = mergeByWindow(rows, q.from, q.stepMs);
  const windows = windowStarts(q.from, q.to, q.stepMs).map((t) => {
    const p = pick(byWindow.get(t));
    return p === undefined ? { t, rows: 0, drifted: [], features: {} } : { t, ...driftOf(record.baseline, p, record.config.thresholds) };
  });
  const body = { ...header(q, record), slice: q.slice ?? null, windows };
  if (!opts.histograms) return body;
  const all = pick(mergeAll(rows)) ?? emptyProfile(record.baseline);
  return { ...body, total: driftOf(record.baseline, all, record.config.thresholds), histograms: histograms(record, all) };
}

export interface SliceValueReport {
  value: string;
  rows: number;
  share: number | null;
  /** The value's share of the training rows, when the slice feature is a categorical baseline feature. */
  baselineShare: number | null;
  rate: number | null;
  /** Features that drifted in this slice vs the (overall) training baseline; the slice feature itself is left out. */
  drifted: string[];
  drift: DriftResult;
}

/** `GET /v1/slices`: every slice value over the range. */
export async function slicesReport(store: MonitorStore, q: AnalyticsQuery) {
  const record = requireBaseline(await resolveSeries(store, q), q.deployment);
  const rows = await store.profiles({
    deployment: q.deployment,
    model: record.model,
    version: record.version,
    from: q.from,
    to: q.to,
    slices: q.slice ? { key: q.slice.key } : "all",
  });
  const all = mergeAll(rows);
  const total = all.overall?.rows ?? 0;
  const positive = record.config.positiveLabel;
  const rateOf = (p: Profile) => {
    const parts = rateParts(p, positive);
    return parts === undefined ? null : ratio(parts.num, parts.den);
  };
  const slices = [...all.slices]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, values]) => {
      const b = Object.hasOwn(record.baseline.features, key) ? record.baseline.features[key] : undefined;
      const training = b?.kind === "categorical" ? trainingShares(b) : undefined;
      const out = [...values]
        .sort(([, x], [, y]) => y.rows - x.rows)
        .map(([value, p]): SliceValueReport => {
          const drift = driftOf(record.baseline, p, record.config.thresholds);
          return {
            value,
            rows: p.rows,
            share: ratio(p.rows, total),
            baselineShare: training === undefined ? null : (training.get(value) ?? 0),
            rate: rateOf(p),
            drifted: drift.drifted.filter((f) => f !== key),
            drift,
          };
        });
      return { key, values: out };
    });
  const measure = all.overall ? (rateParts(all.overall, positive)?.measure ?? null) : null;
  return {
    ...header(q, record),
    rows: total,
    rateMeasure: measure,
    positiveLabel: positive ?? null,
    overallRate: all.overall ? rateOf(all.overall) : null,
    slices,
  };
}

function trainingShares(b: CategoricalBaseline): Map<string, number> {
  const n = Object.values(b.counts).reduce((a, c) => a + c, 0) + b.other + b.missing;
  return new Map(Object.entries(b.counts).map(([k, c]) => [k, n > 0 ? c / n : 0]));
}
