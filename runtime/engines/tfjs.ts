/**
 * An engine over TensorFlow.js: a registered TF.js graph model (tfjs-converter) or layers model (tfjs-layers) runs on
 * whichever backend the target adapter sets up (CPU, WASM, WebGL, WebGPU), behind the same seam as ORT, so the
 * predictor, routes and telemetry do not change. Like ort.ts it imports no TF.js package: the adapter passes TF.js core
 * and the two loaders (lazily, so a graph model never loads tfjs-layers) and the backend's name.
 *
 * The session's `model` bytes are the model.json; the shards come through `read`. Before anything is parsed, model.json
 * and every shard are checked against the manifest (core/tfjs-artifact.ts), on every target. Inputs and outputs are
 * named as the manifest's io (NHWC, as TF.js models are): a graph model is fed by name, a layers model in the order of
 * its input layers, which is the order the registry wrote.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * const engine = createTfjsEngine(
 *   { tf, graph: async () => (await import("@tensorflow/tfjs-converter")).loadGraphModel, layers: async () => (await import("@tensorflow/tfjs-layers")).loadLayersModel },
 *   { backend: "cpu", manifest, read: (file) => files[file] },
 * );
 * const session = await engine.createSession(modelJsonBytes);
 * ```
 */
import type * as TfCore from "@tensorflow/tfjs-core";
import type { loadGraphModel } from "@tensorflow/tfjs-converter";
import type { loadLayersModel } from "@tensorflow/tfjs-layers";
import { EdgeMlError } from "../../core/errors.ts";
import type { Dtype, Manifest } from "../../core/schema/manifest.ts";
import { type ReadArtifactFile, verifyTfjsArtifact } from "../../core/tfjs-artifact.ts";
import type { Engine, EngineSession, TensorData, TypedArray } from "./types.ts";

/** TF.js core and its model loaders, passed in by the target adapter (each loader imported only when used). */
export interface TfjsModules {
  tf: typeof TfCore;
  graph(): Promise<typeof loadGraphModel>;
  layers(): Promise<typeof loadLayersModel>;
}

export interface TfjsEngineOptions {
  /** The backend to run on ("cpu", "wasm", "webgl", "webgpu"): registered by the adapter's imports. */
  backend: string;
  manifest: Pick<Manifest, "name" | "version" | "artifact" | "io">;
  /** Reads a file of the version by its manifest name (the shards; model.json is the session's bytes). */
  read: ReadArtifactFile;
  /** Runs once before the backend is set (e.g. hand tfjs-backend-wasm its precompiled module). */
  prepare?: () => void | Promise<void>;
}

type Model = Awaited<ReturnType<typeof loadGraphModel>> | Awaited<ReturnType<typeof loadLayersModel>>;

/** The dtype TF.js computes in for each ONNX-style dtype a request may carry. */
function tfDtype(dtype: Dtype): "float32" | "int32" | "bool" | "string" {
  if (dtype === "bool" || dtype === "string") return dtype;
  return dtype.startsWith("float") ? "float32" : "int32";
}

function toTensor(tf: typeof TfCore, t: TensorData): TfCore.Tensor {
  const dtype = tfDtype(t.dtype);
  if (dtype === "string") return tf.tensor(t.data as string[], [...t.dims], "string");
  const data = t.data as TypedArray;
  // TF.js holds float32 and int32 only: wider or narrower types are converted (int64 through Number: exact up to 2^53).
  const values =
    dtype === "float32" && data instanceof Float32Array
      ? data
      : dtype === "int32" && data instanceof Int32Array
        ? data
        : dtype === "bool"
          ? Uint8Array.from(data as ArrayLike<number>)
          : dtype === "float32"
            ? Float32Array.from(data as ArrayLike<number | bigint>, Number)
            : Int32Array.from(data as ArrayLike<number | bigint>, Number);
  return tf.tensor(values, [...t.dims], dtype);
}

async function fromTensor(t: TfCore.Tensor): Promise<TensorData> {
  const data = (await t.data()) as TypedArray | string[];
  return { dtype: t.dtype === "bool" ? "bool" : (t.dtype as Dtype), data, dims: t.shape };
}

