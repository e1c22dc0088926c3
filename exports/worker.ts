/**
 * `edge-ml/worker`: the edge app (predict, KServe V2 infer, metadata, health, OpenAPI) as a Cloudflare Worker, or
 * mounted inside your own Hono Worker. Re-exported from `@edge-ml/runtime/worker`, so an app that imports both
 * bundles one copy.
 *
 * @example
 * ```ts
 * import { createWorker } from "edge-ml/worker";
 * import manifest from "./models/titanic/1.0.0/manifest.json";
 * import model from "./models/titanic/1.0.0/model.onnx";
 * import wasm from "onnxruntime-web/ort-wasm-simd-threaded.wasm";
 * export default createWorker({ manifest, model, wasm });
 * ```
 */
export * from "@edge-ml/runtime/worker";
