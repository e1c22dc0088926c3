/**
 * `models add`: register an ONNX file or a TF.js model (model.json and its weight shards) as a new immutable version with its IO, integrity hash, schema,
 * preprocessing and lineage.
 *
 * @example
 * ```ts
 * await addModel(root, { model: "model.onnx", name: "titanic", version: "1.0.0", slices: [] });
 * ```
 */
import { basename, relative } from "node:path";
import semver from "semver";
import * as z from "zod";
import { EdgeMlError } from "../../core/errors.ts";
import { checkLookedUpFeatures } from "../../core/feature-views.ts";
import { validatePostprocessing } from "../../core/postprocess.ts";
import { validatePreprocessing } from "../../core/preprocess.ts";
import { FeatureSpec } from "../../core/schema/features.ts";
import { Manifest, requiredSchemaVersion, TASKS, type Task } from "../../core/schema/manifest.ts";
import { Postprocessing, Preprocessing } from "../../core/schema/preprocessing.ts";
import { isTensorStep } from "../../core/schema/tensor-step.ts";
import { modelBaseline } from "../baseline/baseline.ts";
import { csvSummary } from "../tabular/csv.ts";
import { loadConfig } from "../project/config.ts";
import { gitState } from "../project/git.ts";
import { sha256File } from "../project/hash.ts";
import { readJsonFile } from "../project/json-file.ts";
import { readModelArtifact, verifyVersionFiles } from "./model-artifact.ts";
import { writeVersion } from "./registry.ts";
import { parseSamples, readSamplesFile, SAMPLES_FILE, samplesRef, shownPath } from "./samples.ts";

