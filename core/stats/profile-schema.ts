/**
 * The JSON shape of a profile: counts of requests in a baseline's bins, as it travels in telemetry batches.
 *
 * Every field is a count or a sum, so two profiles of the same baseline merge by addition (`mergeProfiles`), whatever
 * the window, deployment or isolate they came from. The bounds keep a hostile batch from growing the monitor's store.
 *
 * @example
 * ```ts
 * import { Profile } from "./profile-schema.ts";
 * const profile = Profile.parse(batch.profile); // throws a ZodError naming every bad field
 * ```
 */
import * as z from "zod";

const count = z.int().nonnegative();
const MAX_BINS = 1_001;
const MAX_CATEGORIES = 1_000;
const MAX_FEATURES = 1_000;

export const NumericProfile = z.strictObject({
  kind: z.literal("numeric"),
  /** Values per bin of the baseline's edges. */
  counts: z.array(count).min(1).max(MAX_BINS),
  missing: count,
  /** Non-missing values, and their sum and sum of squares: mean and variance merge exactly by addition. */
  count,
  sum: z.number(),
  sumSq: z.number().nonnegative(),
  /** null while `count` is 0 (JSON has no Infinity). */
  min: z.number().nullable(),
  max: z.number().nullable(),
});
export type NumericProfile = z.output<typeof NumericProfile>;

export const CategoricalProfile = z.strictObject({
  kind: z.literal("categorical"),
  /** Values per baseline category (every baseline category is present, 0 included). */
  counts: z.record(z.string(), count).refine((r) => Object.keys(r).length <= MAX_CATEGORIES, `at most ${MAX_CATEGORIES} categories`),
  /** Values outside the baseline's categories (the "__other__" bucket), unseen ones included. */
  other: count,
  missing: count,
  /**
   * Values not among the baseline's categories, by name: a subset of `other`, capped per snapshot (`MAX_UNSEEN_NAMES`)
   * so a client sending random strings cannot grow a batch.
   */
  unseen: z.record(z.string(), count).refine((r) => Object.keys(r).length <= MAX_CATEGORIES, `at most ${MAX_CATEGORIES} unseen names`),
});
export type CategoricalProfile = z.output<typeof CategoricalProfile>;

export const FeatureProfile = z.discriminatedUnion("kind", [NumericProfile, CategoricalProfile]);
export type FeatureProfile = z.output<typeof FeatureProfile>;

export const Profile = z.strictObject({
  /** Instances profiled. */
  rows: count,
  features: z.record(z.string(), FeatureProfile).refine((r) => Object.keys(r).length <= MAX_FEATURES, `at most ${MAX_FEATURES} features`),
  prediction: FeatureProfile.optional(),
  predictionLabel: CategoricalProfile.optional(),
});
export type Profile = z.output<typeof Profile>;
