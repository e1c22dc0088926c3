/**
 * Raw tensor sessions for `edge-ml optimize`: feeds in, every output back as typed arrays. `wasm` is onnxruntime-web's
 * WASM build in this process (single-threaded, the kernels Workers, Deno and browsers run), which is what a variant
 * must load and agree on; `node` is onnxruntime-node, the native reference.
 *
 * @example
 * ```ts
 * const s = await openSession(bytes, "wasm");
 * const out = await s.run({ image: { dtype: "float32", dims: [1, 3, 32, 32], data } });
 * await s.release();
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import type { Dtype } from "../../core/schema/manifest.ts";
import type { TypedArray } from "../../core/tensor-dtype.ts";
import { importOrtNode, ortNodeMissing } from "../baseline/ort-node.ts";

export interface TensorValue {
  dtype: Dtype;
  dims: readonly number[];
  data: TypedArray;
}

export type Feeds = Record<string, TensorValue>;

export interface TensorSession {
  run(feeds: Feeds): Promise<Record<string, TensorValue>>;
  release(): Promise<void>;
}

/** The part of onnxruntime's API used here (structural: web and node share onnxruntime-common's shapes). */
interface OrtTensor {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
}
interface OrtLike {
  Tensor: new (type: string, data: TypedArray, dims: readonly number[]) => OrtTensor;
  InferenceSession: {
    create(
      model: Uint8Array,
      options?: Record<string, unknown>,
    ): Promise<{
      readonly outputNames: readonly string[];
      run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
      release(): Promise<void>;
    }>;
  };
}

/** Load `bytes` in onnxruntime-web (wasm) or onnxruntime-node; a model the runtime refuses is a user error naming why. */
export async function openSession(bytes: Uint8Array, runtime: "wasm" | "node", what = "the model"): Promise<TensorSession> {
  let ort: OrtLike;
  let options: Record<string, unknown>;
  if (runtime === "wasm") {
    const web = (await import("onnxruntime-web")) as unknown as OrtLike & { env: { wasm: { numThreads?: number } } };
    web.env.wasm.numThreads = 1;
    ort = web;
    options = { executionProviders: ["wasm"] };
  } else {
    const node = await importOrtNode();
    if (node === undefined) throw ortNodeMissing("edge-ml optimize");
    ort = node as unknown as OrtLike;
    options = { intraOpNumThreads: 1 };
  }
  let session: Awaited<ReturnType<OrtLike["InferenceSession"]["create"]>>;
  try {
    session = await ort.InferenceSession.create(bytes, options);
  } catch (cause) {
    throw new EdgeMlError(
      "ERR_ENGINE",
      `${what} does not load in ${runtime === "wasm" ? "onnxruntime-web (wasm)" : "onnxruntime-node"}: ${(cause as Error).message}`,
      {
        hint: "the graph uses an operator or type this runtime lacks; try another --level or --quantize scheme",
        cause,
      },
    );
  }
  return {
    async run(feeds) {
      const input: Record<string, OrtTensor> = {};
      for (const [name, t] of Object.entries(feeds)) input[name] = new ort.Tensor(t.dtype, t.data, t.dims);
      const result = await session.run(input);
      const out: Record<string, TensorValue> = {};
      for (const name of session.outputNames) {
        const t = result[name];
        if (t !== undefined && ArrayBuffer.isView(t.data)) out[name] = { dtype: t.type as Dtype, dims: [...t.dims], data: t.data as TypedArray };
      }
      return out;
    },
    release: () => session.release(),
  };
}
