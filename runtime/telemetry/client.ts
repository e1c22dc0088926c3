/**
 * The portable telemetry client (workerd, Deno, browsers, Node): exact counters of every request, profiles of every
 * served instance in the baseline's bins (when given the model's baseline), sampled rows, and batches delivered to the monitor at least once, identified by batchId so the monitor stores each once.
 * Memory bounds and the merging of pending batches are explained in ./buffer.ts.
 *
 * @example
 * ```ts
 * const telemetry = createTelemetry({ endpoint: env.EDGE_ML_MONITOR_URL, token: env.EDGE_ML_MONITOR_TOKEN, deployment: "prod", target: "worker",
 *   baseline: manifest.baseline, slices: manifest.slices });
 * telemetry.record({ model: { name: "titanic", version: "1.0.0" }, requestId, latencyMs: 3.2, status: 200, features, predictions });
 * if (telemetry.shouldFlush()) ctx.waitUntil(telemetry.flush());
 * ```
 */
import { TELEMETRY_LIMITS } from "../../core/schema/telemetry-constants.ts";
import { countRequest, errorIndex, toWire, type PendingBatch } from "./accumulator.ts";
import { fitBackend } from "./backend.ts";
import { addLookups } from "./lookups.ts";
import { createBuffer } from "./buffer.ts";
import { createProfileSet, DEFAULT_MAX_SLICE_VALUES } from "./profiles.ts";
import { announceOnce, parseRefusal, refusalLine, type Refusal } from "./refusal.ts";
import { buildSamples, clampLatency, createSamplePolicy } from "./samples.ts";
import { isSampled } from "./sampling.ts";
import { BEACON_MAX_BYTES, postWithRetry, sendOnUnload, serializeBatch, type PostContext } from "./transport.ts";
import type { Telemetry, TelemetryEvent, TelemetryOptions, TelemetryStats } from "./types.ts";

/** Requests queued before record() does their accounting itself (bounds memory when nothing yields to timers). */
const MAX_QUEUED = 64;

