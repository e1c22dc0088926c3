/**
 * Prediction-rate monitoring: per window the positive rate (binary classifiers: share of predictions with the
 * positive label) or the mean prediction (score or value), overall and per slice value, against its trailing average
 * (the rate pooled over the previous `trailingWindows` windows), with the deviation in percent.
 *
 * @example
 * ```ts
 * const rows = await store.profiles({ ..., from: from - 24 * step, to, slices: "all" });
 * const series = rateSeries(rows, { from, to, stepMs: step, trailingWindows: 24, positiveLabel: "yes" });
 * series.windows.at(-1)?.overall.deviationPct;
 * ```
 */
import { chiSquareSf } from "../../core/drift/chi-square.ts";
import type { Profile } from "../../core/stats/profile.ts";
import type { ProfileRow } from "../store/contract.ts";
import { windowStarts } from "./query.ts";
import { mergeByWindow, rateParts, ratio, type RateMeasure } from "./windows.ts";

export interface RateCell {
  /** Predictions the rate is over. */
  rows: number;
  rate: number | null;
  /** Pooled over the trailing windows; null without trailing data. */
  trailing: number | null;
  trailingRows: number;
  /** 100 · (rate − trailing) / trailing; null when either is missing or the trailing rate is 0. */
  deviationPct: number | null;
  /**
   * Two-sided p-value of the difference (a z-test on the two means with their own variances: a proportion's for the
   * positive rate, the score's for the mean prediction). A small window moves a lot by chance; this says how much.
   */
  pValue: number | null;
}

interface RateWindow {
  t: number;
  overall: RateCell;
  slices: Record<string, Record<string, RateCell>>;
}

interface Parts {
  num: number;
  den: number;
  /** Sum of squares of what `num` sums (for a 0/1 label, `num` itself): the variance, for the test. */
  sq: number;
}

function zTest(a: Parts, b: Parts): number | null {
  if (a.den < 2 || b.den < 2) return null;
  const m1 = a.num / a.den;
  const m2 = b.num / b.den;
  const v1 = Math.max(0, a.sq / a.den - m1 * m1);
  const v2 = Math.max(0, b.sq / b.den - m2 * m2);
  const se = Math.sqrt(v1 / a.den + v2 / b.den);
  if (se === 0) return m1 === m2 ? 1 : 0;
  const z = (m1 - m2) / se;
  return chiSquareSf(z * z, 1); // P(|Z| >= |z|) = P(chi²(1) >= z²)
}

export function rateSeries(
  rows: readonly ProfileRow[],
  o: { from: number; to: number; stepMs: number; trailingWindows: number; positiveLabel: string | undefined },
) {
  const start = o.from - o.trailingWindows * o.stepMs;
  const windows = mergeByWindow(rows, start, o.stepMs);
  let measure: RateMeasure | null = null;
  const parts = (p: Profile | undefined): Parts | undefined => {
    if (p === undefined) return undefined;
    const r = rateParts(p, o.positiveLabel);
    if (r === undefined) return undefined;
    measure ??= r.measure;
    return { num: r.num, den: r.den, sq: r.sq };
  };
  // Per window: overall and per "key\0value" parts, from the first trailing window on.
  const perWindow = new Map<number, Map<string, Parts>>();
  for (const t of windowStarts(start, o.to, o.stepMs)) {
    const w = windows.get(t);
    const m = new Map<string, Parts>();
    const overall = parts(w?.overall);
    if (overall) m.set("", overall);
    for (const [key, values] of w?.slices ?? [])
      for (const [value, p] of values) {
        const sp = parts(p);
        if (sp) m.set(`${key}\u0000${value}`, sp);
      }
    perWindow.set(t, m);
  }
  const cell = (t: number, id: string): RateCell => {
    const own = perWindow.get(t)?.get(id) ?? { num: 0, den: 0, sq: 0 };
    const before = { num: 0, den: 0, sq: 0 };
    for (let k = 1; k <= o.trailingWindows; k++) {
      const p = perWindow.get(t - k * o.stepMs)?.get(id);
      if (p) {
        before.num += p.num;
        before.den += p.den;
        before.sq += p.sq;
      }
    }
    const rate = ratio(own.num, own.den);
    const trailing = ratio(before.num, before.den);
    const deviationPct = rate !== null && trailing !== null && trailing !== 0 ? (100 * (rate - trailing)) / trailing : null;
    return { rows: own.den, rate, trailing, trailingRows: before.den, deviationPct, pValue: zTest(own, before) };
  };
  const out: RateWindow[] = windowStarts(o.from, o.to, o.stepMs).map((t) => {
    const slices = new Map<string, [string, RateCell][]>();
    for (const id of perWindow.get(t)?.keys() ?? []) {
      if (id === "") continue;
      const [key, value] = id.split("\u0000") as [string, string];
      const list = slices.get(key) ?? [];
      list.push([value, cell(t, id)]);
      slices.set(key, list);
    }
    return { t, overall: cell(t, ""), slices: Object.fromEntries([...slices].map(([k, list]) => [k, Object.fromEntries(list)])) };
  });
  // Assigned inside `parts`, which the compiler's narrowing does not follow.
  return { measure: measure as RateMeasure | null, windows: out };
}
