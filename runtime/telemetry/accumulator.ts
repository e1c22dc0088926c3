/**
 * Exact counters (and, with a baseline, profiles: ./profiles.ts) of one model version in the current window, and the
 * pending batches they are sealed into.
 * A sealed batch keeps its batchId for every retry; only batches never put on the wire are merged (so a batch the
 * monitor may already have stored is never resent with other counters under another id: no double counting).
 *
 * @example
 * ```ts
 * const acc = createAccumulator({ name: "titanic", version: "1.0.0" });
 * countRequest(acc, 12.5, errorIndex(200, undefined), Date.now());
 * const batch = sealBatch(acc, Date.now(), 0, crypto.randomUUID(), []);
 * ```
 */
import type { BatchProfile, Sample, TelemetryBatchInput } from "../../core/schema/telemetry.ts";
import {
  ERROR_CLASSES,
  type ErrorClass,
  LATENCY_BUCKETS_MS,
  type Target,
  type TelemetryBackend,
  type TelemetryRollout,
  TELEMETRY_VERSION,
} from "../../core/schema/telemetry-constants.ts";
import { bucketIndex } from "../../core/stats/histogram.ts";
import { type LookupCounters, lookupsToWire, mergeLookups, takeLookups } from "./lookups.ts";
import { mergeBatchProfiles, type ProfileSet } from "./profiles.ts";

export interface ModelRef {
  name: string;
  version: string;
}

/** Counters of one model version since its last seal: plain numbers and preallocated arrays, no per-request garbage. */
export interface Accumulator {
  model: ModelRef;
  windowStart: number;
  requests: number;
  errors: number[];
  latency: number[];
  latencySum: number;
  samples: Sample[];
  /** Present when the client was given the model's baseline. */
  profiles: ProfileSet | undefined;
  /** The version's arm in a rollout build, from its request events (fixed per version). */
  rollout?: TelemetryRollout | undefined;
  /** Feature lookups per view in the window (./lookups.ts); empty for models that look nothing up. */
  lookups: Map<string, LookupCounters>;
}

export interface PendingBatch {
  batchId: string;
  model: ModelRef;
  window: { start: number; end: number };
  requests: number;
  errors: number[];
  latency: number[];
  latencySum: number;
  dropped: number;
  samples: Sample[];
  profile: BatchProfile | undefined;
  rollout?: TelemetryRollout | undefined;
  lookups?: Map<string, LookupCounters> | undefined;
  /** Set when the batch is first put on the wire: from then on its content may be stored, so it is never merged. */
  attempted: boolean;
}

export function createAccumulator(model: ModelRef, profiles?: ProfileSet): Accumulator {
  return {
    model: { name: model.name, version: model.version },
    windowStart: 0,
    requests: 0,
    errors: new Array<number>(ERROR_CLASSES.length).fill(0),
    latency: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
    latencySum: 0,
    samples: [],
    profiles,
    lookups: new Map(),
  };
}

/** Index in ERROR_CLASSES of a request's error class; -1 for a success. */
export function errorIndex(status: number, errorClass: string | undefined): number {
  if (errorClass !== undefined) {
    const i = (ERROR_CLASSES as readonly string[]).indexOf(errorClass);
    if (i >= 0) return i;
  } else if (status < 400) {
    return -1;
  }
  return ERROR_CLASSES.indexOf(classOfStatus(status));
}

function classOfStatus(status: number): ErrorClass {
  if (status === 413) return "too_large";
  if (status === 415) return "unsupported_media";
  if (status === 422) return "unprocessable";
  if (status === 404 || status === 405) return "not_found";
  if (status === 503) return "unavailable";
  if (status >= 400 && status < 500) return "bad_request";
  return "internal";
}

export function countRequest(acc: Accumulator, latencyMs: number, errorIdx: number, now: number): void {
  if (acc.requests === 0) acc.windowStart = now;
  acc.requests++;
  acc.latency[bucketIndex(LATENCY_BUCKETS_MS, latencyMs)]!++;
  acc.latencySum += latencyMs;
  if (errorIdx >= 0) acc.errors[errorIdx]!++;
}

