/**
 * The inputs the differential check runs on: random tensors shaped by the manifest's inputs (symbolic dims at batch
 * sizes 1, 3 and 64), valid instances drawn from the feature schema and run through the real preprocessor (so a
 * tabular model sees production-like rows: one-hot columns of 0/1, standardized numbers, imputed nulls), and the
 * recorded samples the caller passes. Seeded, so a build is reproducible.
 *
 * @example
 * ```ts
 * const inputs = differentialInputs(manifest, { seed: 7, samples: stored.map((s) => s.feeds) });
 * ```
 */
import { createPreprocessor } from "../../../core/preprocess.ts";
import { mulberry32 } from "../../../core/random.ts";
import { BINARY_FEATURE_TYPES, type FeatureSpec, type FeatureValue, type Instance } from "../../../core/schema/features.ts";
import type { Manifest, TensorSpec } from "../../../core/schema/manifest.ts";
import type { TensorData } from "../../../runtime/engines/types.ts";
import { toFloat16Bits } from "../../optimize/quantize/tensor-data.ts";
import { allocate } from "../../../runtime/engines/compiled/kernels/onnx-util.ts";

/** Batch sizes given to symbolic dims: one row, a few, and a batch big enough to cover blocked loops. */
const DIFFERENTIAL_BATCHES = [1, 3, 64] as const;
/** A generated set above this many elements is skipped (batch 1 is always kept): the check must stay seconds long. */
const MAX_ELEMENTS = 1 << 22;

type Random = () => number;

/** Floats from a mix: N(0, 1), uniform [-5, 5], exact small integers, and zeros (where off-by-one kernels show). */
function mixedFloat(random: Random): number {
  const pick = random();
  if (pick < 0.4) return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  if (pick < 0.7) return random() * 10 - 5;
  if (pick < 0.9) return Math.floor(random() * 7) - 3;
  return 0;
}

function randomTensor(spec: TensorSpec, batch: number, random: Random): TensorData {
  const dims = spec.shape.map((d) => (typeof d === "number" ? d : batch));
  const n = dims.reduce((a, b) => a * b, 1);
  const data = allocate(spec.dtype, n);
  for (let i = 0; i < n; i++) {
    if (spec.dtype === "string") (data as string[])[i] = ["a", "b", "c", ""][Math.floor(random() * 4)]!;
    else if (spec.dtype === "float32" || spec.dtype === "float64") (data as Float64Array)[i] = mixedFloat(random);
    else if (spec.dtype === "float16") (data as Uint16Array)[i] = toFloat16Bits(mixedFloat(random));
    else if (spec.dtype === "bool") (data as Uint8Array)[i] = random() < 0.5 ? 1 : 0;
    else if (spec.dtype === "int64" || spec.dtype === "uint64") (data as BigInt64Array)[i] = BigInt(Math.floor(random() * 5));
    // Small non-negative integers: valid as indices, counts and categories alike.
    else (data as Uint8Array)[i] = Math.floor(random() * 5);
  }
  return { dtype: spec.dtype, data, dims };
}

function numberIn(f: FeatureSpec, random: Random): number {
  const min = f.range?.min;
  const max = f.range?.max;
  const lo = min ?? (max !== undefined ? max - 100 : -100);
  const hi = max ?? lo + 200;
  const pick = random();
  // The bounds themselves are valid and are where clipping and bucketing change behavior.
  const v = pick < 0.1 ? lo : pick < 0.2 ? hi : lo + random() * (hi - lo);
  return f.type === "integer" ? Math.min(Math.floor(hi), Math.max(Math.ceil(lo), Math.round(v))) : v;
}

/** A valid value of one feature: a listed category, a number in range, or null where nullable. */
function featureValue(f: FeatureSpec, random: Random): FeatureValue {
  if (f.nullable && random() < 0.15) return null;
  switch (f.type) {
    case "boolean":
      return random() < 0.5;
    case "number":
    case "integer":
      return numberIn(f, random);
    case "datetime": {
      // 1990..2040, half as ISO strings (date-only or instants), half as epoch ms: both spellings reach date_part.
      const ms = Date.UTC(1990, 0, 1) + Math.floor(random() * 50 * 365.25 * 86_400_000);
      const pick = random();
      return pick < 0.25 ? new Date(ms).toISOString().slice(0, 10) : pick < 0.5 ? new Date(ms).toISOString() : ms;
    }
    default: {
      const values = f.values ?? [];
      return values.length > 0 ? values[Math.floor(random() * values.length)]! : `value${Math.floor(random() * 5)}`;
    }
  }
}

function featureInputs(manifest: Manifest, batch: number, random: Random): Record<string, TensorData> | undefined {
  const { features, preprocessing } = manifest;
  // Images and audio have no random "valid" value worth decoding: the random tensors above cover their inputs.
  if (!features || !preprocessing || features.some((f) => BINARY_FEATURE_TYPES.has(f.type))) return undefined;
  const instances: Instance[] = [];
  for (let i = 0; i < batch; i++) instances.push(Object.fromEntries(features.map((f) => [f.name, featureValue(f, random)])));
  const feeds: Record<string, TensorData> = {};
  for (const [name, t] of createPreprocessor(preprocessing).transform(instances)) feeds[name] = t;
  // Inputs the preprocessor does not build (rare) still get random values.
  for (const spec of manifest.io.inputs) feeds[spec.name] ??= randomTensor(spec, batch, random);
  return feeds;
}

/**
 * Random inputs for every batch size, feature-schema instances through the preprocessor when the model has them,
 * then the caller's recorded samples.
 */
export function differentialInputs(manifest: Manifest, opts: { samples?: Record<string, TensorData>[]; seed?: number } = {}): Record<string, TensorData>[] {
  const random = mulberry32(opts.seed ?? 0x5eed);
  const sets: Record<string, TensorData>[] = [];
  const elements = (batch: number) =>
    manifest.io.inputs.reduce((sum, spec) => sum + spec.shape.reduce<number>((n, d) => n * (typeof d === "number" ? d : batch), 1), 0);
  for (const batch of DIFFERENTIAL_BATCHES) {
    if (batch > 1 && elements(batch) > MAX_ELEMENTS) continue;
    sets.push(Object.fromEntries(manifest.io.inputs.map((spec) => [spec.name, randomTensor(spec, batch, random)])));
  }
  for (const batch of DIFFERENTIAL_BATCHES) {
    const feeds = featureInputs(manifest, batch, random);
    if (feeds) sets.push(feeds);
  }
  return [...sets, ...(opts.samples ?? [])];
}
