/**
 * `edge-ml optimize`: make smaller or faster files of a registered version and keep one only when it still predicts
 * the same and is not slower where it runs.
 *
 * A goal (`--quantize int8`) is not one recipe: every scheme that applies is tried (weight-only per channel and per
 * tensor, dynamic; then the same with the first and last quantized layers kept in fp32, the usual remedy when the
 * edges of a network are sensitive), each candidate is compared with the fp32 model on the same inputs (the
 * evaluation CSV, or the version's stored samples) in onnxruntime-web's wasm build, the survivors are timed against
 * fp32 in the target's runtime (interleaved blocks, one process), and the smallest candidate that passes every gate
 * becomes the variant `<name>` in the version's manifest (rerunning replaces it). Failed candidates are reported,
 * never written.
 *
 * @example
 * ```ts
 * const r = await optimizeModel({ root, ref: "convnet@1.0.0", quantize: "int8", target: "worker" });
 * r.kept?.name; // "int8"
 * ```
 */
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import { DEFAULT_CONFIDENCE, DEFAULT_SEED } from "../../core/metrics/index.ts";
import { METRICS, type MetricName } from "../../core/metrics/names.ts";
import type { OptimizeGates } from "../../core/config.ts";
import { createPreprocessor } from "../../core/preprocess.ts";
import { MEDIA_STEPS } from "../../core/preprocess-media.ts";
import type { Instance } from "../../core/schema/features.ts";
import type { Manifest, Variant, VariantGate, VariantKind } from "../../core/schema/manifest.ts";
import { isWeightOnlyInt8 } from "../../core/session-hints.ts";
import type { OutputAgreement } from "../../core/validation/result.ts";
import { createBatchPredictor, type BatchPredictor } from "../baseline/predict.ts";
import { nullLimits } from "../data-validate/validate.ts";
import { createAgreement } from "../model-validate/agreement.ts";
import { validatedArtifact } from "../model-validate/artifact.ts";
import { createBadLabels } from "../model-validate/bad-labels.ts";
import { createLabelCodec } from "../model-validate/labels.ts";
import { scoreRows } from "../model-validate/metrics.ts";
import { evaluateCsv } from "../model-validate/run.ts";
import { createLabelScore, loadSamples, optimizeGatesFor } from "../model-validate/samples.ts";
import { createTensorSession } from "../model-validate/tensor-session.ts";
import { loadConfig } from "../project/config.ts";
import { sha256Bytes } from "../project/hash.ts";
import { updateManifest } from "../registry/manifest-file.ts";
import { loadModel } from "../registry/registry.ts";
import type { SampleTensor } from "../registry/samples.ts";
import { inspectOnnx } from "../registry/onnx-inspect.ts";
import { type GraphLevel, optimizeGraph } from "./graph.ts";
import { measureLatency, type Feed, type LatencyTarget } from "./latency/index.ts";
import { quantizeModel, type QuantizeScheme } from "./quantize/index.ts";

export const QUANTIZE_GOALS = ["int8", "int8-dynamic", "fp16", "int4"] as const;
export type QuantizeGoal = (typeof QUANTIZE_GOALS)[number];

export interface OptimizeOptions {
  root: string;
  ref: string;
  quantize?: QuantizeGoal;
  level?: GraphLevel;
  /** Evaluation CSV (tabular models: features + label). */
  data?: string;
  label?: string;
  /** Samples file (default: the version's stored samples). */
  samples?: string;
  target: LatencyTarget;
  /** Variant name (default: the quantization goal, or "optimized"). */
  name?: string;
  /** Wall time for the latency measurement (default 12 s). */
  latencyBudgetMs?: number;
  /** Report only: write no file and no manifest change. */
  dryRun?: boolean;
  onStep?: (step: string) => void;
}

interface Recipe {
  /** Shown in the report: "int8-per-channel", "int8-per-tensor (first/last fp32)". */
  label: string;
  scheme: QuantizeScheme | null;
  exclude: string[];
}

