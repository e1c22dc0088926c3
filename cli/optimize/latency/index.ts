/**
 * Model latency measured in the runtime a target deploys to (issue 10): onnxruntime-web's WASM build in workerd for
 * `worker`, in Deno for `deno`, in headless Chromium for `browser`, and in this Node process for `node`.
 *
 * All models load into ONE runtime instance (one workerd isolate, one deno process, one page, this process), so they
 * share the machine state; after warm-up, blocks of runs interleave (A B, B A, ...) and each model is compared with
 * models[0] round by round. Timing happens inside the runtime (harness.ts); the statistics are in stats.ts.
 *
 * @example
 * ```ts
 * const report = await measureLatency({
 *   target: "worker",
 *   models: [{ id: "fp32", bytes: fp32 }, { id: "int8", bytes: int8 }],
 *   feeds: [{ x: { dtype: "float32", dims: [1, 4], data: [1, 2, 3, 4] } }],
 * });
 * report.ratios[0]; // { id: "int8", vs: "fp32", ratio: 0.62, ci95: [0.6, 0.64], blocks: 30 }
 * ```
 */
import { EdgeMlError } from "../../../core/errors.ts";
import { summarize } from "./report.ts";
import type { RunnerInput, RunnerOutput } from "./runner.ts";
import { base64FromBytes, type WireDtype, type WireFeed, type WireOutput } from "./wire.ts";

export type LatencyTarget = "worker" | "deno" | "browser" | "node";
const LATENCY_TARGETS: readonly LatencyTarget[] = ["worker", "deno", "browser", "node"];

export interface LatencyModel {
  id: string;
  bytes: Uint8Array;
  /** Create the session as the edge serves a weight-only int8 variant (core/session-hints.ts). */
  foldWeightDequantize?: boolean;
}
export interface Feed {
  dtype: WireDtype;
  dims: number[];
  data: ArrayLike<number | bigint | boolean>;
}
export interface LatencyOptions {
  target: LatencyTarget;
  /** models[0] is the baseline the others are compared with. */
  models: LatencyModel[];
  /** One or more inputs (e.g. the stored samples); each model's runs cycle through them. */
  feeds: Record<string, Feed>[];
  /**
   * Target wall time for the whole measurement (default 10 s), runtime start-up included; blocks and runs per block
   * adapt to it. A target, not a limit: every measurement has at least 10 rounds, and a runtime's start (workerd
   * compiling the 14 MB wasm, Chromium starting) is not shortened.
   */
  budgetMs?: number;
  /** Also return every model's outputs on the first feed set, as the runtime computed them. */
  captureOutputs?: boolean;
  /** Blocks done of all planned blocks (after warm-up). */
  onProgress?: (done: number, total: number) => void;
}
export interface LatencyReport {
  target: LatencyTarget;
  /** e.g. "onnxruntime-web 1.30.0 wasm (1 thread) in workerd 1.20260426.1 (miniflare 4.20260426.0)". */
  runtime: string;
  /**
   * Per model: median and 90th percentile over blocks of the block's time per run (µs; without the block's slices
   * that a preemption hit, see harness.ts; single runs are not timed, workerd's clock steps by 1 ms), timed runs (warm-up
   * excluded), and session creation time in a started runtime (ms).
   */
  models: { id: string; medianUs: number; p90Us: number; runs: number; loadMs: number }[];
  /**
   * Each model vs models[0]: ratio of per-block times per run (geometric mean over the interleaved block pairs, one
   * per round) with a 95% CI (Student t interval on the per-round log ratios; see stats.ts). Two sessions of the very
   * same model can differ by ~1% for real (Deno measured 0.99 [0.983, 0.997]), so a CI that excludes 1 means
   * "measurably different", not necessarily "meaningfully different".
   */
  ratios: { id: string; vs: string; ratio: number; ci95: [number, number]; blocks: number }[];
  /** With `captureOutputs`: each model's outputs on the first feed set, computed in the target's runtime. */
  outputs?: { id: string; outputs: Record<string, WireOutput> }[];
}

const DEFAULT_BUDGET_MS = 10_000;
/** Warm-up and timed blocks get at least this share of the budget, however slow the runtime was to start. */
const MIN_MEASURE_SHARE = 0.5;

