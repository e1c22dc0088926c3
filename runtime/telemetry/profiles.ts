/**
 * Edge profiles: every served instance and its prediction counted in the baseline's bins, overall and per value of
 * each slice feature, for the current window of one model version. Shipped in the batch as `profile`
 * (core/schema/telemetry.ts `BatchProfile`) and added up by the monitor.
 *
 * Per request the cost is the profilers' own (a binary search per number, a Map lookup per category) plus one Map
 * lookup per slice feature; no allocation once the profilers of a window's slice values exist. Slice
 * values are bounded per feature and window (`maxValues`, default 20): the first ones seen in a window get their own
 * profile, later ones go to `__other__`, missing ones to `__missing__`. Profilers are reset and reused across windows.
 *
 * @example
 * ```ts
 * const profiles = createProfileSet(manifest.baseline, ["sex", "passengerClass"]);
 * profiles.add([{ sex: "male", age: 22, passengerClass: "3rd" }], [{ score: 0.1, label: "no" }]);
 * const batchProfile = profiles.take(); // snapshot and reset, once per window
 * ```
 */
import type { Prediction } from "../../core/postprocess.ts";
import type { Baseline } from "../../core/schema/baseline.ts";
import type { Instance } from "../../core/schema/features.ts";
import type { BatchProfile } from "../../core/schema/telemetry.ts";
import { SLICE_MISSING, SLICE_OTHER, TELEMETRY_LIMITS as L } from "../../core/schema/telemetry-constants.ts";
import { createProfiler, mergeProfiles, type Profile, type Profiler } from "../../core/stats/profile.ts";

/** Slice values kept per slice feature and window unless configured otherwise. */
export const DEFAULT_MAX_SLICE_VALUES = 20;

export type ProfileBaseline = Pick<Baseline, "features" | "prediction" | "predictionLabel">;

export interface ProfileSet {
  /** Count the instances of one served request and their predictions (same order). */
  add(instances: readonly Record<string, unknown>[], predictions: readonly unknown[] | undefined): void;
  /** The window's profiles (undefined when nothing was counted), and zero every counter for the next window. */
  take(): BatchProfile | undefined;
}

interface Counted {
  profiler: Profiler;
  rows: number;
}

interface SliceState {
  name: string;
  values: Map<string, Counted>;
}

/** A prediction the profiler understands; anything else (arrays of tensor outputs) counts as missing. */
function asPrediction(p: unknown): Prediction | number | string | undefined {
  if (typeof p === "number" || typeof p === "string") return p;
  if (p !== null && typeof p === "object" && !Array.isArray(p)) return p as Prediction;
  return undefined;
}

export function createProfileSet(baseline: ProfileBaseline, slices: readonly string[] = [], maxValues = DEFAULT_MAX_SLICE_VALUES): ProfileSet {
  if (!(Number.isInteger(maxValues) && maxValues >= 1 && maxValues < L.maxSliceValues)) {
    throw new RangeError(`maxSliceValues must be an integer in 1..${L.maxSliceValues - 1}, got ${maxValues}`);
  }
  const overall: Counted = { profiler: createProfiler(baseline), rows: 0 };
  // Reset profilers of past windows, reused instead of allocated again.
  const pool: Counted[] = [];
  // The protocol bounds slice features per batch; a manifest with more profiles the first ones.
  const state: SliceState[] = slices.slice(0, L.maxProfileSlices).map((name) => ({ name, values: new Map() }));

  function counter(s: SliceState, value: unknown): Counted {
    const key = value === null || value === undefined ? SLICE_MISSING : typeof value === "string" ? value : String(value);
    let c = s.values.get(key);
    if (c !== undefined) return c;
    // `maxValues` named values, then one shared `__other__` bucket (so at most maxValues + 1 entries).
    const name = s.values.size < maxValues && key.length <= L.maxSliceValue ? key : SLICE_OTHER;
    c = s.values.get(name);
    if (c === undefined) s.values.set(name, (c = pool.pop() ?? { profiler: createProfiler(baseline), rows: 0 }));
    return c;
  }

  return {
    add(instances, predictions) {
      for (let i = 0; i < instances.length; i++) {
        const instance = instances[i] as Instance;
        const prediction = asPrediction(predictions?.[i]);
        overall.rows++;
        overall.profiler.add(instance);
        overall.profiler.addPrediction(prediction);
        for (const s of state) {
          const c = counter(s, instance[s.name]);
          c.rows++;
          c.profiler.add(instance);
          c.profiler.addPrediction(prediction);
        }
      }
    },
    take() {
      if (overall.rows === 0) return undefined;
      // Entries, not assignments: a slice value named "__proto__" must stay a key.
      const bySlice = Object.fromEntries(
        state.map((s) => {
          const values: [string, Profile][] = [];
          for (const [value, c] of s.values) {
            values.push([value, c.profiler.snapshot()]);
            c.profiler.reset();
            c.rows = 0;
            pool.push(c);
          }
          s.values.clear(); // the next window names its own first values
          return [s.name, Object.fromEntries(values)];
        }),
      );
      const profile = { overall: overall.profiler.snapshot(), bySlice };
      overall.profiler.reset();
      overall.rows = 0;
      return profile;
    },
  };
}

/**
 * Add two batch profiles of the same baseline (pending batches merged while the monitor is down). Slice values beyond
 * the protocol's bound fold into `__other__`, so the merged batch still validates.
 *
 * @example
 * ```ts
 * pending.profile = mergeBatchProfiles(pending.profile, sealed.profile);
 * ```
 */
export function mergeBatchProfiles(a: BatchProfile, b: BatchProfile): BatchProfile {
  const bySlice = new Map<string, Record<string, Profile>>();
  for (const name of new Set([...Object.keys(a.bySlice), ...Object.keys(b.bySlice)])) {
    const merged = new Map<string, Profile>(Object.hasOwn(a.bySlice, name) ? Object.entries(a.bySlice[name] ?? {}) : []);
    for (const [value, p] of Object.hasOwn(b.bySlice, name) ? Object.entries(b.bySlice[name] ?? {}) : []) {
      const mine = merged.get(value);
      if (mine !== undefined) merged.set(value, mergeProfiles(mine, p));
      else if (merged.size < L.maxSliceValues - 1 || value === SLICE_OTHER) merged.set(value, p);
      else {
        const other = merged.get(SLICE_OTHER);
        merged.set(SLICE_OTHER, other === undefined ? p : mergeProfiles(other, p));
      }
    }
    bySlice.set(name, Object.fromEntries(merged));
  }
  return { overall: mergeProfiles(a.overall, b.overall), bySlice: Object.fromEntries(bySlice) };
}
