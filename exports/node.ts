/**
 * `edge-ml/node`: the same edge app on Node through @hono/node-server (self-hosting), to serve alone or mount in
 * your own Hono app. Re-exported from `@edge-ml/runtime/node`, so an app that imports both bundles one copy.
 *
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises";
 * import { startNodeServer } from "edge-ml/node";
 * await startNodeServer({ manifest, model: await readFile("model.onnx"), wasm: await readFile("ort-wasm-simd-threaded.wasm"), port: 3000 });
 * ```
 */
export * from "@edge-ml/runtime/node";
