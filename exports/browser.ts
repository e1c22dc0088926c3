/**
 * `edge-ml/browser`: load a model built by `edge-ml build --target browser` (or a registered model's manifest and
 * model.onnx) in a page and predict, on WebGPU when the page has an adapter and on WASM otherwise. Re-exported from
 * `@edge-ml/runtime/browser`, so an app that imports both bundles one copy.
 *
 * @example
 * ```ts
 * import { loadModel } from "edge-ml/browser";
 * const model = await loadModel({ manifest, baseUrl: "/models/titanic/" });
 * const { predictions } = await model.predict([{ sex: "female", age: 29, passengerClass: "1st" }]);
 * ```
 */
export * from "@edge-ml/runtime/browser";
