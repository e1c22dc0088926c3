/**
 * Runs a model in onnxruntime-node and in onnxruntime-web's WASM build (its Node build, one thread, as on Workers),
 * returning the outputs as float arrays in the session's output order.
 */
import * as ortNode from "onnxruntime-node";
import { EdgeMlError } from "../../../core/errors.ts";
import type { FeedSpec } from "../../fixtures/quantize-graphs.ts";

type Ort = typeof ortNode;
let web: Promise<Ort> | undefined;

function ortWeb(): Promise<Ort> {
  web ??= import("onnxruntime-web").then((m) => {
    const ort = m as unknown as Ort;
    ort.env.wasm.numThreads = 1;
    return ort;
  });
  return web;
}

export type Runtime = "node" | "wasm";

export async function runModel(runtime: Runtime, bytes: Uint8Array, feeds: Record<string, FeedSpec>): Promise<Float32Array[]> {
  const ort = runtime === "node" ? ortNode : await ortWeb();
  const session = await ort.InferenceSession.create(bytes, runtime === "wasm" ? { executionProviders: ["wasm"] } : { intraOpNumThreads: 1 });
  try {
    const input: Record<string, InstanceType<Ort["Tensor"]>> = {};
    for (const [name, f] of Object.entries(feeds)) {
      input[name] =
        f.type === "bool"
          ? new ort.Tensor(
              "bool",
              Uint8Array.from(f.data as boolean[], (b) => (b ? 1 : 0)),
              f.dims,
            )
          : f.type === "int64"
            ? new ort.Tensor("int64", f.data as BigInt64Array, f.dims)
            : new ort.Tensor("float32", f.data as Float32Array, f.dims);
    }
    const out = await session.run(input);
    return session.outputNames.map((n) => {
      const data = out[n]?.data;
      if (!(data instanceof Float32Array)) throw new Error(`output ${n} is not float32`);
      return data;
    });
  } finally {
    await session.release();
  }
}

/** max |a − b| over all outputs, divided by the reference's range (max − min), so tolerances read as "% of range". */
export function relativeError(reference: Float32Array[], actual: Float32Array[]): number {
  let maxDiff = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  reference.forEach((ref, i) => {
    const got = actual[i]!;
    if (got.length !== ref.length) throw new Error(`output ${i} has ${got.length} values, the reference ${ref.length}`);
    for (let j = 0; j < ref.length; j++) {
      maxDiff = Math.max(maxDiff, Math.abs(ref[j]! - got[j]!));
      lo = Math.min(lo, ref[j]!);
      hi = Math.max(hi, ref[j]!);
    }
  });
  return maxDiff / (hi - lo || 1);
}

/** The EdgeMlError `fn` refuses with; fails the test when it returns or throws anything else. */
export function refusal(fn: () => unknown): EdgeMlError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EdgeMlError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}
