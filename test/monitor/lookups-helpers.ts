/**
 * Builders of the telemetry batch's `lookups` (issue 16) for the monitor tests: one view's lookups from the raw
 * numbers a client would have counted (store read times per request, ages of the values served).
 *
 * @example
 * ```ts
 * makeBatch({ lookups: { customer: viewLookups({ keys: 4, misses: 1, latenciesMs: [2, 3], agesMs: [1000, 2000, 90_000] }) } });
 * ```
 */
import { AGE_BUCKETS_MS, LATENCY_BUCKETS_MS, type TelemetryBatchInput } from "../../core/schema/telemetry.ts";
import { bucketIndex } from "../../core/stats/histogram.ts";

type ViewLookupsInput = NonNullable<TelemetryBatchInput["lookups"]>[string];

function histogram(bounds: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  for (const v of values) counts[bucketIndex(bounds, v)]!++;
  return counts;
}

/** A valid view entry: one request per latency, `agesMs.length` hits (<= keys - misses). */
export function viewLookups(o: {
  keys: number;
  misses: number;
  expired?: number;
  latenciesMs: readonly number[];
  agesMs: readonly number[];
}): ViewLookupsInput {
  return {
    requests: o.latenciesMs.length,
    keys: o.keys,
    misses: o.misses,
    expired: o.expired ?? 0,
    latency: { bounds: [...LATENCY_BUCKETS_MS], counts: histogram(LATENCY_BUCKETS_MS, o.latenciesMs), sum: o.latenciesMs.reduce((a, n) => a + n, 0) },
    age: {
      bounds: [...AGE_BUCKETS_MS],
      counts: histogram(AGE_BUCKETS_MS, o.agesMs),
      sum: o.agesMs.reduce((a, n) => a + n, 0),
      max: o.agesMs.reduce((a, n) => Math.max(a, n), 0),
    },
  };
}
