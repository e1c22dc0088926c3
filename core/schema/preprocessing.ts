/**
 * Preprocessing and postprocessing specs: ordered, serializable ops that run identically on every target.
 *
 * Semantics (implemented in `core/preprocess.ts` and `core/postprocess.ts`):
 * - An instance is a row of named columns (`Record<string, number | string | boolean | null>`). Missing keys are `null`.
 * - Steps run in order. Each reads the column `feature` and writes the column `output` (default: `feature`, replacing it).
 * - `one_hot` writes one column per category named `<output>=<category>`, plus `<output>=__unknown__` when
 *   `unknown` is "bucket". A null or unseen value sets the unknown column (or no column for "zeros").
 * - `inputs` then gathers columns, in the declared order, into float tensors of shape [batch, columns.length].
 *   Booleans become 0/1. A column that is still null or non-numeric at that point is an error (400 at the edge).
 *
 * @example
 * ```ts
 * const p = Preprocessing.parse({
 *   steps: [{ op: "impute", feature: "age", strategy: "median", value: 38 }, { op: "standardize", feature: "age", mean: 39, std: 13 }],
 *   inputs: [{ name: "input", columns: ["age"] }],
 * });
 * ```
 */
import * as z from "zod";

const column = z.string().min(1);
const base = { feature: column, output: column.optional() };

export const PreprocessStep = z.discriminatedUnion("op", [
  z.strictObject({
    op: z.literal("impute"),
    ...base,
    strategy: z.enum(["constant", "mean", "median", "most_frequent"]),
    /** The fill value, computed on the training data for mean/median/most_frequent and stored here. */
    value: z.union([z.number(), z.string(), z.boolean()]),
  }),
  z.strictObject({ op: z.literal("missing_indicator"), feature: column, output: column }),
  z.strictObject({ op: z.literal("standardize"), ...base, mean: z.number(), std: z.number().positive() }),
  z
    .strictObject({
      op: z.literal("min_max"),
      ...base,
      min: z.number(),
      max: z.number(),
    })
    .refine((s) => s.max > s.min, { message: "max must be greater than min" }),
  z.strictObject({ op: z.literal("clip"), ...base, min: z.number().optional(), max: z.number().optional() }),
  z.strictObject({ op: z.literal("log1p"), ...base }),
  z.strictObject({
    op: z.literal("one_hot"),
    ...base,
    categories: z.array(z.string()).min(1),
    unknown: z.enum(["bucket", "zeros"]).default("bucket"),
  }),
  z.strictObject({
    op: z.literal("ordinal"),
    ...base,
    mapping: z.record(z.string(), z.number()),
    /** Value for categories not in `mapping` (and for null). */
    unknown: z.number().default(-1),
  }),
]);
export type PreprocessStep = z.output<typeof PreprocessStep>;

const TensorInputSpec = z.strictObject({
  /** The ONNX graph input this tensor feeds. */
  name: z.string().min(1),
  dtype: z.enum(["float32", "float64"]).default("float32"),
  /** Column names in slot order. */
  columns: z.array(column).min(1),
});

export const Preprocessing = z.strictObject({
  steps: z.array(PreprocessStep).default([]),
  inputs: z.array(TensorInputSpec).min(1),
});
export type Preprocessing = z.output<typeof Preprocessing>;
export type PreprocessingInput = z.input<typeof Preprocessing>;

/**
 * Postprocessing turns one row of a model output into a prediction object:
 * - `sigmoid` / `softmax` turn logits into probabilities (`probabilities`).
 * - `threshold` (binary; one value, or the last of two) sets `score` (positive-class probability) and `label`.
 * - `argmax` sets `classIndex` and `score`; `labels` names classes (`label`, and keys of `probabilities`).
 * - `top_k` sets `topK` [{label, score}] sorted by score.
 * Without steps the prediction is `{ output: number[] }` (or `{ value }` for a single number, e.g. regression).
 */
export const PostprocessStep = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("sigmoid") }),
  z.strictObject({ op: z.literal("softmax") }),
  z.strictObject({ op: z.literal("argmax") }),
  z.strictObject({ op: z.literal("labels"), labels: z.array(z.union([z.string(), z.number()])).min(1) }),
  z.strictObject({
    op: z.literal("threshold"),
    threshold: z.number().min(0).max(1).default(0.5),
    labels: z.tuple([z.union([z.string(), z.number()]), z.union([z.string(), z.number()])]).default([0, 1]),
  }),
  z.strictObject({ op: z.literal("top_k"), k: z.int().positive() }),
]);
export type PostprocessStep = z.output<typeof PostprocessStep>;

export const Postprocessing = z.strictObject({
  /** Which ONNX output to read; default: the first. */
  output: z.string().optional(),
  steps: z.array(PostprocessStep).default([]),
});
export type Postprocessing = z.output<typeof Postprocessing>;
export type PostprocessingInput = z.input<typeof Postprocessing>;