export interface CandidateReport {
  recipe: string;
  scheme: string | null;
  excluded: string[];
  bytes: number;
  /** bytes / fp32 bytes. */
  sizeRatio: number;
  quantized: number;
  skipped: number;
  agreement: OutputAgreement[];
  /** The task metric on labelled inputs, fp32 and this candidate, and the loss (positive = worse). */
  metric?: { name: string; fp32: number; candidate: number; loss: number };
  latency?: { ratio: number; ci95: [number, number]; medianUs: number };
  gates: VariantGate[];
  pass: boolean;
  /** Why the candidate could not be made or run. */
  error?: string;
}

export interface OptimizeResult {
  model: { name: string; version: string };
  target: LatencyTarget;
  level: GraphLevel | null;
  goal: QuantizeGoal | null;
  comparedOn: Variant["comparedOn"];
  fp32: { bytes: number; latencyUs: number | null };
  latencyRuntime: string | null;
  gates: OptimizeGates;
  candidates: CandidateReport[];
  /** The variant written (null when none passed). */
  kept: Variant | null;
  manifestFile: string;
}

/** Candidate schemes for a goal, in the order tried. */
function recipesFor(goal: QuantizeGoal | undefined): Recipe[] {
  if (goal === undefined) return [{ label: "graph only", scheme: null, exclude: [] }];
  if (goal === "int8") {
    return (["int8-per-channel", "int8-per-tensor", "int8-dynamic"] as const).map((scheme) => ({ label: scheme, scheme, exclude: [] }));
  }
  return [{ label: goal, scheme: goal, exclude: [] }];
}

const KIND: Record<string, VariantKind> = {
  "int8-per-channel": "int8",
  "int8-per-tensor": "int8",
  "int8-dynamic": "int8-dynamic",
  fp16: "fp16",
  int4: "int4",
};

interface Inputs {
  comparedOn: Variant["comparedOn"];
  /** Runs a candidate on the inputs and returns its agreement with fp32 (whose outputs are computed once) and the task metric. */
  evaluate(candidate: Uint8Array): Promise<{ agreement: OutputAgreement[]; metric?: { name: string; fp32: number; candidate: number; loss: number } }>;
  /** A few inputs for the latency measurement. */
  latencyFeeds: Record<string, Feed>[];
}

