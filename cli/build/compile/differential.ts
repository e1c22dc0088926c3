/**
 * The differential check behind `--engine auto`: run the original ONNX model on onnxruntime (onnxruntime-node, or
 * onnxruntime-web's wasm build in Node when the native package is not installed) and the compiled graph on the
 * compiled engine, over the same inputs, and compare every output. Shapes must match exactly; integer, bool and
 * string outputs exactly; float outputs within `tolerance` (1e-5) absolute, plus 2^-20 of the expected value's
 * magnitude (about 8 float32 ulps: a regression output of 25000 is only held to 3 decimals by float32 itself, and a
 * different but equally exact summation order moves it by a few ulps). NaN equals NaN. A ZipMap output is compared
 * with the tensor ZipMap reads (see zipmap-reference.ts): onnxruntime-node cannot return sequences of maps.
 *
 * @example
 * ```ts
 * const result = await checkCompiled({ onnx, compiled, inputs: differentialInputs(manifest) });
 * if (!result.ok) console.log(result.reason); // "differs from onnxruntime-node by 3.2e-4 at output 'y'[5] (> 1e-5) on input 2"
 * ```
 */
import type { TypedArray } from "../../../core/tensor-dtype.ts";
import { compiledSession } from "../../../runtime/engines/compiled/engine.ts";
import type { TensorData } from "../../../runtime/engines/types.ts";
import { importOrtNode } from "../../baseline/ort-node.ts";
import { zipMapInputsAsOutputs } from "./zipmap-reference.ts";

export { differentialInputs } from "./differential-inputs.ts";

const DIFFERENTIAL_TOLERANCE = 1e-5;
/** Relative allowance on top of the absolute tolerance: ~8 ulps of float32 (see the module comment). */
const FLOAT32_SLACK = 2 ** -20;

export type Reference = "onnxruntime-node" | "onnxruntime-web";

export interface DifferentialResult {
  ok: boolean;
  reference: Reference;
  /** How many input sets were compared. */
  inputs: number;
  /** The largest |compiled - reference| over every float (and mismatching integer) element. */
  maxAbsError: number;
  tolerance: number;
  /** The element that decided the result: the largest error, or the first exact mismatch. */
  worst?: { output: string; index: number; expected: number | string; actual: number | string; input: number };
  /** Why the check failed, as `build` prints it (absent when ok). */
  reason?: string;
}

interface RefTensor {
  type: string;
  data: unknown;
  dims: readonly number[];
}
interface RefSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, unknown>>;
  release(): Promise<void>;
}
interface RefOrt {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<RefSession> };
  Tensor: new (type: string, data: TypedArray | string[], dims: readonly number[]) => unknown;
}

async function referenceOrt(wanted: Reference | undefined): Promise<{ ort: RefOrt; reference: Reference; options: Record<string, unknown> }> {
  const node = wanted === "onnxruntime-web" ? undefined : await importOrtNode();
  if (node) return { ort: node as unknown as RefOrt, reference: "onnxruntime-node", options: {} };
  // The wasm build in Node, single-threaded as on Workers (see cli/baseline/predict-wasm.ts).
  const web = (await import("onnxruntime-web")) as unknown as RefOrt & { env: { wasm: { numThreads?: number } } };
  web.env.wasm.numThreads = 1;
  return { ort: web, reference: "onnxruntime-web", options: { executionProviders: ["wasm"] } };
}

const isFloat = (dtype: string) => dtype === "float32" || dtype === "float64";
const show = (v: unknown): number | string => (typeof v === "number" ? v : String(v));

