/**
 * What the telemetry client holds in memory, and its bounds: one accumulator per model version (the current
 * window), the sealed batches waiting for the monitor, and the sample accounting.
 *
 * - At most `maxBuffered` samples in total (unsealed + pending). When full, the oldest pending batch gives up a
 *   sample; if none has any, the new sample is dropped. Every drop is counted in the next batch's `dropped`.
 * - Past `maxPending` batches, a newly sealed batch is added into the newest pending batch of the same model
 *   version that was never put on the wire (counters add exactly). A batch that was attempted may already be
 *   stored by the monitor, so it is never changed but for shedding samples, which cannot double count anything.
 *
 * @example
 * ```ts
 * const buffer = createBuffer({ maxBuffered: 1000, maxBatch: 500, maxPending: 10, newId: () => crypto.randomUUID() });
 * buffer.hold(acc, sample);
 * buffer.seal(Date.now());
 * ```
 */
import type { Sample } from "../../core/schema/telemetry.ts";
import { createAccumulator, hasData, mergeInto, sealBatch, type Accumulator, type ModelRef, type PendingBatch } from "./accumulator.ts";
import type { ProfileSet } from "./profiles.ts";

export interface BufferLimits {
  maxBuffered: number;
  maxBatch: number;
  maxPending: number;
  newId: () => string;
  /** Profiles for a new accumulator (one per model version); none without a baseline. */
  newProfiles?: (() => ProfileSet) | undefined;
}

export function createBuffer(limits: BufferLimits) {
  // name → version → accumulator: two Map lookups per request and no key string built.
  const accumulators = new Map<string, Map<string, Accumulator>>();
  const pending: PendingBatch[] = [];
  const state = { unsealed: 0, held: 0, droppedSinceBatch: 0, droppedTotal: 0 };

  function accumulatorFor(model: ModelRef): Accumulator {
    let versions = accumulators.get(model.name);
    if (versions === undefined) accumulators.set(model.name, (versions = new Map()));
    let acc = versions.get(model.version);
    if (acc === undefined) versions.set(model.version, (acc = createAccumulator(model, limits.newProfiles?.())));
    return acc;
  }

  function drop(n: number, into?: PendingBatch): void {
    state.droppedTotal += n;
    if (into) into.dropped += n;
    else state.droppedSinceBatch += n;
  }

  /** Keep a sample in the memory bound (see the module comment). */
  function hold(acc: Accumulator, sample: Sample): void {
    if (state.held >= limits.maxBuffered) {
      const donor = pending.find((p) => p.samples.length > 0);
      if (donor === undefined) {
        drop(1);
        return;
      }
      donor.samples.pop();
      state.held--;
      drop(1);
    }
    acc.samples.push(sample);
    state.unsealed++;
    state.held++;
  }

  /** Move every accumulator into pending batches, split by maxBatch samples; only the first carries the counters. */
  function seal(now: number): void {
    for (const versions of accumulators.values()) {
      for (const [version, acc] of versions) {
        if (!hasData(acc)) {
          versions.delete(version); // a version with no traffic for a whole window is forgotten
          continue;
        }
        const samples = acc.samples;
        acc.samples = [];
        state.unsealed -= samples.length;
        for (let i = 0; i === 0 || i < samples.length; i += limits.maxBatch) {
          const batch = sealBatch(acc, now, state.droppedSinceBatch, limits.newId(), samples.slice(i, i + limits.maxBatch));
          state.droppedSinceBatch = 0;
          const into = pending.length >= limits.maxPending ? mergeTarget(batch.model) : undefined;
          if (into === undefined) {
            pending.push(batch);
            continue;
          }
          const lost = mergeInto(into, batch, limits.maxBatch);
          state.held -= lost;
          state.droppedTotal += lost;
        }
      }
    }
  }

  function mergeTarget(model: ModelRef): PendingBatch | undefined {
    for (let i = pending.length - 1; i >= 0; i--) {
      const p = pending[i]!;
      if (!p.attempted && p.model.name === model.name && p.model.version === model.version) return p;
    }
    return undefined;
  }

  /** Forget a batch (delivered or refused); no-op when it is already gone. */
  function remove(p: PendingBatch): boolean {
    const i = pending.indexOf(p);
    if (i < 0) return false;
    pending.splice(i, 1);
    state.held -= p.samples.length;
    return true;
  }

  /** Shed the last `n` samples of a pending batch (to fit a beacon), counted as dropped in that batch. */
  function shed(p: PendingBatch, n: number): void {
    p.samples.splice(p.samples.length - n, n);
    state.held -= n;
    drop(n, p);
  }

  return { accumulatorFor, hold, seal, remove, shed, pending: pending as readonly PendingBatch[], state: state as Readonly<typeof state> };
}
