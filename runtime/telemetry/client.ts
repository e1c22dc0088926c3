/**
 * The portable telemetry client (workerd, Deno, browsers, Node): exact counters of every request, sampled rows,
 * and batches delivered to the monitor at least once, identified by batchId so the monitor stores them once.
 *
 * Memory is bounded: one accumulator per model version, at most `maxBufferedSamples` samples held (unsent and
 * pending together; when full, the oldest pending batch gives up a sample, else the new one is dropped, and every
 * drop is counted in the next batch's `dropped`), and past `maxPendingBatches` new counters are added into a pending
 * batch that was never put on the wire, so counters stay exact however long the monitor is down.
 *
 * @example
 * ```ts
 * const telemetry = createTelemetry({ endpoint: env.EDGE_ML_MONITOR_URL, token: env.EDGE_ML_MONITOR_TOKEN, deployment: "prod", target: "worker" });
 * telemetry.record({ model: { name: "titanic", version: "1.0.0" }, requestId, latencyMs: 3.2, status: 200, features, predictions });
 * if (telemetry.shouldFlush()) ctx.waitUntil(telemetry.flush());
 * ```
 */
import { TELEMETRY_LIMITS } from "../../core/schema/telemetry.ts";
import { createAccumulator, countRequest, errorIndex, hasData, mergeInto, sealBatch, toWire, type Accumulator, type PendingBatch } from "./accumulator.ts";
import { buildSamples, clampLatency, createSamplePolicy } from "./samples.ts";
import { BEACON_MAX_BYTES, postWithRetry, sendOnUnload, serializeBatch, type PostContext } from "./transport.ts";
import type { Telemetry, TelemetryEvent, TelemetryOptions, TelemetryStats } from "./types.ts";

