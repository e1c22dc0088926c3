/**
 * Preprocessing and postprocessing specs: ordered, serializable ops that run identically on every target.
 *
 * Semantics (implemented in `core/preprocess.ts` and `core/postprocess.ts`):
 * - An instance is a row of named columns (`Record<string, number | string | boolean | null>`, plus binary values for
 *   `image` / `audio` features). Missing keys are `null`.
 * - Column steps run in order. Each reads the column `feature` and writes the column `output` (default: `feature`).
 * - `one_hot` writes one column per category named `<output>=<category>`, plus `<output>=__unknown__` when
 *   `unknown` is "bucket". A null or unseen value sets the unknown column (or no column for "zeros").
 * - `date_part` reads an ISO-8601 string or epoch milliseconds and writes one calendar part (in `timeZone`, UTC by
 *   default); `bucketize` writes the number of `boundaries` ≤ the value; `hash_bucket` writes
 *   murmurhash3_32(utf8(value), seed 0) mod `buckets` (sklearn's `murmurhash3_32(value, positive=True) % buckets`).
 * - Tensor steps (`image`, `audio`) write the model input named `input` directly, one example per instance, stacked
 *   into the batch (image: [batch, C, H, W] or [batch, H, W, C]; audio: [batch, samples]).
 * - `inputs` then gathers columns, in the declared order, into tensors of shape [batch, columns.length].
 *   Booleans become 0/1. A column that is still null or non-numeric at that point is an error (400 at the edge).
 *   int64 inputs (ids, hash buckets) need whole numbers.
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
import { isTensorStep } from "./tensor-step.ts";

const column = z.string().min(1);
const base = { feature: column, output: column.optional() };

export const DATE_PARTS = ["year", "month", "day", "day_of_week", "day_of_year", "hour", "minute", "unix_days"] as const;
export type DatePart = (typeof DATE_PARTS)[number];

/**
 * One calendar part of a date: ISO-8601 strings ("2024-02-29", "2024-02-29T13:05:00Z", "...+01:00") or epoch
 * milliseconds. Parts are read in `timeZone` (an IANA name, UTC by default); a string without an offset is a wall-clock
 * time in that zone. month and day are 1-based, day_of_week is 0 = Monday … 6 = Sunday (pandas `dayofweek`),
 * day_of_year is 1-based, unix_days counts days since 1970-01-01 of the local date.
 */
const DatePartStep = z.strictObject({
  op: z.literal("date_part"),
  feature: column,
  part: z.enum(DATE_PARTS),
  output: column,
  timeZone: z.string().min(1).optional(),
});

/** The number of boundaries ≤ the value (numpy.digitize(x, boundaries, right=False)); null stays null. */
const BucketizeStep = z.strictObject({
  op: z.literal("bucketize"),
  ...base,
  boundaries: z
    .array(z.number())
    .min(1)
    .refine((b) => b.every((x, i) => i === 0 || x > (b[i - 1] as number)), { message: "boundaries must be strictly increasing" }),
});

/** A string (or integer, by its decimal spelling) hashed into [0, buckets): murmurhash3_32 of its UTF-8, seed 0. */
const HashBucketStep = z.strictObject({
  op: z.literal("hash_bucket"),
  ...base,
  buckets: z
    .int()
    .min(2)
    .max(2 ** 31 - 1),
});

const dims2 = z.tuple([z.int().positive(), z.int().positive()]);

/**
 * An image feature (PNG or JPEG bytes, or decoded pixels in the browser) into the model input `input`: convert to
 * `channels`, resize to `size` [H, W] (`fit`: stretch, or keep the aspect ratio and pad (`contain`, with `padValue`)
 * or crop (`cover`)), center-crop to `crop`, then value * scale, (value - mean) / std per channel, in `layout`.
 * Resampling follows Pillow's `Image.resize` (BILINEAR with its antialiasing when shrinking, NEAREST); an image
 * already at the target size is not resampled.
 */
export const ImageStep = z.strictObject({
  op: z.literal("image"),
  feature: column,
  input: z.string().min(1),
  size: dims2,
  resize: z.enum(["bilinear", "nearest"]).default("bilinear"),
  fit: z.enum(["stretch", "contain", "cover"]).default("stretch"),
  /** Raw pixel value (0-255) of the padding `contain` adds. */
  padValue: z.int().min(0).max(255).default(0),
  crop: dims2.optional(),
  channels: z.enum(["rgb", "bgr", "gray"]).default("rgb"),
  scale: z.number().default(1 / 255),
  mean: z.array(z.number()).min(1).optional(),
  std: z.array(z.number().positive()).min(1).optional(),
  layout: z.enum(["nchw", "nhwc"]).default("nchw"),
  dtype: z.literal("float32").default("float32"),
});
export type ImageStep = z.output<typeof ImageStep>;

/**
 * An audio feature (WAV bytes: PCM 8/16/24/32-bit or IEEE float; or a Float32Array already at `sampleRate` in the
 * browser) into the model input `input`: mix down to mono (the mean of the channels), resample to `sampleRate`
 * (scipy.signal.resample_poly), multiply by `scale`, then zero-pad or trim the end to `length` samples.
 * Shape [batch, samples]; without `length` every instance of a batch must have the same number of samples.
 */
export const AudioStep = z.strictObject({
  op: z.literal("audio"),
  feature: column,
  input: z.string().min(1),
  sampleRate: z.int().positive(),
  mono: z.literal(true).default(true),
  scale: z.number().default(1),
  length: z.int().positive().optional(),
});
export type AudioStep = z.output<typeof AudioStep>;

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
  DatePartStep,
  BucketizeStep,
  HashBucketStep,
  ImageStep,
  AudioStep,
]);
export type PreprocessStep = z.output<typeof PreprocessStep>;
/** Steps that write a model input tensor instead of a column. */
export type TensorStep = ImageStep | AudioStep;

const COLUMN_INPUT_DTYPES = ["float32", "float64", "int64", "int32"] as const;

const TensorInputSpec = z.strictObject({
  /** The ONNX graph input this tensor feeds. */
  name: z.string().min(1),
  /** int64/int32 inputs take whole numbers (ids, hash buckets, bucket indices). */
  dtype: z.enum(COLUMN_INPUT_DTYPES).default("float32"),
  /** Column names in slot order. */
  columns: z.array(column).min(1),
});

export const Preprocessing = z
  .strictObject({
    steps: z.array(PreprocessStep).default([]),
    /** Column tensors; may be empty when tensor steps (image, audio) write every model input. */
    inputs: z.array(TensorInputSpec).default([]),
  })
  .refine((p) => p.inputs.length > 0 || p.steps.some(isTensorStep), {
    message: "preprocessing feeds no model input: list `inputs` (columns into a tensor) or add an image/audio step",
    path: ["inputs"],
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
