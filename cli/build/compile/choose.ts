/**
 * Which engine a build ships: `--engine ort` always ORT; `--engine compiled` the compiled graph or an error saying
 * why not; `--engine auto` (the default) the compiled graph only when every node compiles, the graph is small, and the
 * differential check agrees with onnxruntime on random, feature-schema and recorded inputs; ORT otherwise, with the
 * reason `build` prints ("engine: ort (compiled engine does not support LSTM (node /lstm/LSTM))").
 *
 * @example
 * ```ts
 * const decision = await chooseEngine({ manifest, model, requested: "auto", samples });
 * if (decision.engine === "compiled") writeFileSync("model.graph", decision.bytes);
 * ```
 */
import { EdgeMlError } from "../../../core/errors.ts";
import type { Manifest } from "../../../core/schema/manifest.ts";
import { decodeCompiledGraph } from "../../../runtime/engines/compiled/format.ts";
import type { TensorData } from "../../../runtime/engines/types.ts";
import { sha256Bytes } from "../../project/hash.ts";
import { compileOnnx } from "./compile.ts";
import { checkCompiled, type DifferentialResult, differentialInputs } from "./differential.ts";

/**
 * Above this many bytes of weights a graph is not "small". The interpreter's scalar dot products run ~1.5 G
 * multiply-adds/s where onnxruntime-web's wasm SIMD runs ~5: measured in Node on one core, titanic (9→16→1) takes
 * 2-4 µs compiled vs 15 µs on ORT-web (per-call overhead dominates), a 125k-MAC MLP (0.5 MB of weights) 86 µs vs
 * 24 µs. Up to a few MB the difference is under a millisecond per row and buys a ~100 KB Worker instead of 14 MB of
 * wasm (cold start, Cloudflare's size limits); past that the 14 MB wasm pays for itself in latency.
 */
export const MAX_COMPILED_BYTES = 8 * 1024 * 1024;

/**
 * Above this many multiply-adds per input row (the Gemm/MatMul weights a row passes through) `auto` keeps a graph on
 * onnxruntime-web: from the timings above, the interpreter costs ~0.7 ns per multiply-add against ~0.2 ns plus ~10 µs
 * of per-call overhead on ORT-web, so they break even near 20k; at 32k the compiled engine is at most ~1.5x slower per
 * row and still saves the 14 MB wasm (cold start, memory). Tree ensembles have no matmuls and stay compiled.
 */
export const MAX_COMPILED_MACS_PER_ROW = 32_768;

export type EngineDecision =
  | { engine: "compiled"; bytes: Uint8Array; sha256: string; ops: string[]; check: DifferentialResult }
  | { engine: "ort"; reason: string }
  /** `backend`: asked for with --engine tfjs-wasm or tfjs-cpu (else a server build checks WASM against CPU). */
  | { engine: "tfjs"; reason: string; backend?: "wasm" | "cpu" };

export type RequestedEngine = "auto" | "ort" | "compiled" | "tfjs" | "tfjs-wasm" | "tfjs-cpu";

/** A TF.js artifact runs on the TF.js engine only; an ONNX one never does. */
function tfjsDecision(manifest: Manifest, requested: RequestedEngine): EngineDecision | undefined {
  const isTfjs = manifest.artifact.format === "tfjs";
  const asked = requested === "tfjs-wasm" ? "wasm" : requested === "tfjs-cpu" ? "cpu" : undefined;
  if (isTfjs && (requested === "auto" || requested === "tfjs" || asked)) {
    const reason = `a TF.js ${manifest.artifact.tfjs?.modelFormat ?? "model"} runs on TensorFlow.js`;
    return asked ? { engine: "tfjs", reason, backend: asked } : { engine: "tfjs", reason };
  }
  if (isTfjs || requested.startsWith("tfjs")) {
    const what = isTfjs ? `${manifest.name}@${manifest.version} is a TF.js model` : `${manifest.name}@${manifest.version} is an ONNX model`;
    throw new EdgeMlError("ERR_ENGINE", `--engine ${requested}: ${what}`, {
      hint: isTfjs ? "build it with --engine tfjs (or --engine auto)" : "build it with --engine auto, ort or compiled",
    });
  }
  return undefined;
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

function graphSize(bytes: Uint8Array): { weights: number; macsPerRow: number } {
  const { header } = decodeCompiledGraph(bytes);
  let weights = 0;
  for (const ref of Object.values(header.initializers)) if (ref.dtype !== "string") weights += ref.byteLength;
  let macsPerRow = 0;
  for (const node of header.nodes) {
    if (node.domain !== "" || (node.op !== "Gemm" && node.op !== "MatMul")) continue;
    const b = header.initializers[node.inputs[1] ?? ""];
    if (b !== undefined) macsPerRow += b.dims.reduce((a, d) => a * d, 1);
  }
  return { weights, macsPerRow };
}

export async function chooseEngine(opts: {
  manifest: Manifest;
  model: Uint8Array;
  requested: RequestedEngine;
  samples?: Record<string, TensorData>[];
}): Promise<EngineDecision> {
  const tfjs = tfjsDecision(opts.manifest, opts.requested);
  if (tfjs) return tfjs;
  if (opts.requested === "ort") return { engine: "ort", reason: "--engine ort" };
  const forced = opts.requested === "compiled";
  const cannot = (reason: string): EngineDecision => {
    if (!forced) return { engine: "ort", reason };
    throw new EdgeMlError("ERR_ENGINE", `--engine compiled: ${reason}`, {
      hint: "build with --engine ort (or --engine auto, which falls back to onnxruntime-web by itself)",
    });
  };
  const outcome = compileOnnx(opts.model, sha256Bytes(opts.model));
  if (!outcome.ok) return cannot(outcome.reason);
  const { weights, macsPerRow } = graphSize(outcome.bytes);
  // An explicit --engine compiled is the user's call on a big graph; auto keeps big graphs on wasm SIMD.
  if (!forced && weights > MAX_COMPILED_BYTES) {
    return {
      engine: "ort",
      reason: `the graph's weights (${mib(weights)}) exceed ${mib(MAX_COMPILED_BYTES)}: onnxruntime-web's wasm SIMD is faster on matmuls that big`,
    };
  }
  if (!forced && macsPerRow > MAX_COMPILED_MACS_PER_ROW) {
    return {
      engine: "ort",
      reason: `${macsPerRow.toLocaleString("en-US")} multiply-adds per row (more than ${MAX_COMPILED_MACS_PER_ROW.toLocaleString("en-US")}): onnxruntime-web's wasm SIMD runs this graph faster than the compiled engine (--engine compiled forces it)`,
    };
  }
  const inputs = differentialInputs(opts.manifest, opts.samples ? { samples: opts.samples } : {});
  const check = await checkCompiled({ onnx: opts.model, compiled: outcome.bytes, inputs });
  if (!check.ok) return cannot(check.reason ?? `differs from ${check.reference}`);
  return { engine: "compiled", bytes: outcome.bytes, sha256: sha256Bytes(outcome.bytes), ops: outcome.ops, check };
}
