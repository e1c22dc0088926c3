/**
 * Baseline: statistics of the training data stored in the manifest, in the bins the edge profiles requests with.
 *
 * A numeric feature keeps fixed bin edges (training-data quantiles, deduplicated) and the counts of the training rows
 * in each bin: `edges = [e1, ..., ek]` gives `k + 1` bins `(-inf, e1), [e1, e2), ..., [ek, +inf)`. A categorical
 * feature keeps the top-K categories by count, everything else in `other`. The edge counts requests in the same bins
 * (`core/stats/profile.ts`), and drift compares the two count vectors (`core/drift/`).
 *
 * @example
 * ```ts
 * const baseline = Baseline.parse({
 *   rows: 3,
 *   features: {
 *     age: { kind: "numeric", edges: [20], counts: [1, 1], missing: 1, count: 2, mean: 25, std: 10, min: 15, max: 35 },
 *     sex: { kind: "categorical", counts: { male: 2, female: 1 }, other: 0, missing: 0, topK: 20 },
 *   },
 *   createdFrom: { file: "data/train.csv", sha256: "0".repeat(64) },
 * });
 * ```
 */
import * as z from "zod";

const count = z.int().nonnegative();

export const NumericBaseline = z
  .strictObject({
    kind: z.literal("numeric"),
    /** Interior bin edges, strictly increasing; the first and last bins are open-ended. */
    edges: z.array(z.number()),
    /** Non-missing training values per bin; `edges.length + 1` entries. */
    counts: z.array(count),
    missing: count,
    /** Non-missing values (the sum of `counts`). */
    count,
    /** Moments and range of the non-missing values; null when every value is missing. `std` is the population std. */
    mean: z.number().nullable(),
    std: z.number().nonnegative().nullable(),
    min: z.number().nullable(),
    max: z.number().nullable(),
  })
  .superRefine((b, ctx) => {
    if (b.counts.length !== b.edges.length + 1) {
      ctx.addIssue({ code: "custom", path: ["counts"], message: `${b.edges.length} edges make ${b.edges.length + 1} bins, got ${b.counts.length} counts` });
    }
    for (let i = 1; i < b.edges.length; i++) {
      if (!((b.edges[i] ?? 0) > (b.edges[i - 1] ?? 0))) ctx.addIssue({ code: "custom", path: ["edges", i], message: "edges must be strictly increasing" });
    }
    const sum = b.counts.reduce((a, c) => a + c, 0);
    if (sum !== b.count) ctx.addIssue({ code: "custom", path: ["count"], message: `counts add up to ${sum}, count says ${b.count}` });
  });
export type NumericBaseline = z.output<typeof NumericBaseline>;

export const CategoricalBaseline = z.strictObject({
  kind: z.literal("categorical"),
  /** The `topK` most frequent categories and their counts (booleans as "true"/"false"). */
  counts: z.record(z.string(), count),
  /** Non-missing values outside the top K. */
  other: count,
  missing: count,
  topK: z.int().positive(),
});
export type CategoricalBaseline = z.output<typeof CategoricalBaseline>;

export const FeatureBaseline = z.discriminatedUnion("kind", [NumericBaseline, CategoricalBaseline]);
export type FeatureBaseline = z.output<typeof FeatureBaseline>;

/** Rows a feature baseline accounts for: non-missing plus missing. */
function baselineRows(b: FeatureBaseline): number {
  if (b.kind === "numeric") return b.count + b.missing;
  return Object.values(b.counts).reduce((a, c) => a + c, 0) + b.other + b.missing;
}

export const Baseline = z
  .strictObject({
    rows: count,
    features: z.record(z.string(), FeatureBaseline),
    /** Score (binary), value (regression) or label (multiclass) of the model on the training rows. */
    prediction: FeatureBaseline.optional(),
    /** Binary models: the distribution of the thresholded label, beside the score in `prediction`. */
    predictionLabel: CategoricalBaseline.optional(),
    createdFrom: z.strictObject({ file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/, "expected a lowercase hex sha256") }),
  })
  .superRefine((b, ctx) => {
    // Every distribution covers every training row; a mismatch means the baseline was assembled from different data.
    const check = (f: FeatureBaseline, path: (string | number)[]) => {
      const n = baselineRows(f);
      if (n !== b.rows) ctx.addIssue({ code: "custom", path, message: `accounts for ${n} rows, the baseline has ${b.rows}` });
    };
    for (const [name, f] of Object.entries(b.features)) check(f, ["features", name]);
    if (b.prediction) check(b.prediction, ["prediction"]);
    if (b.predictionLabel) check(b.predictionLabel, ["predictionLabel"]);
  });
export type Baseline = z.output<typeof Baseline>;
