/**
 * Feature schema: what one instance (one row) sent to a tabular model looks like.
 *
 * The schema is data (stored in the manifest) so that every target builds the same validator from it;
 * see `core/features.ts` for the zod validator built from a list of `FeatureSpec`s.
 *
 * @example
 * ```ts
 * const spec = FeatureSpec.parse({ name: "island", type: "category", values: ["Biscoe", "Dream"] });
 * ```
 */
import * as z from "zod";
import type { RawImage } from "../media/raw-image.ts";

/**
 * `datetime`: an ISO-8601 string or epoch milliseconds (read by `date_part`). `image` / `audio`: binary values, in JSON
 * as `{"b64": "<base64 of PNG/JPEG/WAV bytes>"}` (TF Serving's convention); in-process (browser, Node) also the bytes
 * as a Uint8Array/ArrayBuffer, decoded pixels (`ImageData`-like) or audio samples (Float32Array).
 */
export const FEATURE_TYPES = ["number", "integer", "boolean", "category", "string", "datetime", "image", "audio"] as const;
export type FeatureType = (typeof FEATURE_TYPES)[number];
/** Feature types whose values are binary (never profiled into histograms, never stored in telemetry samples). */
export const BINARY_FEATURE_TYPES: ReadonlySet<FeatureType> = new Set(["image", "audio"]);

export const FeatureSpec = z.strictObject({
  name: z.string().min(1),
  type: z.enum(FEATURE_TYPES),
  /** `null` (or a missing key) is accepted and left to preprocessing (impute / missing indicator). */
  nullable: z.boolean().default(false),
  /** Inclusive bounds for number/integer features; values outside are rejected with a 400. */
  range: z.strictObject({ min: z.number().optional(), max: z.number().optional() }).optional(),
  /** Allowed categories. A value outside the list is rejected unless `allowUnknown` is set. */
  values: z.array(z.string()).optional(),
  /** Accept categories outside `values` (they fall in preprocessing's unknown bucket and are counted). */
  allowUnknown: z.boolean().default(false),
  /**
   * "case_and_space": a value equal to one of `values` once trimmed and lower-cased (" Male " ▶ "male") is mapped to
   * it at the edge, before validation, and `data validate` reports it as a warning (core/category-variant.ts).
   * Absent: such a value is an unknown category like any other.
   */
  normalize: z.literal("case_and_space").optional(),
  description: z.string().optional(),
  /** Looked up at the edge from this feature view (config `featureViews`) by its key; the client sends the key. */
  from: z.string().min(1).optional(),
});
export type FeatureSpec = z.output<typeof FeatureSpec>;
export type FeatureSpecInput = z.input<typeof FeatureSpec>;

/** One raw scalar instance value as it arrives in JSON. */
export type FeatureValue = number | string | boolean | null;

/** A binary feature value: `{b64}` from JSON; bytes, pixels or samples in-process. */
export type BinaryValue = { b64: string } | Uint8Array | ArrayBuffer | RawImage | Float32Array;

export type InstanceValue = FeatureValue | BinaryValue;
export type Instance = Record<string, InstanceValue>;