export function createTelemetry(opts: TelemetryOptions): Telemetry {
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const sampleRate = opts.sampleRate ?? 0.01;
  if (!(sampleRate >= 0 && sampleRate <= 1)) throw new RangeError(`sampleRate must be in 0..1, got ${sampleRate}`);
  const maxBuffered = positive("maxBufferedSamples", opts.maxBufferedSamples ?? 1000);
  const maxBatch = Math.min(positive("maxBatchSamples", opts.maxBatchSamples ?? 500), TELEMETRY_LIMITS.maxSamples);
  const maxPending = positive("maxPendingBatches", opts.maxPendingBatches ?? 10);
  const interval = opts.flushIntervalMs ?? 10_000;
  const policy = createSamplePolicy({ redact: opts.redact, hash: opts.hash, hashSalt: opts.hashSalt, maxPerRequest: opts.maxSamplesPerRequest });
  const fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
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

  // name → version → accumulator: two Map lookups per request and no key string built.
  const accumulators = new Map<string, Map<string, Accumulator>>();
  const pending: PendingBatch[] = [];
  const hashing = new Set<Promise<void>>();
  let unsealed = 0; // samples in accumulators
  let held = 0; // samples in accumulators + pending batches
  let droppedSinceBatch = 0;
  const totals = { dropped: 0, sent: 0, rejected: 0, lastError: undefined as string | undefined };
  let oldestUnsealed = Number.POSITIVE_INFINITY;
  let notBefore = 0; // after a failed flush, size-triggered flushes wait too
  let failures = 0;
  let inFlight: Promise<void> | undefined;

  const track = (p: Promise<void>) => {
    hashing.add(p);
    void p.finally(() => hashing.delete(p));
  };

  function accumulatorFor(model: TelemetryEvent["model"]): Accumulator {
    let versions = accumulators.get(model.name);
    if (versions === undefined) accumulators.set(model.name, (versions = new Map()));
    let acc = versions.get(model.version);
    if (acc === undefined) versions.set(model.version, (acc = createAccumulator(model)));
    return acc;
  }

  function drop(n: number): void {
    droppedSinceBatch += n;
    totals.dropped += n;
  }

  /** Make room for one sample: take it from the oldest pending batch that still has samples. */
  function evictOldest(): boolean {
    for (const p of pending) {
      if (p.samples.length > 0) {
        p.samples.pop();
        held--;
        drop(1);
        return true;
      }
    }
    return false;
  }

  function record(event: TelemetryEvent): void {
    try {
      const t = now();
      const acc = accumulatorFor(event.model);
      const latency = clampLatency(event.latencyMs);
      const err = errorIndex(event.status, event.errorClass);
      countRequest(acc, latency, err, t);
      if (t < oldestUnsealed) oldestUnsealed = t;
      if (err < 0 && !(sampleRate > 0 && random() < sampleRate)) return;
      for (const sample of buildSamples(event, t, err, policy, track)) {
        if (held >= maxBuffered && !evictOldest()) {
          drop(1);
          continue;
        }
        acc.samples.push(sample);
        unsealed++;
        held++;
      }
    } catch (error) {
      // record() runs inside the request path: telemetry must never fail a prediction.
      totals.lastError = error instanceof Error ? error.message : String(error);
    }
  }

  /** Move every accumulator into pending batches (split by maxBatch samples), merging past maxPending. */
  function seal(): void {
    const t = now();
    for (const versions of accumulators.values()) {
      for (const [version, acc] of versions) {
        if (!hasData(acc)) {
          versions.delete(version); // a version with no traffic for a whole window is forgotten
          continue;
        }
        const samples = acc.samples;
        acc.samples = [];
        unsealed -= samples.length;
        for (let i = 0; i === 0 || i < samples.length; i += maxBatch) {
          const chunk = samples.slice(i, i + maxBatch);
          const dropped = droppedSinceBatch;
          droppedSinceBatch = 0;
          // Only the first chunk carries the counters: sealBatch resets them.
          const batch = sealBatch(acc, t, dropped, newId(), chunk);
          const into = pending.length >= maxPending ? mergeTarget(batch) : undefined;
          if (into === undefined) pending.push(batch);
          else {
            const lost = mergeInto(into, batch, maxBatch);
            held -= lost;
            totals.dropped += lost;
          }
        }
      }
    }
    oldestUnsealed = Number.POSITIVE_INFINITY;
  }

  /** The newest pending batch of the same model version that was never put on the wire. */
  function mergeTarget(batch: PendingBatch): PendingBatch | undefined {
    for (let i = pending.length - 1; i >= 0; i--) {
      const p = pending[i]!;
      if (!p.attempted && p.model.name === batch.model.name && p.model.version === batch.model.version) return p;
    }
    return undefined;
  }

  function remove(p: PendingBatch): void {
    const i = pending.indexOf(p);
    if (i < 0) return;
    pending.splice(i, 1);
    held -= p.samples.length;
  }

  async function deliver(): Promise<void> {
    seal();
    if (hashing.size > 0) await Promise.allSettled([...hashing]);
    // In order, stopping at the first batch that fails: the batches after it stay unattempted, so they can
    // still absorb new counters (see mergeTarget) while the monitor is down.
    for (const p of [...pending]) {
      if (!pending.includes(p)) continue; // handed to a beacon meanwhile
      p.attempted = true;
      const outcome = await postWithRetry(serializeBatch(toWire(p, opts.deployment, opts.target)), post);
      if (outcome.kind === "failed") {
        failures++;
        notBefore = now() + interval * Math.min(2 ** (failures - 1), 32);
        fail(outcome.error);
        return;
      }
      remove(p);
      if (outcome.kind === "ok") totals.sent++;
      else {
        totals.rejected++;
        fail(outcome.error);
      }
    }
    failures = 0;
    notBefore = 0;
  }

  function fail(error: Error): void {
    totals.lastError = error.message;
    try {
      onError(error);
    } catch {
      // onError must not break delivery
    }
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
    if (inFlight !== undefined) return false;
    const t = now();
    if (t < notBefore) return false;
    if (unsealed >= maxBatch) return true;
    if (t - oldestUnsealed >= interval) return true;
    return pending.length > 0 && notBefore > 0;
  }

  function flushBeacon(): boolean {
    seal();
    let handed = false;
    let budget = BEACON_MAX_BYTES; // shared by every body handed off now (the browser's keepalive quota)
    for (const p of [...pending]) {
      let body = serializeBatch(toWire(p, opts.deployment, opts.target));
      // Counters always go; samples are trimmed (and counted as dropped) until the body fits.
      while (byteLength(body) > budget && p.samples.length > 0) {
        const cut = Math.ceil(p.samples.length / 2);
        p.samples.splice(p.samples.length - cut, cut);
        held -= cut;
        totals.dropped += cut;
        p.dropped += cut;
        body = serializeBatch(toWire(p, opts.deployment, opts.target));
      }
      const bytes = byteLength(body);
      if (bytes > budget) break;
      p.attempted = true;
      const result = sendOnUnload(post.url, opts.token, body, typeof fetch === "function" || opts.fetch ? fetchFn : undefined, (done) => {
        if (done) {
          remove(p);
          totals.sent++;
        }
      });
      if (result === "unavailable") break;
      handed = true;
      budget -= bytes;
      if (result === "queued") {
        remove(p);
        totals.sent++;
      }
    }
    return handed;
  }

  function stats(): TelemetryStats {
    let pendingSamples = 0;
    for (const p of pending) pendingSamples += p.samples.length;
    return {
      pendingBatches: pending.length,
      pendingSamples,
      bufferedSamples: unsealed,
      dropped: totals.dropped,
      sentBatches: totals.sent,
      rejectedBatches: totals.rejected,
      lastError: totals.lastError,
    };
  }

  return { record, shouldFlush, flush, flushBeacon, stats };
}

function positive(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`);
  return n;
}

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** A batch id: crypto.randomUUID where it exists (not in insecure browser contexts), else 16 random bytes. */
function newId(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === "function") return c.randomUUID();
  const bytes = c.getRandomValues(new Uint8Array(16));
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}