export function createTelemetry(opts: TelemetryOptions): Telemetry {
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const sampleRate = opts.sampleRate ?? 0.01;
  if (!(sampleRate >= 0 && sampleRate <= 1)) throw new RangeError(`sampleRate must be in 0..1, got ${sampleRate}`);
  const interval = opts.flushIntervalMs ?? 10_000;
  const maxBatch = Math.min(positive("maxBatchSamples", opts.maxBatchSamples ?? 500), TELEMETRY_LIMITS.maxSamples);
  const { baseline, slices = [], maxSliceValues = DEFAULT_MAX_SLICE_VALUES } = opts;
  const backend = fitBackend(opts.backend);
  if (baseline !== undefined) createProfileSet(baseline, slices, maxSliceValues); // fail here, not on the first request
  const buffer = createBuffer({
    newProfiles: baseline === undefined ? undefined : () => createProfileSet(baseline, slices, maxSliceValues),
    maxBuffered: positive("maxBufferedSamples", opts.maxBufferedSamples ?? 1000),
    maxBatch,
    maxPending: positive("maxPendingBatches", opts.maxPendingBatches ?? 10),
    newId,
  });
  const policy = createSamplePolicy({ redact: opts.redact, hash: opts.hash, hashSalt: opts.hashSalt, maxPerRequest: opts.maxSamplesPerRequest });
  // Late-bound: some runtimes refuse a detached `fetch` ("Illegal invocation").
  const fetchFn: typeof fetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const post: PostContext = {
    url: `${opts.endpoint.replace(/\/+$/, "")}/v1/ingest`,
    token: opts.token,
    fetch: fetchFn,
    maxAttempts: positive("maxAttempts", opts.maxAttempts ?? 4),
    retryBaseMs: opts.retryBaseMs ?? 250,
    timeoutMs: opts.timeoutMs ?? 5000,
    sleep: opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random,
  };
  const onError = opts.onError ?? (() => {});
  const log = opts.log ?? ((line: string) => console.error(line));
  const refusalPauseMs = opts.refusalPauseMs ?? 600_000;
  const hashing = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    hashing.add(p);
    void p.finally(() => hashing.delete(p));
  };
  const totals = { sent: 0, rejected: 0, lastError: undefined as string | undefined };
  let oldestUnsealed = Number.POSITIVE_INFINITY;
  let notBefore = 0; // after a failed flush, even size-triggered flushes wait
  let failures = 0;
  let inFlight: Promise<void> | undefined;
  let refusal: Refusal | undefined;
  let pausedUntil = 0; // after a refusal (401/403): nothing is sent before this

  // record() only queues: the accounting (profiles of every instance, samples) runs in drain(), which the hook
  // schedules after the response (Workers: in ctx.waitUntil), and which everything that reads the counters runs first.
  const queued: TelemetryEvent[] = [];
  const queuedAt: number[] = [];

  function record(event: TelemetryEvent): void {
    queued.push(event);
    queuedAt.push(now());
    if (queued.length >= MAX_QUEUED) drain();
  }

  function drain(): void {
    for (let i = 0; i < queued.length; i++) account(queued[i] as TelemetryEvent, queuedAt[i] as number);
    queued.length = 0;
    queuedAt.length = 0;
  }

  function account(event: TelemetryEvent, t: number): void {
    try {
      const acc = buffer.accumulatorFor(event.model);
      const err = errorIndex(event.status, event.errorClass);
      countRequest(acc, clampLatency(event.latencyMs), err, t);
      if (t < oldestUnsealed) oldestUnsealed = t;
      // Profiles describe what the model served: instances of failed requests were not served.
      if (err < 0 && acc.profiles && event.features !== undefined) acc.profiles.add(event.features, event.predictions);
      if (event.rollout !== undefined) acc.rollout = event.rollout;
      // Lookups count on every request that made them, failed or not: a store that is down is what they should show.
      if (event.lookup !== undefined) addLookups(acc.lookups, event.lookup);
      // One decision per request id, the same in every client of the build (./sampling.ts): shadow pairs stay complete.
      if (err < 0 && !isSampled(event.requestId, sampleRate)) return;
      for (const sample of buildSamples(event, t, err, policy, track)) buffer.hold(acc, sample);
    } catch (error) {
      // record() runs inside the request path: telemetry must never fail a prediction.
      totals.lastError = error instanceof Error ? error.message : String(error);
    }
  }

  function seal(): void {
    drain();
    buffer.seal(now());
    oldestUnsealed = Number.POSITIVE_INFINITY;
  }

  function fail(error: Error): void {
    totals.lastError = error.message;
    try {
      onError(error);
    } catch {
      // onError must not break delivery
    }
  }

  /** Forget every pending batch, counting it as lost to the refusal. */
  function dropPending(r: Refusal): void {
    for (const p of [...buffer.pending]) {
      if (!buffer.remove(p)) continue;
      r.droppedBatches++;
      r.droppedRequests += p.requests;
    }
  }

  function refuse(outcome: { status: number; error: Error; body: string }): void {
    const t = now();
    const parsed = parseRefusal(outcome.status, outcome.body);
    const r: Refusal = { ...parsed, at: t, droppedBatches: refusal?.droppedBatches ?? 0, droppedRequests: refusal?.droppedRequests ?? 0 };
    refusal = r;
    // Hard back-off instead of retries: the same credentials get the same answer. A probe after the pause covers a
    // monitor that was pointed at the wrong database and is fixed without redeploying the edge.
    pausedUntil = t + refusalPauseMs;
    notBefore = pausedUntil;
    dropPending(r);
    if (announceOnce(`${post.url}\u0000${opts.deployment}\u0000${outcome.status}`)) {
      try {
        log(refusalLine(opts.endpoint, opts.deployment, parsed, refusalPauseMs));
      } catch {
        // logging must not break delivery
      }
    }
    fail(outcome.error);
  }

  async function deliver(): Promise<void> {
    seal();
    if (hashing.size > 0) await Promise.allSettled([...hashing]);
    if (refusal !== undefined && now() < pausedUntil) return dropPending(refusal);
    // In order, stopping at the first batch that fails: the batches after it stay unattempted, so they can still
    // absorb new counters while the monitor is down (see ./buffer.ts).
    for (const p of [...buffer.pending]) {
      if (!buffer.pending.includes(p)) continue; // handed to a beacon meanwhile
      p.attempted = true;
      const outcome = await postWithRetry(serializeBatch(toWire(p, opts.deployment, opts.target, backend)), post);
      if (outcome.kind === "refused") return refuse(outcome);
      if (outcome.kind === "failed") {
        failures++;
        notBefore = now() + interval * Math.min(2 ** (failures - 1), 32);
        return fail(outcome.error);
      }
      buffer.remove(p);
      if (outcome.kind === "ok") totals.sent++;
      else {
        totals.rejected++;
        fail(outcome.error);
      }
    }
    failures = 0;
    notBefore = 0;
  }

  function flush(): Promise<void> {
    inFlight ??= deliver()
      .catch((error: unknown) => fail(error instanceof Error ? error : new Error(String(error))))
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  }

  function shouldFlush(): boolean {
    drain();
    if (inFlight !== undefined) return false;
    const t = now();
    if (t < notBefore) return false;
    if (buffer.state.unsealed >= maxBatch || t - oldestUnsealed >= interval) return true;
    return buffer.pending.length > 0 && notBefore > 0; // a failed flush's backoff has passed
  }

  function flushBeacon(): boolean {
    seal();
    let handed = false;
    let budget = BEACON_MAX_BYTES; // shared by every body handed off now (the browser's keepalive quota)
    const delivered = (p: PendingBatch) => {
      if (buffer.remove(p)) totals.sent++;
    };
    for (const p of [...buffer.pending]) {
      let body = serializeBatch(toWire(p, opts.deployment, opts.target, backend));
      // Counters always go; samples are shed (and counted as dropped) until the body fits.
      while (byteLength(body) > budget && p.samples.length > 0) {
        buffer.shed(p, Math.ceil(p.samples.length / 2));
        body = serializeBatch(toWire(p, opts.deployment, opts.target, backend));
      }
      const bytes = byteLength(body);
      if (bytes > budget) break;
      p.attempted = true;
      const result = sendOnUnload(post.url, opts.token, body, fetchFn, (done) => void (done && delivered(p)));
      if (result === "unavailable") break;
      handed = true;
      budget -= bytes;
      if (result === "queued") delivered(p);
    }
    return handed;
  }

  function stats(): TelemetryStats {
    drain();
    let pendingSamples = 0;
    for (const p of buffer.pending) pendingSamples += p.samples.length;
    return {
      pendingBatches: buffer.pending.length,
      pendingSamples,
      bufferedSamples: buffer.state.unsealed,
      dropped: buffer.state.droppedTotal,
      sentBatches: totals.sent,
      rejectedBatches: totals.rejected,
      lastError: totals.lastError,
      refused: refusal === undefined ? undefined : { ...refusal },
    };
  }

  return { record, drain, shouldFlush, flush, flushBeacon, stats };
}

function positive(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`);
  return n;
}

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** A batch id: crypto.randomUUID where it exists (not in insecure browser contexts), else 16 random bytes in hex. */
function newId(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === "function") return c.randomUUID();
  let hex = "";
  for (const b of c.getRandomValues(new Uint8Array(16))) hex += b.toString(16).padStart(2, "0");
  return hex;
}
