/**
 * `edge-ml/worker/compiled`: the same as `edge-ml/worker` on the compiled engine: a model compiled by `edge-ml build
 * --engine compiled` (`model.graph`, checked against its sha256 from build.json) runs as plain JavaScript, with no
 * onnxruntime-web in the bundle. Re-exported from `@edge-ml/runtime/worker/compiled`.
 *
 * @example
 * ```ts
 * import { createCompiledWorker } from "edge-ml/worker/compiled";
 * import graph from "./dist/titanic/model.graph"; // from `edge-ml build titanic@1.0.0 --engine compiled --out dist/titanic`
 * export default createCompiledWorker({ manifest, graph, graphSha256: "<engine.compiled.sha256 in dist/titanic/build.json>" });
 * ```
 */
export * from "@edge-ml/runtime/worker/compiled";
