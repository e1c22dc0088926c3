/**
 * Pre-aggregated profile rows (one per bucket and slice value) added up per window: the only way analytics read
 * traffic, so a query costs the number of buckets in its range, not the number of requests behind them.
 *
 * @example
 * ```ts
 * const windows = mergeByWindow(await store.profiles(q), q.from, q.stepMs);
 * windows.get(t)?.overall; // the Profile of every request in [t, t + step)
 * ```
 */
import { mergeProfiles, type Profile } from "../../core/stats/profile.ts";
import type { ProfileRow } from "../store/contract.ts";

export interface WindowProfiles {
  overall: Profile | undefined;
  /** slice feature → value → profile */
  slices: Map<string, Map<string, Profile>>;
}

function addTo(map: Map<string, Profile>, key: string, p: Profile): void {
  const mine = map.get(key);
  map.set(key, mine === undefined ? p : mergeProfiles(mine, p));
}

/** Group rows by window start (`from + k·step`) and add them up, overall and per slice value. */
export function mergeByWindow(rows: readonly ProfileRow[], from: number, stepMs: number): Map<number, WindowProfiles> {
  const out = new Map<number, WindowProfiles>();
  for (const r of rows) {
    const t = from + Math.floor((r.bucket - from) / stepMs) * stepMs;
    let w = out.get(t);
    if (w === undefined) out.set(t, (w = { overall: undefined, slices: new Map() }));
    if (r.sliceKey === "") {
      w.overall = w.overall === undefined ? r.profile : mergeProfiles(w.overall, r.profile);
      continue;
    }
    let values = w.slices.get(r.sliceKey);
    if (values === undefined) w.slices.set(r.sliceKey, (values = new Map()));
    addTo(values, r.sliceValue, r.profile);
  }
  return out;
}

/** Everything in the range as one window. */
export function mergeAll(rows: readonly ProfileRow[]): WindowProfiles {
  return mergeByWindow(rows, 0, Number.MAX_SAFE_INTEGER).get(0) ?? { overall: undefined, slices: new Map() };
}

export type RateMeasure = "positive_rate" | "mean_prediction";

/**
 * What the prediction rate of a profile is made of: positives over predictions (binary classifiers with a known
 * positive label), else the sum of the numeric prediction (score or value) over its count. Kept as a ratio so windows
 * pool exactly: the trailing rate is the sum of numerators over the sum of denominators.
 */
export function rateParts(p: Profile, positiveLabel: string | undefined): { measure: RateMeasure; num: number; den: number; sq: number } | undefined {
  if (positiveLabel !== undefined && p.predictionLabel !== undefined) {
    const counts = p.predictionLabel.counts;
    const den = Object.values(counts).reduce((a, c) => a + c, 0) + p.predictionLabel.other;
    const num = Object.hasOwn(counts, positiveLabel) ? (counts[positiveLabel] ?? 0) : 0;
    return { measure: "positive_rate", num, den, sq: num };
  }
  if (p.prediction?.kind === "numeric") return { measure: "mean_prediction", num: p.prediction.sum, den: p.prediction.count, sq: p.prediction.sumSq };
  return undefined;
}

export const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);
