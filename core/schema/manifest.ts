/**
 * The model manifest: `models/<name>/<semver>/manifest.json`, the one contract between the registry, the
 * validators, the bundler, the edge runtime and the monitor.
 *
 * @example
 * ```ts
 * import { Manifest } from "./manifest.ts";
 * const manifest = Manifest.parse(JSON.parse(text)); // throws a ZodError naming every bad field
 * ```
 */
import * as z from "zod";
import { ValidationResult } from "../validation/result.ts";
import { Baseline } from "./baseline.ts";
import { FeatureSpec } from "./features.ts";
import { Postprocessing, Preprocessing } from "./preprocessing.ts";

/**
 * Manifest contract versions this code reads. 1: the first contract. 2: category features may say
 * `normalize: "case_and_space"` (issue 9). 3: stored `samples` for tensor models, optimized `variants` with their
 * recipe, gates and own validation, and validation results on samples (issue 10). 4: datetime, image and audio
 * features; date_part, bucketize, hash_bucket, image and audio steps; int64/int32 column inputs; preprocessing whose
 * only inputs are written by image/audio steps (issue 12). 5: TF.js artifacts (`artifact.tfjs`: the model.json's kind
 * and every weight shard with its sha256 and size; issue 13). 6: looked-up features (`features[].from`, a feature view
 * of the config; issue 16). A manifest is written with the
 * lowest version that holds its fields (`requiredSchemaVersion`), so an older edge-ml still reads every manifest that
 * uses nothing newer.
 */
export const MANIFEST_SCHEMA_VERSIONS = [1, 2, 3, 4, 5, 6] as const;
export type ManifestSchemaVersion = (typeof MANIFEST_SCHEMA_VERSIONS)[number];

export const TASKS = ["binary", "multiclass", "regression", "tensor"] as const;
export type Task = (typeof TASKS)[number];

/** ONNX tensor element types edge-ml can feed and read (names as onnxruntime-web spells them). */
const DTYPES = ["float32", "float64", "float16", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "bool", "string"] as const;
export type Dtype = (typeof DTYPES)[number];

/** A dimension: a fixed size, a symbolic name (e.g. "batch"), or null when the graph leaves it unnamed. */
export const Dim = z.union([z.int().nonnegative(), z.string(), z.null()]);
export type Dim = z.output<typeof Dim>;

export const TensorSpec = z.strictObject({
  name: z.string(),
  dtype: z.enum(DTYPES),
  shape: z.array(Dim),
});
export type TensorSpec = z.output<typeof TensorSpec>;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "expected a lowercase hex sha256");

/** One weight file of a TF.js model, as listed in its model.json's `weightsManifest[].paths`, stored beside it. */
const TfjsShard = z.strictObject({ file: z.string(), sha256, bytes: z.int().nonnegative() });

/** What a TF.js artifact adds (version 5): `file` is then the model.json, and its weights live in these shards. */
const TfjsArtifactInfo = z.strictObject({
  /** "graph-model" (tensorflowjs_converter from a SavedModel) or "layers-model" (a Keras topology). */
  modelFormat: z.enum(["graph-model", "layers-model"]),
  /** Every file of `weightsManifest[].paths`, in order; their bytes add up to `weightBytes`. */
  shards: z.array(TfjsShard),
  /** Weight bytes the model.json's weight specs declare (shape × dtype size, or the quantized size). */
  weightBytes: z.int().nonnegative(),
});

export const Artifact = z.strictObject({
  file: z.string(),
  format: z.enum(["onnx", "tfjs"]),
  sha256,
  bytes: z.int().nonnegative(),
  /** ONNX opset imports; empty for TF.js. */
  opsets: z.array(z.strictObject({ domain: z.string(), version: z.int() })),
  producer: z.string().optional(),
  tfjs: TfjsArtifactInfo.optional(),
});
export type Artifact = z.output<typeof Artifact>;

/** The version-1 variant record (never written by edge-ml 0.1; still read). */
const LegacyVariant = z.strictObject({
  name: z.string(),
  file: z.string(),
  sha256,
  bytes: z.int().nonnegative(),
  kind: z.enum(["optimized", "int8", "fp16"]),
  checks: z.record(z.string(), z.unknown()).default({}),
});