export async function measureLatency(opts: LatencyOptions): Promise<LatencyReport> {
  const started = performance.now();
  if (!LATENCY_TARGETS.includes(opts.target)) {
    throw new EdgeMlError("ERR_USAGE", `unknown latency target "${opts.target}"`, { hint: `use one of ${LATENCY_TARGETS.join(", ")}` });
  }
  if (opts.models.length === 0) throw new EdgeMlError("ERR_USAGE", "measureLatency needs at least one model");
  const ids = opts.models.map((m) => m.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup !== undefined)
    throw new EdgeMlError("ERR_USAGE", `model id "${dup}" is given twice`, { hint: "give every model a distinct id (the same bytes may appear twice)" });
  if (opts.feeds.length === 0) throw new EdgeMlError("ERR_BAD_INPUT", "measureLatency needs at least one feed (a record of input name → tensor)");
  const feeds = opts.feeds.map((set, i) => Object.fromEntries(Object.entries(set).map(([name, f]) => [name, toWire(f, `feeds[${i}].${name}`)])));
  const budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_MS;
  if (!(budgetMs > 0 && Number.isFinite(budgetMs))) throw new EdgeMlError("ERR_USAGE", `latency budget ${budgetMs} ms is not a positive number`);
  const input: RunnerInput = {
    ids,
    models: opts.models.map((m) => m.bytes),
    feeds,
    measureMs: () => Math.max(0, budgetMs - (performance.now() - started)),
    minMeasureMs: budgetMs * MIN_MEASURE_SHARE,
    budgetMs,
    ...(opts.captureOutputs ? { captureOutputs: true } : {}),
    ...(opts.models.some((m) => m.foldWeightDequantize) ? { fold: opts.models.map((m) => m.foldWeightDequantize === true) } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
  const run = await runnerFor(opts.target);
  const { result, runtime } = await run(input);
  return {
    target: opts.target,
    runtime: `onnxruntime-web ${result.ortVersion} wasm (1 thread) in ${runtime}`,
    ...summarize(ids, result),
    ...(result.outputs ? { outputs: result.outputs.map((outputs, i) => ({ id: ids[i] as string, outputs })) } : {}),
  };
}

async function runnerFor(target: LatencyTarget): Promise<(input: RunnerInput) => Promise<RunnerOutput>> {
  // Loaded on demand: each pulls in its runtime's driver (miniflare, playwright-core, onnxruntime-web for Node).
  switch (target) {
    case "worker":
      return (await import("./run-worker.ts")).runInWorkerd;
    case "deno":
      return (await import("./run-deno.ts")).runInDeno;
    case "browser":
      return (await import("./run-browser.ts")).runInChromium;
    case "node":
      return (await import("./run-node.ts")).runInNode;
  }
}

const ELEMENTS: Record<WireDtype, (n: number) => { set(i: number, v: number | bigint | boolean): void; bytes: Uint8Array }> = {
  float32: (n) => typed(new Float32Array(n), Number),
  float64: (n) => typed(new Float64Array(n), Number),
  int32: (n) => typed(new Int32Array(n), integer),
  int8: (n) => typed(new Int8Array(n), integer),
  uint8: (n) => typed(new Uint8Array(n), integer),
  bool: (n) => typed(new Uint8Array(n), (v) => (v ? 1 : 0)),
  int64: (n) => typed(new BigInt64Array(n), (v) => (typeof v === "bigint" ? v : BigInt(integer(v)))),
};

function integer(v: number | bigint | boolean): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new RangeError(`${String(v)} is not an integer`);
  return n;
}

function typed<T extends number | bigint>(
  arr: { [i: number]: T; buffer: ArrayBufferLike; byteOffset: number; byteLength: number },
  conv: (v: number | bigint | boolean) => T,
) {
  return {
    set: (i: number, v: number | bigint | boolean) => {
      arr[i] = conv(v);
    },
    bytes: new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength),
  };
}

/** A feed as it travels: checked (dtype known, data length = product of dims, integers where needed), then base64. */
function toWire(feed: Feed, path: string): WireFeed {
  const make = ELEMENTS[feed.dtype];
  if (make === undefined)
    throw new EdgeMlError("ERR_BAD_INPUT", `${path}: unsupported dtype "${feed.dtype}"`, { hint: `use one of ${Object.keys(ELEMENTS).join(", ")}` });
  const size = feed.dims.reduce((a, d) => a * d, 1);
  if (!feed.dims.every((d) => Number.isInteger(d) && d >= 0) || size !== feed.data.length) {
    throw new EdgeMlError("ERR_BAD_INPUT", `${path}: ${feed.data.length} values do not fill dims [${feed.dims.join(", ")}]`);
  }
  const out = make(size);
  try {
    for (let i = 0; i < size; i++) out.set(i, feed.data[i]!);
  } catch (e) {
    throw new EdgeMlError("ERR_BAD_INPUT", `${path}: ${(e as Error).message} (dtype ${feed.dtype})`);
  }
  return { dtype: feed.dtype, dims: [...feed.dims], base64: base64FromBytes(out.bytes) };
}