export interface AddModelOptions {
  model: string;
  name: string;
  version: string;
  features?: string;
  preprocess?: string;
  postprocess?: string;
  params?: string;
  data?: string[];
  label?: string;
  slices: string[];
  task?: string;
  description?: string;
  /** Recorded requests (JSON Lines of KServe V2 bodies), checked against the model's IO and stored as samples.jsonl. */
  samples?: string;
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/;

export async function addModel(root: string, opts: AddModelOptions): Promise<{ dir: string; manifest: Manifest }> {
  if (!NAME.test(opts.name)) {
    throw new EdgeMlError("ERR_USAGE", `model name "${opts.name}" is not allowed`, {
      hint: "use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit (e.g. titanic)",
    });
  }
  if (semver.valid(opts.version) === null || semver.clean(opts.version) !== opts.version) {
    throw new EdgeMlError("ERR_BAD_VERSION", `version "${opts.version}" is not a semantic version`, {
      hint: "use MAJOR.MINOR.PATCH, e.g. --version 1.0.0 (https://semver.org)",
    });
  }
  const model = readModelArtifact(opts.model);
  const info = model.io;
  // Checked before anything else is read or computed: a bad line stops the registration with nothing written.
  const sampleBytes = opts.samples === undefined ? undefined : readSamplesFile(opts.samples);
  const samples = opts.samples && sampleBytes ? samplesRef(sampleBytes, parseSamples(sampleBytes.toString("utf8"), shownPath(opts.samples), info)) : undefined;

  const schemaHint = "see `npx edge-ml models add --help` and the format in core/schema/";
  const features = opts.features ? readJsonFile(opts.features, z.array(FeatureSpec), "feature schema", schemaHint) : undefined;
  const preprocessing = opts.preprocess ? readJsonFile(opts.preprocess, Preprocessing, "preprocessing", schemaHint) : undefined;
  const postprocessing = opts.postprocess ? readJsonFile(opts.postprocess, Postprocessing, "postprocessing", schemaHint) : undefined;
  const hyperparameters = opts.params ? readJsonFile(opts.params, z.record(z.string(), z.unknown()), "hyperparameters", schemaHint) : {};

  if (features?.some((f) => f.from !== undefined)) {
    const issues = checkLookedUpFeatures(features, (await loadConfig(root)).featureViews);
    if (issues.length > 0) {
      throw new EdgeMlError("ERR_BAD_CONFIG", `${opts.features}: looked-up features do not match the config's featureViews`, {
        ...(opts.features ? { file: opts.features } : {}),
        issues,
        hint: 'define the view in edge-ml.config.ts, e.g. featureViews: { customer: { key: "customer_id", features: ["plan"], store: "kv" } }, or fix "from"',
      });
    }
  }
  if (features && !preprocessing) {
    throw new EdgeMlError("ERR_USAGE", "--features needs --preprocess: the preprocessing says how features become the model's input tensors", {
      hint: "pass --preprocess p.json, or leave out --features to serve the model as a tensor model",
    });
  }
  if (model.onnx === undefined && opts.data !== undefined && opts.data.length > 0 && features) {
    throw new EdgeMlError(
      "ERR_USAGE",
      "--data with --features needs an ONNX model: the training-data baseline runs the model, and TF.js models do not run in the CLI yet",
      {
        hint: "register the TF.js model without --data (as a tensor model, optionally with --preprocess and --samples)",
      },
    );
  }
  if (preprocessing) {
    const issues = validatePreprocessing(preprocessing, features, info.inputs);
    if (issues.length > 0) {
      throw new EdgeMlError("ERR_BAD_CONFIG", `${opts.preprocess}: preprocessing does not fit the features and the model`, {
        ...(opts.preprocess ? { file: opts.preprocess } : {}),
        issues,
        hint: "every step must read a feature or an earlier step's output, and inputs must name the model's graph inputs",
      });
    }
  }
  if (postprocessing) {
    const issues = validatePostprocessing(postprocessing, info.outputs);
    if (issues.length > 0) {
      throw new EdgeMlError("ERR_BAD_CONFIG", `${opts.postprocess}: postprocessing does not fit the model's outputs`, {
        ...(opts.postprocess ? { file: opts.postprocess } : {}),
        issues,
        hint: `the model's outputs are: ${info.outputs.map((o) => `${o.name} ${o.dtype}[${o.shape.map((d) => d ?? "?").join(", ")}]`).join("; ")}`,
      });
    }
  }

  const data = [];
  const featureNames = new Set((features ?? []).map((f) => f.name));
  for (const file of opts.data ?? []) {
    const summary = await csvSummary(file);
    const cols = new Set(summary.columns);
    const wanted = [...(opts.label ? [opts.label] : []), ...opts.slices, ...featureNames];
    const missing = wanted.filter((c) => !cols.has(c));
    if (missing.length > 0) {
      throw new EdgeMlError("ERR_BAD_DATA", `${file} has no column ${missing.map((m) => `"${m}"`).join(", ")}`, {
        file,
        hint: `its columns are: ${summary.columns.join(", ")}`,
      });
    }
    data.push({ file: relative(root, file) || basename(file), sha256: await sha256File(file), rows: summary.rows, role: "train" as const });
  }
  for (const slice of opts.slices) {
    if (features && !featureNames.has(slice)) {
      throw new EdgeMlError("ERR_USAGE", `--slice ${slice} is not a feature`, { hint: `features: ${[...featureNames].join(", ")}` });
    }
  }

  // --- baseline (ML monitoring): training-data and prediction statistics of the first --data file; none for tensor models.
  const task = resolveTask(opts.task, features !== undefined, postprocessing, preprocessing);
  const baseline = await modelBaseline({
    csv: opts.data?.[0],
    createdFrom: data[0],
    features,
    preprocessing,
    postprocessing,
    outputs: info.outputs,
    task,
    model: model.onnx ?? new Uint8Array(),
  });

  const manifest = Manifest.parse({
    schemaVersion: requiredSchemaVersion({ features, samples, preprocessing, artifact: model.artifact }),
    name: opts.name,
    version: opts.version,
    createdAt: new Date().toISOString(),
    ...(opts.description ? { description: opts.description } : {}),
    task,
    artifact: model.artifact,
    io: { inputs: info.inputs, outputs: info.outputs },
    ...(features ? { features } : {}),
    ...(preprocessing ? { preprocessing } : {}),
    ...(postprocessing ? { postprocessing } : {}),
    ...(opts.label ? { label: opts.label } : {}),
    ...(samples ? { samples } : {}),
    slices: opts.slices,
    ...(baseline ? { baseline } : {}),
    lineage: {
      code: gitState(process.cwd()),
      data,
      hyperparameters,
      source: { file: basename(model.source.path), sha256: model.source.sha256 },
    },
  });
  const dir = writeVersion(root, manifest, { ...model.files, ...(sampleBytes ? { [SAMPLES_FILE]: sampleBytes } : {}) });
  // What was written is what was hashed: read back with the same check build and load run.
  await verifyVersionFiles(dir, manifest);
  return { dir, manifest };
}

function resolveTask(flag: string | undefined, tabular: boolean, post: Postprocessing | undefined, pre: Preprocessing | undefined): Task {
  if (flag !== undefined) {
    if (!(TASKS as readonly string[]).includes(flag)) {
      throw new EdgeMlError("ERR_USAGE", `--task ${flag} is not a task`, { hint: `Should be one of: ${TASKS.join(", ")}` });
    }
    return flag as Task;
  }
  if (!tabular) return "tensor";
  const ops = new Set((post?.steps ?? []).map((s) => s.op));
  if (ops.has("threshold") || ops.has("sigmoid")) return "binary";
  if (ops.has("softmax") || ops.has("argmax")) return "multiclass";
  // An image/audio model answering raw tensors (a detector's map, embeddings) is not a regression.
  if (ops.size === 0 && pre?.steps.some(isTensorStep)) return "tensor";
  return "regression";
}