export async function checkCompiled(opts: {
  onnx: Uint8Array;
  compiled: Uint8Array;
  inputs: Record<string, TensorData>[];
  tolerance?: number;
  /** Force a reference (tests; default: onnxruntime-node when installed, else onnxruntime-web). */
  reference?: Reference;
}): Promise<DifferentialResult> {
  const tolerance = opts.tolerance ?? DIFFERENTIAL_TOLERANCE;
  const { ort, reference, options } = await referenceOrt(opts.reference);
  const { model, sourceOf } = zipMapInputsAsOutputs(opts.onnx);
  const result: DifferentialResult = { ok: true, reference, inputs: 0, maxAbsError: 0, tolerance };
  const fail = (reason: string): DifferentialResult => ({ ...result, ok: false, reason });
  let refSession: RefSession;
  try {
    refSession = await ort.InferenceSession.create(model, options);
  } catch (err) {
    return fail(`${reference} could not load the model to compare with: ${(err as Error).message}`);
  }
  const session = compiledSession(opts.compiled);
  let worstError = -1;
  // An input the reference itself rejects (a generated value the model cannot take) says nothing about the compiled
  // engine: it is skipped, and only if every input is rejected does the check fail.
  let refError: string | undefined;
  try {
    for (const [i, feeds] of opts.inputs.entries()) {
      const refFeeds: Record<string, unknown> = {};
      for (const [name, t] of Object.entries(feeds)) refFeeds[name] = new ort.Tensor(t.dtype, t.data, t.dims);
      let expected: Record<string, unknown>;
      try {
        expected = await refSession.run(refFeeds);
      } catch (err) {
        refError ??= `input ${i}: ${(err as Error).message}`;
        continue;
      }
      let actual: Record<string, TensorData>;
      try {
        actual = await session.run(feeds);
      } catch (err) {
        return fail(`the compiled engine failed on input ${i} where ${reference} did not: ${(err as Error).message}`);
      }
      result.inputs++;
      for (const name of session.outputNames) {
        const want = expected[sourceOf.get(name) ?? name] as RefTensor | undefined;
        const got = actual[name]!;
        if (want === undefined) return fail(`${reference} did not return output '${name}'`);
        if (want.dims.length !== got.dims.length || want.dims.some((d, k) => d !== got.dims[k])) {
          return fail(`output '${name}' has shape [${got.dims.join(", ")}] in the compiled engine but [${want.dims.join(", ")}] in ${reference} (input ${i})`);
        }
        if (want.type !== got.dtype) return fail(`output '${name}' is ${got.dtype} in the compiled engine but ${want.type} in ${reference}`);
        const e = want.data as ArrayLike<number | bigint | string>;
        const a = got.data as ArrayLike<number | bigint | string>;
        const float = isFloat(got.dtype);
        for (let k = 0; k < e.length; k++) {
          const ev = e[k]!;
          const av = a[k]!;
          if (ev === av || (float && Number.isNaN(ev) && Number.isNaN(av))) continue;
          const err = typeof ev === "string" || typeof av === "string" ? Number.POSITIVE_INFINITY : Math.abs(Number(av) - Number(ev));
          const diff = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err;
          result.maxAbsError = Math.max(result.maxAbsError, diff);
          const allowed = float ? tolerance + Math.abs(Number(ev)) * FLOAT32_SLACK : 0;
          if (diff > worstError) {
            worstError = diff;
            result.worst = { output: name, index: k, expected: show(ev), actual: show(av), input: i };
          }
          if (!(diff <= allowed)) {
            const at = `output '${name}'[${k}]`;
            const limit = allowed === tolerance ? tolerance.toExponential() : allowed.toExponential(1);
            const reason =
              float && Number.isFinite(diff)
                ? `differs from ${reference} by ${diff.toExponential(1)} at ${at} (> ${limit}) on input ${i}`
                : `differs from ${reference} at ${at}: ${show(av)} instead of ${show(ev)} on input ${i}`;
            return { ...fail(reason), worst: { output: name, index: k, expected: show(ev), actual: show(av), input: i } };
          }
        }
      }
    }
  } finally {
    await refSession.release();
    await session.release();
  }
  if (result.inputs === 0) return fail(refError ? `${reference} failed on every input (${refError})` : "no inputs to compare on");
  return result;
}