export const VARIANT_KINDS = ["optimized", "int8", "int8-dynamic", "fp16", "int4"] as const;
export type VariantKind = (typeof VARIANT_KINDS)[number];
export const OPTIMIZE_TARGETS = ["worker", "browser", "deno", "node"] as const;

/** One gate of `edge-ml optimize`: the variant against the fp32 model on the same inputs. */
export const VariantGate = z.strictObject({
  /** metric: task metric loss (percentage points); argmax: agreement along the last axis; max_abs_error; latency: ratio to fp32. */
  kind: z.enum(["metric", "argmax", "max_abs_error", "cosine", "latency"]),
  metric: z.string().nullable(),
  value: z.number().nullable(),
  threshold: z.number(),
  op: z.enum([">=", "<="]),
  /** Latency: the 95% interval of the ratio. */
  ci95: z.tuple([z.number(), z.number()]).optional(),
  pass: z.boolean(),
  message: z.string(),
});
export type VariantGate = z.output<typeof VariantGate>;

/** An optimized or quantized file of this version (`edge-ml optimize`), selected with `--variant <name>`. */
export const Variant = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "lowercase letters, digits, '.', '_' and '-'"),
  file: z.string(),
  sha256,
  bytes: z.int().nonnegative(),
  kind: z.enum(VARIANT_KINDS),
  opsets: z.array(z.strictObject({ domain: z.string(), version: z.int() })),
  /** The file it was made from (the version's fp32 artifact). */
  parent: z.strictObject({ file: z.string(), sha256 }),
  /** How it was made: graph optimization level, quantization scheme, nodes kept in fp32. */
  recipe: z.strictObject({
    level: z.enum(["basic", "extended"]).nullable(),
    scheme: z.string().nullable(),
    excluded: z.array(z.string()).default([]),
  }),
  /** The runtime its latency was measured on. */
  target: z.enum(OPTIMIZE_TARGETS),
  createdAt: z.iso.datetime(),
  /** What it was compared on: the evaluation CSV or the stored samples, with their hash. */
  comparedOn: z.strictObject({ kind: z.enum(["data", "samples"]), file: z.string(), sha256, rows: z.int().nonnegative() }),
  gates: z.array(VariantGate),
  /** Result of `edge-ml validate <ref> --variant <name>`: the deploy gate reads this one for the variant. */
  validation: ValidationResult.optional(),
});
export type Variant = z.output<typeof Variant>;

/** Recorded requests stored with a version (`models add --samples`): one KServe V2 request body per line. */
export const SamplesRef = z.strictObject({
  file: z.string(),
  sha256,
  bytes: z.int().nonnegative(),
  lines: z.int().positive(),
  /** Lines that carry expected `outputs` / `labels`. */
  withOutputs: z.int().nonnegative(),
  withLabels: z.int().nonnegative(),
});
export type SamplesRef = z.output<typeof SamplesRef>;

const DataFile = z.strictObject({
  file: z.string(),
  sha256,
  rows: z.int().nonnegative(),
  role: z.enum(["train", "eval", "other"]).default("train"),
});

const Lineage = z.strictObject({
  code: z.strictObject({ commit: z.string(), dirty: z.boolean() }).nullable(),
  data: z.array(DataFile).default([]),
  hyperparameters: z.record(z.string(), z.unknown()).default({}),
  parent: z.string().optional(),
  source: z.strictObject({ file: z.string(), sha256 }).optional(),
});