export async function optimizeModel(opts: OptimizeOptions): Promise<OptimizeResult> {
  if (opts.quantize === undefined && opts.level === undefined) {
    throw new EdgeMlError("ERR_USAGE", "nothing to do: pass --quantize and/or --level", {
      hint: "e.g. `npx edge-ml optimize <name>@<version> --quantize int8` (int8 | int8-dynamic | fp16 | int4) or --level extended",
    });
  }
  const config = await loadConfig(opts.root);
  const { manifest, ref, dir } = loadModel(opts.root, opts.ref);
  const gates = optimizeGatesFor(config, ref.name);
  const name = opts.name ?? opts.quantize ?? "optimized";
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) {
    throw new EdgeMlError("ERR_USAGE", `variant name "${name}" is not allowed`, { hint: "use lowercase letters, digits, '.', '_' and '-'" });
  }
  const fp32 = validatedArtifact(manifest, dir).bytes;
  const step = opts.onStep ?? (() => {});

  step("reading the comparison inputs");
  const inputs = opts.data !== undefined ? await tabularInputs(opts, manifest, fp32) : await sampleInputs(opts, manifest, dir, fp32);

  let base = fp32;
  if (opts.level !== undefined) {
    step(`optimizing the graph (level ${opts.level}) with onnxruntime-node`);
    base = await optimizeGraph(fp32, opts.level);
  }

  const candidates: { recipe: Recipe; bytes?: Uint8Array; report: CandidateReport }[] = [];
  const make = (recipe: Recipe) => {
    const report: CandidateReport = {
      recipe: recipe.label,
      scheme: recipe.scheme,
      excluded: recipe.exclude,
      bytes: 0,
      sizeRatio: 0,
      quantized: 0,
      skipped: 0,
      agreement: [],
      gates: [],
      pass: false,
    };
    if (recipe.scheme === null) {
      report.bytes = base.byteLength;
      report.sizeRatio = base.byteLength / fp32.byteLength;
      candidates.push({ recipe, bytes: base, report });
      return undefined;
    }
    try {
      const q = quantizeModel(base, { scheme: recipe.scheme, exclude: recipe.exclude });
      report.bytes = q.bytes.byteLength;
      report.sizeRatio = q.bytes.byteLength / fp32.byteLength;
      report.quantized = q.quantized.length;
      report.skipped = q.skipped.length;
      candidates.push({ recipe, bytes: q.bytes, report });
      return q;
    } catch (e) {
      report.error = (e as Error).message;
      report.gates = [];
      candidates.push({ recipe, report });
      return undefined;
    }
  };

  const firstRound = recipesFor(opts.quantize);
  const made = firstRound.map((r) => {
    step(`quantizing: ${r.label}`);
    return make(r);
  });
  await evaluateRound(candidates, inputs, gates, step);
  // Edges of a network are often the sensitive part: when a weight-only scheme fails on accuracy, try it again with
  // the first and last quantized nodes kept in fp32.
  const accurateSoFar = (c: (typeof candidates)[number]) => c.report.error === undefined && c.report.gates.length > 0 && c.report.gates.every((g) => g.pass);
  if (opts.quantize !== undefined && !candidates.some(accurateSoFar)) {
    const retry: Recipe[] = [];
    firstRound.forEach((r, i) => {
      const q = made[i];
      if (r.scheme === null || q === undefined || q.quantized.length < 3) return;
      const first = q.quantized[0]?.node;
      const last = q.quantized[q.quantized.length - 1]?.node;
      if (first !== undefined && last !== undefined) retry.push({ label: `${r.label} (first/last in fp32)`, scheme: r.scheme, exclude: [first, last] });
    });
    const from = candidates.length;
    for (const r of retry) {
      step(`quantizing: ${r.label}`);
      make(r);
    }
    await evaluateRound(candidates.slice(from), inputs, gates, step);
  }

  // Latency on the target, for the candidates that passed on accuracy, all in one runtime instance with fp32.
  const accurate = candidates.filter((c) => c.bytes !== undefined && accurateSoFar(c));
  let fp32LatencyUs: number | null = null;
  let latencyRuntime: string | null = null;
  if (accurate.length > 0) {
    step(`measuring latency in the ${opts.target} runtime (${accurate.length} candidate${accurate.length === 1 ? "" : "s"} against fp32)`);
    const report = await measureLatency({
      target: opts.target,
      // Each candidate runs as the edge would serve it: a weight-only int8 variant with its dequantization folded.
      models: [
        { id: "fp32", bytes: fp32 },
        ...accurate.map((c, i) => ({ id: `c${i}`, bytes: c.bytes as Uint8Array, foldWeightDequantize: isWeightOnlyInt8(c.recipe.scheme) })),
      ],
      feeds: inputs.latencyFeeds,
      budgetMs: opts.latencyBudgetMs ?? 12_000,
    });
    latencyRuntime = report.runtime;
    fp32LatencyUs = report.models[0]?.medianUs ?? null;
    accurate.forEach((c, i) => {
      const ratio = report.ratios.find((r) => r.id === `c${i}`);
      const m = report.models.find((x) => x.id === `c${i}`);
      if (ratio === undefined || m === undefined) return;
      c.report.latency = { ratio: ratio.ratio, ci95: ratio.ci95, medianUs: m.medianUs };
      const pass = ratio.ratio <= gates.maxLatencyRatio;
      c.report.gates.push({
        kind: "latency",
        metric: null,
        value: ratio.ratio,
        threshold: gates.maxLatencyRatio,
        op: "<=",
        ci95: ratio.ci95,
        pass,
        message: `${fmtRatio(ratio.ratio)} the fp32 latency on ${opts.target} (95% CI ${fmtRatio(ratio.ci95[0])}–${fmtRatio(ratio.ci95[1])}) ${pass ? "≤" : ">"} ${fmtRatio(gates.maxLatencyRatio)}`,
      });
    });
  }
  for (const c of candidates) c.report.pass = c.report.error === undefined && c.report.gates.length > 0 && c.report.gates.every((g) => g.pass);

  const manifestFile = join(dir, "manifest.json");
  const passing = candidates.filter((c) => c.report.pass && c.bytes !== undefined);
  passing.sort((a, b) => a.report.bytes - b.report.bytes || (a.report.latency?.ratio ?? 1) - (b.report.latency?.ratio ?? 1));
  const best = passing[0];
  let kept: Variant | null = null;
  if (best?.bytes !== undefined) {
    const bytes = best.bytes;
    const info = inspectOnnx(bytes, `${best.recipe.label} variant`);
    kept = {
      name,
      file: `model.${name}.onnx`,
      sha256: sha256Bytes(bytes),
      bytes: bytes.byteLength,
      kind: best.recipe.scheme === null ? "optimized" : (KIND[best.recipe.scheme] ?? "int8"),
      opsets: info.opsets,
      parent: { file: manifest.artifact.file, sha256: manifest.artifact.sha256 },
      recipe: { level: opts.level ?? null, scheme: best.recipe.scheme, excluded: best.recipe.exclude },
      target: opts.target,
      createdAt: new Date().toISOString(),
      comparedOn: inputs.comparedOn,
      gates: best.report.gates,
    };
    if (!opts.dryRun) {
      step(`writing variant ${name} (${kept.file})`);
      writeVariant(dir, manifestFile, manifest, kept, bytes);
    }
  }
  return {
    model: { name: ref.name, version: ref.version },
    target: opts.target,
    level: opts.level ?? null,
    goal: opts.quantize ?? null,
    comparedOn: inputs.comparedOn,
    fp32: { bytes: fp32.byteLength, latencyUs: fp32LatencyUs },
    latencyRuntime,
    gates,
    candidates: candidates.map((c) => c.report),
    kept,
    manifestFile,
  };
}