/** model.json plus its shards as one in-memory IOHandler (weights concatenated in `weightsManifest` order). */
async function memoryHandler(tf: typeof TfCore, json: Uint8Array, read: ReadArtifactFile): Promise<TfCore.io.IOHandler> {
  const model = JSON.parse(new TextDecoder().decode(json)) as TfCore.io.ModelJSON;
  const groups = model.weightsManifest ?? [];
  const parts: Uint8Array[] = [];
  for (const path of groups.flatMap((g) => g.paths)) {
    const bytes = await read(path);
    if (bytes === undefined) throw new EdgeMlError("ERR_INTEGRITY", `${path}: missing`, { file: path });
    parts.push(bytes);
  }
  const weightData = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    weightData.set(p, at);
    at += p.byteLength;
  }
  return tf.io.fromMemory({
    modelTopology: model.modelTopology,
    weightSpecs: groups.flatMap((g) => g.weights),
    weightData: weightData.buffer,
    ...(model.format === undefined ? {} : { format: model.format }),
    ...(model.signature === undefined ? {} : { signature: model.signature }),
    ...(model.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: model.userDefinedMetadata }),
    ...(model.modelInitializer === undefined ? {} : { modelInitializer: model.modelInitializer }),
  });
}

/** The TF.js engine (name `tfjs-<backend>`). */
export function createTfjsEngine(modules: TfjsModules, opts: TfjsEngineOptions): Engine {
  const { tf } = modules;
  let ready: Promise<void> | undefined;
  const start = () => {
    ready ??= (async () => {
      await opts.prepare?.();
      // Production mode: no per-op NaN checks and no "install tfjs-node" banner in Node.
      tf.enableProdMode();
      if (!(await tf.setBackend(opts.backend))) throw new Error(`TF.js could not start its ${opts.backend} backend`);
      await tf.ready();
    })().catch((err: unknown) => {
      ready = undefined; // retried by the next session instead of cached
      throw err;
    });
    return ready;
  };
  return {
    name: `tfjs-${opts.backend}`,
    async createSession(json) {
      const { manifest } = opts;
      // Each file is read once (a page fetches it) for both the check and the load.
      const files = new Map<string, Promise<Uint8Array | undefined>>();
      const read = (file: string) => {
        let bytes = files.get(file);
        if (bytes === undefined) files.set(file, (bytes = Promise.resolve(file === manifest.artifact.file ? json : opts.read(file))));
        return bytes;
      };
      await verifyTfjsArtifact(manifest.artifact, read, "the bundle was altered after `edge-ml build`; rebuild and redeploy it");
      await start();
      await onBackend(tf, opts.backend);
      const handler = await memoryHandler(tf, json, read);
      const model: Model =
        manifest.artifact.tfjs?.modelFormat === "layers-model" ? await (await modules.layers())(handler) : await (await modules.graph())(handler);
      return tfjsSession(tf, model, manifest.io, opts.backend);
    },
  };
}

/**
 * TF.js has one current backend per page: a page that holds sessions on two backends (the browser's parity probe: a
 * candidate and CPU) switches before each load and run, so weights and inputs live where the ops run.
 */
async function onBackend(tf: typeof TfCore, backend: string): Promise<void> {
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`TF.js could not switch to its ${backend} backend`);
}

function tfjsSession(tf: typeof TfCore, model: Model, io: Manifest["io"], backend: string): EngineSession {
  const inputNames = io.inputs.map((i) => i.name);
  const outputNames = io.outputs.map((o) => o.name);
  const isGraph = "executeAsync" in model;
  const runOnce = async (feeds: Record<string, TensorData>): Promise<Record<string, TensorData>> => {
    const inputs: TfCore.Tensor[] = [];
    let outputs: TfCore.Tensor[] = [];
    await onBackend(tf, backend);
    try {
      for (const name of inputNames) {
        const feed = feeds[name];
        if (feed === undefined) throw new Error(`missing input "${name}"`);
        inputs.push(toTensor(tf, feed));
      }
      let result: TfCore.Tensor | TfCore.Tensor[] | TfCore.NamedTensorMap;
      if (isGraph) {
        const named = Object.fromEntries(inputNames.map((n, i) => [n, inputs[i]!]));
        try {
          result = model.execute(named, outputNames);
        } catch {
          // Control flow or dynamic shapes (e.g. NonMaxSuppression) need the async executor.
          result = await model.executeAsync(named, outputNames);
        }
      } else {
        result = model.predict(inputs.length === 1 ? inputs[0]! : inputs);
      }
      outputs = result instanceof tf.Tensor ? [result] : Array.isArray(result) ? result : outputNames.map((n) => (result as TfCore.NamedTensorMap)[n]!);
      const out: Record<string, TensorData> = {};
      for (const [i, name] of outputNames.entries()) {
        const t = outputs[i];
        if (t === undefined) throw new Error(`the model gave no output "${name}"`);
        out[name] = await fromTensor(t);
      }
      return out;
    } finally {
      tf.dispose([...inputs, ...outputs]);
    }
  };
  // One run at a time: the WASM backend is single-threaded and TF.js's engine state is global.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    inputNames,
    outputNames,
    run(feeds) {
      const result = queue.then(() => runOnce(feeds));
      queue = result.catch(() => undefined);
      return result;
    },
    release: async () => {
      model.dispose();
    },
  };
}
