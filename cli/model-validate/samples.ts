/**
 * `edge-ml validate` on samples: run a model's recorded requests (cli/registry/samples.ts) through the engine the
 * edge serves (onnxruntime-web's wasm by default) and compare every output with the line's expected outputs, or,
 * for lines without them, with onnxruntime-node's outputs on the same bytes. The samples gates
 * (`gates.samples`, per model `models.<name>.gates.samples`) become checks; the result goes into the manifest's
 * `validation`, which is what lets `deploy` ship a tensor model without --force. A variant (`--variant`) is compared
 * with what the fp32 model gives and held to the optimize gates (argmax agreement, accuracy loss on labels, and max
 * abs error when `optimize.maxAbsError` is set); its result goes into the variant's own `validation`.
 *
 * @example
 * ```ts
 * const { result } = await validateSamples({ root, ref: "mlp@1.0.0" });
 * result.outputs[0]; // { name: "y", maxAbsError: 2.9e-8, minCosine: 1, argmaxAgreement: 1, ... }
 * ```
 */
import { join, relative } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import { SamplesGates } from "../../core/validation/gates.ts";
import type { OutputAgreement, SamplesValidationResult } from "../../core/validation/result.ts";
import type { Config, OptimizeGates } from "../../core/config.ts";
import { loadConfig } from "../project/config.ts";
import { sha256Bytes } from "../project/hash.ts";
import { loadModel } from "../registry/registry.ts";
import { readSamplesFile, parseSamples, shownPath, storedSamples, type SampleLine, type SampleTensor } from "../registry/samples.ts";
import { argmax, createAgreement, toNumbers, type Agreement } from "./agreement.ts";
import { recordValidation, validatedArtifact } from "./artifact.ts";
import type { Runtime } from "./predictor.ts";
import type { ModelValidation } from "./validate.ts";
import { samplesChecks, variantChecks } from "./samples-checks.ts";
import { createTensorSession, type TensorSession } from "./tensor-session.ts";

export interface SamplesValidateOptions {
  root: string;
  ref: string;
  /** A samples file to use instead of the version's stored samples. */
  samples?: string;
  /** The engine under test (default wasm: what the edge serves). */
  runtime?: Runtime;
  /** Validate this variant (`manifest.variants`) instead of the fp32 artifact. */
  variant?: string;
  /** Record the result in the manifest (default true). */
  write?: boolean;
}

export interface SamplesValidation {
  result: SamplesValidationResult;
  manifestFile: string;
  name: string;
  version: string;
  variant?: string;
}

/** True for a validation on samples (false: on labelled data). */
export const isSamplesValidation = (v: ModelValidation | SamplesValidation): v is SamplesValidation => "samples" in v.result;

/** The samples gates for a model: `models.<name>.gates.samples`, else `gates.samples`, else the defaults. */
function samplesGatesFor(config: Config, model: string): SamplesGates {
  const own = Object.hasOwn(config.models, model) ? config.models[model]?.gates?.samples : undefined;
  return own ?? config.gates.samples ?? SamplesGates.parse({});
}

/** The samples to run: `--samples <file>` when given, else the version's stored ones (hash checked); file and hash as recorded. */
export function loadSamples(
  opts: { root: string; samples?: string | undefined },
  manifest: Manifest,
  dir: string,
): { lines: SampleLine[]; file: string; sha256: string } {
  if (opts.samples !== undefined) {
    const bytes = readSamplesFile(opts.samples);
    const lines = parseSamples(bytes.toString("utf8"), shownPath(opts.samples), manifest.io);
    return { lines, file: relative(opts.root, opts.samples) || opts.samples, sha256: sha256Bytes(bytes) };
  }
  const lines = storedSamples(dir, manifest);
  if (lines === undefined || manifest.samples === undefined) {
    const ref = `${manifest.name}@${manifest.version}`;
    throw new EdgeMlError("ERR_USAGE", `${ref} has no stored samples${manifest.features ? "" : " and no feature schema"}: what should validate run it on?`, {
      hint: manifest.features
        ? `pass --data <eval.csv> (labelled rows), or --samples <samples.jsonl> (recorded requests)`
        : `pass --samples <samples.jsonl> (one KServe V2 request body per line), or register the version with \`npx edge-ml models add ... --samples <file>\``,
    });
  }
  return { lines, file: relative(opts.root, join(dir, manifest.samples.file)), sha256: manifest.samples.sha256 };
}