/** Accuracy gates for candidates not yet evaluated. */
async function evaluateRound(
  candidates: { bytes?: Uint8Array; report: CandidateReport }[],
  inputs: Inputs,
  gates: OptimizeGates,
  step: (s: string) => void,
): Promise<void> {
  const todo = candidates.filter((c) => c.bytes !== undefined && c.report.error === undefined);
  if (todo.length === 0) return;
  step(`comparing ${todo.length} candidate${todo.length === 1 ? "" : "s"} with fp32 on ${inputs.comparedOn.file} (onnxruntime-web wasm)`);
  // One candidate at a time: a candidate that does not load or run in onnxruntime-web is reported, not fatal.
  for (const c of todo) {
    try {
      const r = await inputs.evaluate(c.bytes as Uint8Array);
      c.report.agreement = r.agreement;
      if (r.metric) c.report.metric = r.metric;
      c.report.gates = accuracyGates(r.agreement, r.metric, gates);
    } catch (e) {
      c.report.error = (e as Error).message;
    }
  }
}

function accuracyGates(agreement: readonly OutputAgreement[], metric: CandidateReport["metric"], gates: OptimizeGates): VariantGate[] {
  const out: VariantGate[] = [];
  if (metric) {
    const pass = metric.loss <= gates.maxMetricLoss + 1e-12;
    out.push({
      kind: "metric",
      metric: metric.name,
      value: metric.loss,
      threshold: gates.maxMetricLoss,
      op: "<=",
      pass,
      message: `${metric.name} ${metric.candidate.toFixed(4)} vs fp32 ${metric.fp32.toFixed(4)}: loss ${pct(metric.loss)} ${pass ? "≤" : ">"} ${pct(gates.maxMetricLoss)}`,
    });
  }
  for (const a of agreement) {
    if (a.argmaxAgreement !== null) {
      const pass = a.argmaxAgreement >= gates.minArgmaxAgreement;
      out.push({
        kind: "argmax",
        metric: a.name,
        value: a.argmaxAgreement,
        threshold: gates.minArgmaxAgreement,
        op: ">=",
        pass,
        message: `argmax of ${a.name} agrees with fp32 on ${pct(a.argmaxAgreement)} of ${a.rows} rows ${pass ? "≥" : "<"} ${pct(gates.minArgmaxAgreement)}`,
      });
    }
    if (gates.maxAbsError !== undefined) {
      const pass = a.maxAbsError !== null && a.maxAbsError <= gates.maxAbsError;
      out.push({
        kind: "max_abs_error",
        metric: a.name,
        value: a.maxAbsError,
        threshold: gates.maxAbsError,
        op: "<=",
        pass,
        message: `largest difference in ${a.name} ${a.maxAbsError === null ? "not finite" : a.maxAbsError.toPrecision(3)} ${pass ? "≤" : ">"} ${gates.maxAbsError}`,
      });
    }
  }
  if (out.length === 0) {
    // No labels and no class axis (e.g. a regression tensor model): the outputs must still be close.
    for (const a of agreement) {
      const pass = a.minCosine !== null && a.minCosine >= 0.999;
      out.push({
        kind: "cosine",
        metric: a.name,
        value: a.minCosine,
        threshold: 0.999,
        op: ">=",
        pass,
        message: `lowest cosine similarity of ${a.name} with fp32 ${a.minCosine === null ? "not finite" : a.minCosine.toFixed(6)} ${pass ? "≥" : "<"} 0.999 (set optimize.maxAbsError to gate on the largest difference)`,
      });
    }
  }
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const fmtRatio = (x: number) => `${x.toFixed(2)}x`;

/** Inputs from samples: every line's feeds; metric = accuracy (argmax vs label) where lines carry labels. */
async function sampleInputs(opts: OptimizeOptions, manifest: Manifest, dir: string, fp32: Uint8Array): Promise<Inputs> {
  const { lines, file, sha256 } = loadSamples(opts, manifest, dir);
  const reference = await createTensorSession("wasm", fp32);
  const refOutputs: Record<string, SampleTensor>[] = [];
  try {
    for (const l of lines) refOutputs.push(await reference.run(l.feeds));
  } finally {
    await reference.release();
  }
  // Labels score the first output, as `validate` scores them: accuracy where it has a class axis.
  const labelOutput = manifest.io.outputs[0]?.name ?? "";
  const accuracy = (outs: readonly Record<string, SampleTensor>[]): number | undefined => {
    const score = createLabelScore(labelOutput);
    lines.forEach((l, i) => l.labels && score.add(l.line, outs[i]?.[labelOutput], l.labels));
    return score.finish()?.accuracy ?? undefined;
  };
  const fp32Accuracy = accuracy(refOutputs);
  return {
    comparedOn: { kind: "samples", file, sha256, rows: lines.length },
    latencyFeeds: lines.slice(0, 16).map((l) => l.feeds as unknown as Record<string, Feed>),
    async evaluate(bytes) {
      const session = await createTensorSession("wasm", bytes);
      const agreements = new Map(Object.keys(refOutputs[0] ?? {}).map((name) => [name, createAgreement(name)]));
      const outs: Record<string, SampleTensor>[] = [];
      try {
        for (const [i, l] of lines.entries()) {
          const o = await session.run(l.feeds);
          for (const [name, a] of agreements) {
            const problem = a.add(l.line, o[name], refOutputs[i]?.[name] as SampleTensor);
            if (problem !== undefined) throw new Error(`the candidate does not answer like fp32: ${problem}`);
          }
          outs.push(o);
        }
      } finally {
        await session.release();
      }
      const candidate = fp32Accuracy !== undefined ? accuracy(outs) : undefined;
      return {
        agreement: [...agreements.values()].map((a) => a.finish()),
        ...(fp32Accuracy !== undefined && candidate !== undefined
          ? { metric: { name: "accuracy", fp32: fp32Accuracy, candidate, loss: fp32Accuracy - candidate } }
          : {}),
      };
    },
  };
}

/** The metric a tabular task's loss is measured in (percentage points for scores in [0, 1]; relative for rmse). */
const PRIMARY: Record<"binary" | "multiclass" | "regression", MetricName> = { binary: "roc_auc", multiclass: "accuracy", regression: "rmse" };

/** Inputs from an evaluation CSV: the rows `validate` would score, through the version's preprocessing. */
async function tabularInputs(opts: OptimizeOptions, manifest: Manifest, fp32: Uint8Array): Promise<Inputs> {
  const data = opts.data as string;
  if (manifest.features === undefined || manifest.preprocessing === undefined) {
    throw new EdgeMlError("ERR_USAGE", `${manifest.name}@${manifest.version} has no feature schema: --data needs a tabular model`, {
      hint: "compare a tensor model on its samples (--samples <file.jsonl>, or the ones stored with `models add --samples`)",
    });
  }
  const codec = createLabelCodec(manifest);
  const label = opts.label ?? manifest.label;
  if (label === undefined) {
    throw new EdgeMlError("ERR_USAGE", `which column holds the labels? ${manifest.name}@${manifest.version} records none`, { hint: "pass --label <column>" });
  }
  const preprocessing = manifest.preprocessing;
  const predictor = (bytes: Uint8Array) => createBatchPredictor(bytes, preprocessing, manifest.postprocessing, manifest.io.outputs, "wasm");
  // The first rows the fp32 model sees become the latency inputs (one batch of up to 64).
  let captured: Instance[] = [];
  const capture = (p: BatchPredictor): BatchPredictor => ({
    predict: (instances) => {
      if (captured.length === 0) captured = instances.slice(0, 64);
      return p.predict(instances);
    },
    release: () => p.release(),
  });
  // One model per pass over the CSV: every model has the same feature schema, so the same rows are scored, in the
  // same order, and fp32's outputs and score are computed once for all candidates.
  const run = async (bytes: Uint8Array, wrap: (p: BatchPredictor) => BatchPredictor = (p) => p) => {
    const p = wrap(await predictor(bytes));
    try {
      return await evaluateCsv({
        csv: data,
        models: [{ features: manifest.features ?? [], predictor: p }],
        label,
        slices: [],
        codec,
        nullLimits: nullLimits(manifest.features ?? [], manifest.baseline, undefined),
        badLabels: createBadLabels(relative(process.cwd(), data) || data, label, true, `${manifest.name}@${manifest.version}`),
      });
    } finally {
      await p.release();
    }
  };
  // The fp32 pass also picks the latency batch (its first rows) and hashes the data.
  const first = await run(fp32, capture);
  const pre = createPreprocessor(preprocessing, MEDIA_STEPS);
  const feeds = Object.fromEntries(
    [...pre.transform(captured)].map(([name, t]) => [name, { dtype: t.dtype, dims: [...t.dims], data: t.data } as unknown as Feed]),
  );
  const metricName = PRIMARY[codec.task];
  const boot = { resamples: 10, seed: DEFAULT_SEED, confidence: DEFAULT_CONFIDENCE };
  const ref = first.rows.outputs(0);
  const refScore = scoreRows(first.rows, ref, codec, boot).metrics[metricName]?.value ?? Number.NaN;
  return {
    comparedOn: { kind: "data", file: relative(opts.root, data) || data, sha256: first.sha256, rows: first.rows.size },
    latencyFeeds: [feeds],
    async evaluate(bytes) {
      const r = await run(bytes);
      const out = r.rows.outputs(0);
      if (out.length !== ref.length) throw new Error(`the candidate scored ${out.length} rows of ${data}, fp32 ${ref.length}`);
      const score = scoreRows(r.rows, out, codec, boot).metrics[metricName]?.value ?? Number.NaN;
      const higher = METRICS[metricName].higherIsBetter;
      const loss = higher ? refScore - score : (score - refScore) / Math.max(Math.abs(refScore), 1e-12);
      // Errors and cosine over the whole column (one "line"); agreement on the decision the task makes from it.
      const name = codec.task === "binary" ? "score" : codec.task === "multiclass" ? "class" : "value";
      const measures = createAgreement(name);
      measures.add(1, { dtype: "float64", dims: [out.length], data: out }, { dtype: "float64", dims: [ref.length], data: ref });
      const cls = (x: number) => (codec.task === "binary" ? (x >= codec.threshold ? 1 : 0) : x);
      let agree = 0;
      for (let i = 0; i < ref.length; i++) if (cls(ref[i] as number) === cls(out[i] as number)) agree++;
      const regression = codec.task === "regression" || ref.length === 0;
      const agreement: OutputAgreement = {
        ...measures.finish(),
        rows: regression ? 0 : ref.length,
        argmaxAgreement: regression ? null : agree / ref.length,
      };
      return { agreement: [agreement], metric: { name: metricName, fp32: refScore, candidate: score, loss } };
    },
  };
}

/** Write the variant's file (temp + rename) and its record (replacing one of the same name). */
function writeVariant(dir: string, manifestFile: string, manifest: Manifest, variant: Variant, bytes: Uint8Array): void {
  const path = join(dir, variant.file);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
  const previous = manifest.variants.find((v) => v.name === variant.name);
  const variants = [...manifest.variants.filter((v) => v.name !== variant.name), variant];
  try {
    updateManifest(manifestFile, { variants });
  } catch (e) {
    if (previous?.file !== variant.file) rmSync(path, { force: true });
    throw e;
  }
  if (previous !== undefined && previous.file !== variant.file) rmSync(join(dir, previous.file), { force: true });
}
