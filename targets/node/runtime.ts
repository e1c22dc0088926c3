/**
 * Node adapter (`edge-ml/node`): the same edge app on Node through @hono/node-server, for self-hosting. onnxruntime-web's
 * wasm build runs in Node (NOTES.md: about as fast as native at batch 1); Node may compile wasm from bytes, so the
 * binary is read from disk and handed to ORT, as on Deno. Settings and telemetry come from the same env vars as on
 * every target, through the shared adapter (runtime/adapter.ts). This file takes bytes and env as options and leaves
 * files and `process` to its caller (the `server.mjs` that `edge-ml build --target node` writes, or your server).
 *
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises";
 * import { Hono } from "hono";
 * import { serve } from "@hono/node-server";
 * import { createNodeEdge } from "edge-ml/node";
 *
 * const edge = createNodeEdge({ manifest, model: await readFile("model.onnx"), wasm: await readFile("ort-wasm-simd-threaded.wasm"), env: process.env });
 * serve({ fetch: new Hono().route("/ml", edge.app).fetch, port: 3000 }); // or startNodeServer({...}) for the app alone
 * ```
 */
import * as ort from "onnxruntime-web/wasm";
import type { Manifest } from "../../core/schema/manifest.ts";
import type { EdgeRuntime } from "../../runtime/adapter.ts";
import { createOrtEngine, type OrtLike } from "../../runtime/engines/ort.ts";
import { useWasmBytes, type OrtWasmEnv } from "../../runtime/engines/ort-wasm-module.ts";
import type { RolloutSettings } from "../../runtime/rollout.ts";
import type { EdgeSettings } from "../../runtime/settings.ts";
import type { LookupPlan } from "../../runtime/features/types.ts";
import { createNodeEdgeWith, listenNodeEdge, nodeEdgeCommon, type NodeFeatureOptions, type NodeServer } from "./edge.ts";

export type { NodeServer };
/** Feature stores for a `featureReader` of your own: snapshots held in memory, a feature service. */
export { createFetchReader } from "../../runtime/features/fetch-reader.ts";
export { createMemoryReader, parseSnapshot } from "../../runtime/features/memory-reader.ts";

export interface NodeEdgeOptions extends NodeFeatureOptions {
  manifest: Manifest;
  /** The model file's bytes; checked against the manifest's sha256 before the first prediction. */
  model: Uint8Array;
  /** The bytes of onnxruntime-web's `ort-wasm-simd-threaded.wasm`. */
  wasm: Uint8Array;
  settings?: Partial<EdgeSettings>;
  /** EDGE_ML_* settings and telemetry (pass `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Another version of the model sharing the traffic: its manifest, its model file's bytes and the rollout. */
  challenger?: { manifest: Manifest; model: Uint8Array; rollout: RolloutSettings; lookup?: LookupPlan | undefined } | undefined;
}

/** The edge app for Node: mount `edge.app` in your own Hono app, or serve it with `startNodeServer`. */
export function createNodeEdge(opts: NodeEdgeOptions): EdgeRuntime {
  useWasmBytes(ort as unknown as OrtWasmEnv, opts.wasm);
  const engine = createOrtEngine(ort as unknown as OrtLike, { name: "ort-wasm", executionProviders: ["wasm"] });
  const c = opts.challenger;
  return createNodeEdgeWith({
    manifest: opts.manifest,
    engine,
    modelBytes: opts.model,
    ...nodeEdgeCommon(opts),
    challenger: c ? { manifest: c.manifest, modelBytes: c.model, rollout: c.rollout, lookup: c.lookup } : undefined,
  });
}

export interface NodeServerOptions extends NodeEdgeOptions {
  port?: number;
  hostname?: string;
}

/** Load (and integrity-check) the model, then listen: a refused model never accepts traffic. */
export function startNodeServer(opts: NodeServerOptions): Promise<NodeServer> {
  return listenNodeEdge(createNodeEdge(opts), opts.manifest, opts);
}