/** Labels against the first model output: argmax accuracy when its last axis has several values, else MAE. */
export function createLabelScore(output: string) {
  let rows = 0;
  let correct = 0;
  let absSum = 0;
  let kind: "class" | "value" | undefined;
  return {
    add(line: number, t: SampleTensor | undefined, labels: readonly number[]): string | undefined {
      if (t === undefined) return `line ${line}: the model gave no output "${output}"`;
      const v = toNumbers(t);
      const last = t.dims[t.dims.length - 1] ?? 1;
      const classes = t.dims.length >= 2 && last > 1;
      const n = classes ? v.length / last : v.length;
      if (n !== labels.length) return `line ${line}: ${labels.length} labels for ${n} ${classes ? "rows" : "values"} of "${output}"`;
      kind = classes ? "class" : "value";
      labels.forEach((label, i) => {
        rows++;
        if (classes) correct += argmax(v, i * last, last) === label ? 1 : 0;
        else absSum += Math.abs((v[i] as number) - label);
      });
      return undefined;
    },
    finish(): SamplesValidationResult["labels"] {
      if (kind === undefined) return null;
      return { output, rows, accuracy: kind === "class" ? correct / rows : null, mae: kind === "value" ? absSum / rows : null };
    },
  };
}

/** The optimize gates for a model (`optimize`, overridden key by key by `models.<name>.optimize`): a variant's gates. */
export function optimizeGatesFor(config: Config, model: string): OptimizeGates {
  const own = Object.hasOwn(config.models, model) ? config.models[model]?.optimize : undefined;
  return { ...config.optimize, ...Object.fromEntries(Object.entries(own ?? {}).filter(([, v]) => v !== undefined)) };
}

export async function validateSamples(opts: SamplesValidateOptions): Promise<SamplesValidation> {
  const config = await loadConfig(opts.root);
  const { manifest, ref, dir } = loadModel(opts.root, opts.ref);
  const samples = loadSamples(opts, manifest, dir);
  const target = validatedArtifact(manifest, dir, opts.variant);
  const runtime = opts.runtime ?? "wasm";
  // A variant changes outputs by design (quantization): it is held to what the fp32 model gives (the recorded
  // outputs, else the fp32 file on onnxruntime-node) with the optimize gates, not to float32 rounding.
  const variant = opts.variant !== undefined;
  const referenceBytes = variant ? validatedArtifact(manifest, dir).bytes : target.bytes;

  const sessions: TensorSession[] = [];
  try {
    const served = await createTensorSession(runtime, target.bytes);
    sessions.push(served);
    // The reference for lines without expected outputs: onnxruntime-node on the reference bytes (the served session
    // itself when it is that already).
    let reference: TensorSession | undefined = runtime === "node" && !variant ? served : undefined;
    const referenceRun = async (line: SampleLine, out: Record<string, SampleTensor>) => {
      if (reference === undefined)
        sessions.push((reference = await createTensorSession("node", referenceBytes, "comparing sample lines that carry no expected outputs (the reference)")));
      return reference === served ? out : reference.run(line.feeds);
    };
    const agreements = new Map<string, Agreement>();
    const problems = new Map<string, string[]>();
    const problem = (key: string, message: string) => problems.set(key, [...(problems.get(key) ?? []), message]);
    const labelOutput = manifest.io.outputs[0]?.name ?? "";
    const labels = createLabelScore(labelOutput);
    const referenceLabels = createLabelScore(labelOutput);
    for (const line of samples.lines) {
      const out = await served.run(line.feeds);
      const expected = line.outputs ?? (await referenceRun(line, out));
      for (const [name, t] of Object.entries(expected)) {
        let a = agreements.get(name);
        if (a === undefined) agreements.set(name, (a = createAgreement(name)));
        const p = a.add(line.line, out[name], t);
        if (p !== undefined) problem(name, p);
      }
      if (line.labels) {
        const p = labels.add(line.line, out[labelOutput], line.labels);
        if (p !== undefined) problem("", p);
        if (variant) referenceLabels.add(line.line, expected[labelOutput] ?? (await referenceRun(line, out))[labelOutput], line.labels);
      }
    }
    const order = manifest.io.outputs.map((o) => o.name);
    const outputs: OutputAgreement[] = [...agreements.values()].map((a) => a.finish()).sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    const labelResult = labels.finish();
    const checks = variant
      ? variantChecks(outputs, problems, labelResult, referenceLabels.finish(), optimizeGatesFor(config, ref.name))
      : samplesChecks(outputs, problems, labelResult, samplesGatesFor(config, ref.name));
    const result: SamplesValidationResult = {
      v: 1,
      blessed: checks.every((c) => c.pass),
      date: new Date().toISOString(),
      task: manifest.task,
      artifactSha256: target.sha256,
      runtime,
      samples: {
        file: samples.file,
        sha256: samples.sha256,
        lines: samples.lines.length,
        withOutputs: samples.lines.filter((l) => l.outputs !== undefined).length,
        withLabels: samples.lines.filter((l) => l.labels !== undefined).length,
      },
      outputs,
      labels: labelResult,
      checks,
    };
    const manifestFile = join(dir, "manifest.json");
    if (opts.write !== false) recordValidation(manifestFile, manifest, result, opts.variant);
    return { result, manifestFile, name: ref.name, version: ref.version, ...(opts.variant !== undefined ? { variant: opts.variant } : {}) };
  } finally {
    for (const s of sessions) await s.release();
  }
}