const ManifestFields = z.strictObject({
  schemaVersion: z.union(MANIFEST_SCHEMA_VERSIONS.map((v) => z.literal(v))),
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "lowercase letters, digits, '.', '_' and '-'"),
  version: z.string(),
  createdAt: z.iso.datetime(),
  description: z.string().optional(),
  task: z.enum(TASKS),
  artifact: Artifact,
  variants: z.array(z.union([Variant, LegacyVariant])).default([]),
  /** Recorded requests for tensor models (version 3). */
  samples: SamplesRef.optional(),
  io: z.strictObject({ inputs: z.array(TensorSpec).min(1), outputs: z.array(TensorSpec).min(1) }),
  features: z.array(FeatureSpec).optional(),
  preprocessing: Preprocessing.optional(),
  postprocessing: Postprocessing.optional(),
  label: z.string().optional(),
  slices: z.array(z.string()).default([]),
  lineage: Lineage,
  /** Training-data statistics (filled by `models add --data`; see the ML-monitoring docs). */
  baseline: Baseline.optional(),
  /** Result of `edge-ml validate` (model-validation gate; see core/validation/result.ts). Absent until validated. */
  validation: ValidationResult.optional(),
  metrics: z.record(z.string(), z.number()).default({}),
});

interface VersionedFields {
  artifact?: { tfjs?: object | undefined } | undefined;
  features?: readonly { normalize?: string | undefined; type?: string; from?: string | undefined }[] | undefined;
  preprocessing?: { steps?: readonly { op: string }[] | undefined; inputs?: readonly { dtype?: string | undefined }[] | undefined } | undefined;
  samples?: unknown;
  variants?: readonly object[] | undefined;
  validation?: object | undefined;
}

const CONTRACT_4_FEATURES = new Set(["datetime", "image", "audio"]);
const CONTRACT_4_STEPS = new Set(["date_part", "bucketize", "hash_bucket", "image", "audio"]);

/** Where a manifest uses a field newer than version 1, and the version that field needs. */
function versionedFields(m: VersionedFields): { path: (string | number)[]; version: ManifestSchemaVersion }[] {
  const out: { path: (string | number)[]; version: ManifestSchemaVersion }[] = [];
  m.features?.forEach((f, i) => {
    if (f.normalize !== undefined) out.push({ path: ["features", i, "normalize"], version: 2 });
    if (f.type !== undefined && CONTRACT_4_FEATURES.has(f.type)) out.push({ path: ["features", i, "type"], version: 4 });
    if (f.from !== undefined) out.push({ path: ["features", i, "from"], version: 6 });
  });
  m.preprocessing?.steps?.forEach((step, i) => {
    if (CONTRACT_4_STEPS.has(step.op)) out.push({ path: ["preprocessing", "steps", i, "op"], version: 4 });
  });
  m.preprocessing?.inputs?.forEach((input, i) => {
    if (input.dtype === "int64" || input.dtype === "int32") out.push({ path: ["preprocessing", "inputs", i, "dtype"], version: 4 });
  });
  if (m.samples !== undefined) out.push({ path: ["samples"], version: 3 });
  if (m.artifact?.tfjs !== undefined) out.push({ path: ["artifact", "tfjs"], version: 5 });
  m.variants?.forEach((v, i) => {
    if (!("checks" in v)) out.push({ path: ["variants", i], version: 3 });
  });
  if (m.validation !== undefined && "samples" in m.validation) out.push({ path: ["validation"], version: 3 });
  return out;
}

/** The contract version a manifest's fields need (see MANIFEST_SCHEMA_VERSIONS). */
export function requiredSchemaVersion(m: VersionedFields): ManifestSchemaVersion {
  return versionedFields(m).reduce<ManifestSchemaVersion>((a, f) => Math.max(a, f.version) as ManifestSchemaVersion, 1);
}

export const Manifest = ManifestFields.superRefine((m, ctx) => {
  // A TF.js model.json without its shard list could not be integrity-checked; an ONNX file has no shards.
  if ((m.artifact.format === "tfjs") !== (m.artifact.tfjs !== undefined)) {
    const message =
      m.artifact.format === "tfjs" ? "a TF.js artifact lists its weight shards here" : `only a TF.js artifact has this (format is "${m.artifact.format}")`;
    ctx.addIssue({ code: "custom", path: ["artifact", "tfjs"], message });
  }
  for (const f of versionedFields(m)) {
    if (f.version > m.schemaVersion) {
      ctx.addIssue({ code: "custom", path: f.path, message: `needs schemaVersion ${f.version} (this manifest says ${m.schemaVersion})` });
    }
  }
});
export type Manifest = z.output<typeof Manifest>;
export type ManifestInput = z.input<typeof Manifest>;