export const hasData = (acc: Accumulator): boolean => acc.requests > 0 || acc.samples.length > 0;

/** Move the accumulator's counters and the given samples into a new pending batch, and reset the counters. */
export function sealBatch(acc: Accumulator, now: number, dropped: number, batchId: string, samples: Sample[]): PendingBatch {
  const start = acc.requests > 0 ? acc.windowStart : now;
  const batch: PendingBatch = {
    batchId,
    model: acc.model,
    window: { start: Math.min(start, now), end: now },
    requests: acc.requests,
    errors: acc.errors.slice(),
    latency: acc.latency.slice(),
    latencySum: acc.latencySum,
    dropped,
    samples,
    // Only the first batch of a seal carries the window's profile, as it carries the counters.
    profile: acc.profiles?.take(),
    attempted: false,
  };
  if (acc.rollout !== undefined) batch.rollout = acc.rollout;
  // Like the profile, only the first batch of a seal carries the window's lookups.
  const lookups = takeLookups(acc.lookups);
  if (lookups !== undefined) batch.lookups = lookups;
  acc.requests = 0;
  acc.errors.fill(0);
  acc.latency.fill(0);
  acc.latencySum = 0;
  return batch;
}

/**
 * Add `from` into `into` (same model version, `into` never attempted). Counters add exactly; samples beyond
 * `maxSamples` are dropped and counted in `into.dropped`. Returns how many samples were dropped.
 */
export function mergeInto(into: PendingBatch, from: PendingBatch, maxSamples: number): number {
  into.window.start = Math.min(into.window.start, from.window.start);
  if (into.rollout === undefined && from.rollout !== undefined) into.rollout = from.rollout;
  into.window.end = Math.max(into.window.end, from.window.end);
  into.requests += from.requests;
  for (let i = 0; i < into.errors.length; i++) into.errors[i]! += from.errors[i]!;
  for (let i = 0; i < into.latency.length; i++) into.latency[i]! += from.latency[i]!;
  into.latencySum += from.latencySum;
  if (from.lookups !== undefined) mergeLookups((into.lookups ??= new Map()), from.lookups);
  if (from.profile !== undefined) into.profile = into.profile === undefined ? from.profile : mergeBatchProfiles(into.profile, from.profile);
  const room = Math.max(0, maxSamples - into.samples.length);
  const kept = from.samples.slice(0, room);
  const lost = from.samples.length - kept.length;
  into.samples.push(...kept);
  into.dropped += from.dropped + lost;
  return lost;
}

/**
 * The wire form of a pending batch (built per attempt: samples may have been trimmed since the last one). `backend`
 * is the client's, the same for every batch: a client serves one model on one device.
 */
export function toWire(p: PendingBatch, deployment: string, target: Target, backend?: TelemetryBackend): TelemetryBatchInput {
  const errors: Partial<Record<ErrorClass, number>> = {};
  for (let i = 0; i < ERROR_CLASSES.length; i++) if (p.errors[i]! > 0) errors[ERROR_CLASSES[i]!] = p.errors[i]!;
  return {
    v: TELEMETRY_VERSION,
    batchId: p.batchId,
    deployment,
    target,
    model: { name: p.model.name, version: p.model.version },
    window: { start: p.window.start, end: p.window.end },
    counters: {
      requests: p.requests,
      errors,
      latency: { bounds: [...LATENCY_BUCKETS_MS], counts: p.latency.slice(), sum: p.latencySum },
      dropped: p.dropped,
    },
    ...(p.profile !== undefined ? { profile: p.profile } : {}),
    ...(backend !== undefined ? { backend } : {}),
    ...(p.lookups !== undefined && p.lookups.size > 0 ? { lookups: lookupsToWire(p.lookups) } : {}),
    ...(p.rollout !== undefined ? { rollout: p.rollout.mode === undefined ? { arm: p.rollout.arm } : { arm: p.rollout.arm, mode: p.rollout.mode } } : {}),
    samples: p.samples,
  };
}
