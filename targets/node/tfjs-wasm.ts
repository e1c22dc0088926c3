/**
 * Node with the TF.js engine on its WASM backend: what `edge-ml build --target node` bundles for a TF.js model when
 * WASM agreed with CPU at build time (cli/build/tfjs-parity.ts; otherwise ./tfjs.ts's CPU backend). The generated
 * `server.mjs` reads model.json, the shards and tfjs-backend-wasm-simd.wasm from beside itself.
 *
 * @example
 * ```ts
 * const server = await startTfjsWasmNodeServer({ manifest, model, files: { "blazeface.bin": shard }, wasm: await readFile("tfjs-backend-wasm-simd.wasm") });
 * ```
 */
import "../tfjs-node-require.ts";
import { createTfjsWasmEngine } from "../../runtime/engines/tfjs-wasm.ts";
import { createNodeEdgeWith, listenNodeEdge, nodeEdgeCommon, type NodeServer } from "./edge.ts";
import type { TfjsNodeServerOptions } from "./tfjs.ts";

export interface TfjsWasmNodeServerOptions extends TfjsNodeServerOptions {
  /** tfjs-backend-wasm-simd.wasm's bytes. */
  wasm: Uint8Array;
}

export function startTfjsWasmNodeServer(opts: TfjsWasmNodeServerOptions): Promise<NodeServer> {
  const engine = createTfjsWasmEngine({
    manifest: opts.manifest,
    read: (file) => opts.files[file],
    wasm: WebAssembly.compile(opts.wasm as Uint8Array<ArrayBuffer>),
  });
  const edge = createNodeEdgeWith({ manifest: opts.manifest, engine, modelBytes: opts.model, ...nodeEdgeCommon(opts) });
  return listenNodeEdge(edge, opts.manifest, opts);
}
