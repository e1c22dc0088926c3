/**
 * `edge-ml/browser/compiled`: the same as `edge-ml/browser` on the compiled engine: a model compiled by `edge-ml build
 * --engine compiled` (`model.graph`, checked against its sha256 from build.json) runs as plain JavaScript, with no
 * onnxruntime-web in the bundle. Re-exported from `@edge-ml/runtime/browser/compiled`.
 *
 * @example
 * ```ts
 * import { loadCompiledModel } from "edge-ml/browser/compiled";
 * const model = await loadCompiledModel({ manifest, baseUrl: "/models/titanic/", graphSha256 });
 * ```
 */
export * from "@edge-ml/runtime/browser/compiled";
