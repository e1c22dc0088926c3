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
import { z } from "zod";
import { ValidationResult } from "../validation/result.ts";
import { Baseline } from "./baseline.ts";
import { FeatureSpec } from "./features.ts";
import { Postprocessing, Preprocessing } from "./preprocessing.ts";

/**
 * Manifest contract versions this code reads. 1: the first contract. 2: category features may say
 * `normalize: "case_and_space"` (issue 9). A manifest is written with the lowest version that holds its fields
 * (`requiredSchemaVersion`), so an older edge-ml still reads every manifest that uses nothing newer.
 */
export const MANIFEST_SCHEMA_VERSIONS = [1, 2] as const;
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

export const Artifact = z.strictObject({
  file: z.string(),
  format: z.enum(["onnx", "tfjs"]),
  sha256,
  bytes: z.int().nonnegative(),
  opsets: z.array(z.strictObject({ domain: z.string(), version: z.int() })),
  producer: z.string().optional(),
});
export type Artifact = z.output<typeof Artifact>;

const Variant = z.strictObject({
  name: z.string(),
  file: z.string(),
  sha256,
  bytes: z.int().nonnegative(),
  kind: z.enum(["optimized", "int8", "fp16"]),
  checks: z.record(z.string(), z.unknown()).default({}),
});

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
  variants: z.array(Variant).default([]),
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

/** The contract version a manifest's fields need (see MANIFEST_SCHEMA_VERSIONS). */
export function requiredSchemaVersion(m: { features?: readonly { normalize?: string | undefined }[] | undefined }): ManifestSchemaVersion {
  return m.features?.some((f) => f.normalize !== undefined) ? 2 : 1;
}

export const Manifest = ManifestFields.superRefine((m, ctx) => {
  if (m.schemaVersion >= 2) return;
  m.features?.forEach((f, i) => {
    if (f.normalize !== undefined) {
      ctx.addIssue({ code: "custom", path: ["features", i, "normalize"], message: `needs schemaVersion 2 (this manifest says ${m.schemaVersion})` });
    }
  });
});
export type Manifest = z.output<typeof Manifest>;
export type ManifestInput = z.input<typeof Manifest>;
