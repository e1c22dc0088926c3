/**
 * `edge-ml/deno`: serve a model with `Deno.serve`. Re-exported from `@edge-ml/runtime/deno`.
 *
 * @example
 * ```ts
 * import { startDenoServer } from "edge-ml/deno";
 * await startDenoServer({ manifest, modelUrl: new URL("./model.onnx", import.meta.url), wasmUrl: new URL("./ort-wasm-simd-threaded.wasm", import.meta.url) });
 * ```
 */
export * from "@edge-ml/runtime/deno";
