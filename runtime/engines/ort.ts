/**
 * An engine over any onnxruntime JS package (onnxruntime-web's wasm or webgpu builds, onnxruntime-node): they share
 * the `InferenceSession` / `Tensor` API, so the package is passed in and this file imports none of them. That keeps
 * this module portable and lets each target adapter choose its build.
 *
 * @example
 * ```ts
 * import * as ort from "onnxruntime-node";
 * const engine = createOrtEngine(ort, { name: "ort-node", executionProviders: ["cpu"] });
 * const session = await engine.createSession(bytes);
 * ```
 */
import type { Engine, EngineSession, SessionHints, TensorData, TypedArray } from "./types.ts";
import type { Dtype } from "../../core/schema/manifest.ts";
import { ortHintOptions } from "../../core/session-hints.ts";

/** The slice of the onnxruntime API this engine uses (structural, so web and node builds both fit). */
export interface OrtLike {
  InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSessionLike>;
  };
  Tensor: new (type: string, data: TypedArray | string[], dims: readonly number[]) => OrtTensorLike;
}
interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}
interface OrtTensorLike {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
}

export interface OrtEngineOptions {
  name: string;
  executionProviders: string[];
  /**
   * Wraps the first session creation, which is when ORT starts its runtime (e.g. the compiled-wasm shim in
   * ort-wasm-module.ts). Later sessions wait for that first one and reuse the started runtime.
   */
  aroundFirstCreate?: <T>(start: () => Promise<T>) => Promise<T>;
}

export function createOrtEngine(ort: OrtLike, options: OrtEngineOptions): Engine {
  const create = (model: Uint8Array, hints: SessionHints = {}) =>
    ort.InferenceSession.create(model, {
      executionProviders: options.executionProviders,
      graphOptimizationLevel: "all",
      ...ortHintOptions(hints.foldWeightDequantize),
    });
  let started: Promise<unknown> | undefined;
  return {
    name: options.name,
    async createSession(model, hints) {
      if (started === undefined) {
        const first = options.aroundFirstCreate ? options.aroundFirstCreate(() => create(model, hints)) : create(model, hints);
        // A failed start is retried by the next call instead of being cached forever.
        started = first.catch(() => {
          started = undefined;
        });
        return wrapSession(ort, await first);
      }
      await started;
      return wrapSession(ort, await create(model, hints));
    },
  };
}

function wrapSession(ort: OrtLike, session: OrtSessionLike): EngineSession {
  // ORT sessions on single-threaded WASM must not run concurrently; chain runs on one promise.
  let queue: Promise<unknown> = Promise.resolve();
  const runOnce = async (feeds: Record<string, TensorData>) => {
    const ortFeeds: Record<string, OrtTensorLike> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.dtype, t.data, t.dims);
    const results = await session.run(ortFeeds);
    const out: Record<string, TensorData> = {};
    for (const [name, t] of Object.entries(results)) {
      out[name] = { dtype: t.type as Dtype, data: t.data as TypedArray, dims: t.dims };
    }
    return out;
  };
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run(feeds) {
      const result = queue.then(() => runOnce(feeds));
      queue = result.catch(() => undefined);
      return result;
    },
    release: () => session.release(),
  };
}
