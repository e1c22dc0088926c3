/**
 * Feature lookups in telemetry (issue 16): each request's `LookupStats` (runtime/features/types.ts) added into the
 * window's per-view counters, sealed into the batch's `lookups` (core/schema/telemetry.ts), and merged when pending
 * batches are. Counts add, latencies and value ages go into the protocol's fixed buckets, the oldest age by max.
 *
 * The client never sends a batch the monitor would refuse: an event's numbers are fitted to the protocol's rules
 * (misses <= keys, expired <= misses, at most one age per hit, no negative ages from clock skew), and views past
 * `maxLookupViews` in a window, or with a name the protocol does not accept, are not counted.
 *
 * @example
 * ```ts
 * const views = new Map<string, LookupCounters>();
 * addLookups(views, { views: { customer: { keys: 2, misses: 1, expired: 0, latencyMs: 3.1, agesMs: [5_000] } } });
 * const wire = lookupsToWire(views); // { customer: { requests: 1, keys: 2, misses: 1, ... } }
 * ```
 */
import type { TelemetryBatchInput } from "../../core/schema/telemetry.ts";
import { AGE_BUCKETS_MS, LATENCY_BUCKETS_MS, TELEMETRY_LIMITS } from "../../core/schema/telemetry-constants.ts";
import { bucketIndex } from "../../core/stats/histogram.ts";
import type { LookupStats } from "../features/types.ts";
import { clampLatency } from "./samples.ts";

/** One view's lookups in a window: plain numbers and preallocated arrays. */
export interface LookupCounters {
  requests: number;
  keys: number;
  misses: number;
  expired: number;
  latency: number[];
  latencySum: number;
  age: number[];
  ageSum: number;
  ageMax: number;
}

type WireLookups = NonNullable<TelemetryBatchInput["lookups"]>;

/** A view name as the protocol accepts it (core/feature-views.ts's rule). */
const VIEW_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const newCounters = (): LookupCounters => ({
  requests: 0,
  keys: 0,
  misses: 0,
  expired: 0,
  latency: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
  latencySum: 0,
  age: new Array<number>(AGE_BUCKETS_MS.length + 1).fill(0),
  ageSum: 0,
  ageMax: 0,
});

/** Ages are capped at 1000 years: a value stamped near epoch 0 by mistake stays a finite, plausible number. */
const MAX_AGE_MS = 1000 * 365.25 * 86_400_000;

const toCount = (n: unknown): number => (Number.isSafeInteger(n) && (n as number) > 0 ? (n as number) : 0);

/** The counters of `view`, created while the window has room for another view; undefined when it has none. */
function countersFor(views: Map<string, LookupCounters>, view: string): LookupCounters | undefined {
  let c = views.get(view);
  if (c === undefined) {
    if (views.size >= TELEMETRY_LIMITS.maxLookupViews || view.length > TELEMETRY_LIMITS.maxName || !VIEW_NAME.test(view)) return undefined;
    views.set(view, (c = newCounters()));
  }
  return c;
}

/** Add one request's lookups into the window's counters. */
export function addLookups(views: Map<string, LookupCounters>, stats: LookupStats): void {
  for (const [view, s] of Object.entries(stats.views)) {
    const c = countersFor(views, view);
    if (c === undefined) continue;
    const keys = toCount(s.keys);
    const misses = Math.min(toCount(s.misses), keys);
    const latency = clampLatency(s.latencyMs);
    c.requests++;
    c.keys += keys;
    c.misses += misses;
    c.expired += Math.min(toCount(s.expired), misses);
    c.latency[bucketIndex(LATENCY_BUCKETS_MS, latency)]!++;
    c.latencySum += latency;
    const ages = Array.isArray(s.agesMs) ? s.agesMs : [];
    const hits = Math.min(ages.length, keys - misses);
    for (let i = 0; i < hits; i++) {
      const raw = ages[i];
      // A value stamped after the request (clock skew between the pusher and the edge) is counted as fresh.
      const age = typeof raw === "number" && Number.isFinite(raw) ? Math.min(Math.max(raw, 0), MAX_AGE_MS) : 0;
      c.age[bucketIndex(AGE_BUCKETS_MS, age)]!++;
      c.ageSum += age;
      if (age > c.ageMax) c.ageMax = age;
    }
  }
}

/** Take the window's counters (undefined when no request looked anything up), leaving the map empty. */
export function takeLookups(views: Map<string, LookupCounters>): Map<string, LookupCounters> | undefined {
  if (views.size === 0) return undefined;
  const taken = new Map(views);
  views.clear();
  return taken;
}

/** Add `from` into `into` (merging two pending batches), within the view bound. */
export function mergeLookups(into: Map<string, LookupCounters>, from: ReadonlyMap<string, LookupCounters>): void {
  for (const [view, f] of from) {
    const c = countersFor(into, view);
    if (c === undefined) continue;
    c.requests += f.requests;
    c.keys += f.keys;
    c.misses += f.misses;
    c.expired += f.expired;
    for (let i = 0; i < c.latency.length; i++) c.latency[i]! += f.latency[i]!;
    c.latencySum += f.latencySum;
    for (let i = 0; i < c.age.length; i++) c.age[i]! += f.age[i]!;
    c.ageSum += f.ageSum;
    c.ageMax = Math.max(c.ageMax, f.ageMax);
  }
}

/** The batch's `lookups` field. */
export function lookupsToWire(views: ReadonlyMap<string, LookupCounters>): WireLookups {
  const out: WireLookups = {};
  for (const [view, c] of views) {
    out[view] = {
      requests: c.requests,
      keys: c.keys,
      misses: c.misses,
      expired: c.expired,
      latency: { bounds: [...LATENCY_BUCKETS_MS], counts: c.latency.slice(), sum: c.latencySum },
      age: { bounds: [...AGE_BUCKETS_MS], counts: c.age.slice(), sum: c.ageSum, max: c.ageMax },
    };
  }
  return out;
}
