/**
 * Optimize benchmark: for every real fixture model (test/fixtures/optimize: a trained conv net, an MLP, an LSTM with
 * If/Loop, a transformer encoder layer, torchvision's squeezenet, a hand-built opset-21 MLP) and every quantization
 * goal, what `edge-ml optimize` measures: bytes, agreement with fp32 on the recorded samples (argmax, max abs error),
 * task-metric loss where samples carry labels, and latency in workerd as a ratio to fp32 with its 95% interval
 * (interleaved blocks in one isolate). Runs `optimizeModel` with `dryRun`, so nothing is written.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type OptimizeResult, optimizeModel, QUANTIZE_GOALS } from "../cli/optimize/optimize.ts";
import { addModel } from "../cli/registry/add-model.ts";
import { opset21Model, opset21Samples } from "../test/fixtures/optimize/make-opset21.ts";

const FIXTURES = join(import.meta.dirname, "..", "test", "fixtures", "optimize");
const MODELS = ["convnet", "mlp", "recurrent", "attention", "squeezenet", "opset21"];

export interface OptimizeBenchRow {
  model: string;
  goal: string;
  candidate: string;
  fp32Bytes: number;
  bytes: number;
  sizeRatio: number;
  argmaxAgreement: number | null;
  maxAbsError: number | null;
  metricLoss: number | null;
  latencyRatio: number | null;
  latencyCi95: [number, number] | null;
  fp32LatencyUs: number | null;
  pass: boolean;
  error: string | null;
}

export async function benchOptimize(tmp: string, budgetMs = Number(process.env["BENCH_OPT_BUDGET_MS"] ?? 8000)): Promise<OptimizeBenchRow[]> {
  const rows: OptimizeBenchRow[] = [];
  writeFileSync(join(tmp, "opset21.onnx"), opset21Model());
  writeFileSync(join(tmp, "opset21.samples.jsonl"), await opset21Samples());
  for (const name of MODELS) {
    const dir = name === "opset21" ? tmp : FIXTURES;
    await addModel(tmp, { model: join(dir, `${name}.onnx`), name, version: "1.0.0", slices: [], samples: join(dir, `${name}.samples.jsonl`) });
    // int8 already tries int8-dynamic among its schemes: the goal of its own would repeat those rows.
    for (const goal of QUANTIZE_GOALS.filter((g) => g !== "int8-dynamic")) {
      let r: OptimizeResult;
      try {
        r = await optimizeModel({ root: tmp, ref: `${name}@1.0.0`, quantize: goal, target: "worker", dryRun: true, latencyBudgetMs: budgetMs });
      } catch (e) {
        rows.push(row(name, goal, goal, readFileSync(join(dir, `${name}.onnx`)).byteLength, null, (e as Error).message));
        continue;
      }
      for (const c of r.candidates) {
        const argmax = c.agreement.map((a) => a.argmaxAgreement).filter((x): x is number => x !== null);
        rows.push({
          model: name,
          goal,
          candidate: c.recipe,
          fp32Bytes: r.fp32.bytes,
          bytes: c.bytes,
          sizeRatio: round(c.sizeRatio, 3),
          argmaxAgreement: argmax.length > 0 ? Math.min(...argmax) : null,
          maxAbsError: c.agreement.length > 0 ? Number(Math.max(...c.agreement.map((a) => a.maxAbsError ?? Number.POSITIVE_INFINITY)).toPrecision(3)) : null,
          metricLoss: c.metric ? round(c.metric.loss, 4) : null,
          latencyRatio: c.latency ? round(c.latency.ratio, 3) : null,
          latencyCi95: c.latency ? [round(c.latency.ci95[0], 3), round(c.latency.ci95[1], 3)] : null,
          fp32LatencyUs: r.fp32.latencyUs === null ? null : Math.round(r.fp32.latencyUs),
          pass: c.pass,
          error: c.error ?? null,
        });
      }
    }
  }
  return rows;
}

function row(model: string, goal: string, candidate: string, fp32Bytes: number, _: null, error: string): OptimizeBenchRow {
  return {
    model,
    goal,
    candidate,
    fp32Bytes,
    bytes: 0,
    sizeRatio: 0,
    argmaxAgreement: null,
    maxAbsError: null,
    metricLoss: null,
    latencyRatio: null,
    latencyCi95: null,
    fp32LatencyUs: null,
    pass: false,
    error,
  };
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

export function renderOptimize(rows: OptimizeBenchRow[]): string {
  const kib = (b: number) => (b > 0 ? `${(b / 1024).toFixed(0)} KiB` : "–");
  const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);
  const lines = rows.map(
    (r) =>
      `| ${r.model} | ${r.candidate} | ${kib(r.fp32Bytes)} → ${kib(r.bytes)} | ${r.bytes > 0 ? `${(r.sizeRatio * 100).toFixed(1)}%` : "–"} | ${pct(r.argmaxAgreement)} | ${r.maxAbsError ?? "–"} | ${r.metricLoss === null ? "–" : pct(r.metricLoss)} | ${r.latencyRatio === null ? "–" : `**${r.latencyRatio}x** (${r.latencyCi95?.[0]}–${r.latencyCi95?.[1]})`} | ${r.fp32LatencyUs ?? "–"} | ${r.error ? `error: ${r.error.split("\n")[0]?.slice(0, 120)}` : r.pass ? "pass" : "fail"} |`,
  );
  return [
    "## Optimize: variants per model (latency in workerd, ratio to fp32 with 95% CI, interleaved blocks in one isolate)",
    "",
    "Agreement and error on the model's recorded samples in onnxruntime-web wasm; metric loss = fp32 accuracy − variant accuracy on labelled samples. Latency is measured only for candidates that pass on accuracy. Default gates: metric loss ≤ 0.5 pp, argmax agreement ≥ 99%, latency ≤ 1.10x.",
    "",
    "| model | candidate | bytes | of fp32 | argmax agreement | max abs error | metric loss | latency vs fp32 (95% CI) | fp32 µs/run | verdict |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...lines,
    "",
  ].join("\n");
}
