/**
 * `edge-ml/node/compiled`: the same as `edge-ml/node` on the compiled engine: a model compiled by `edge-ml build
 * --engine compiled` (`model.graph`, checked against its sha256 from build.json) runs as plain JavaScript, with no
 * onnxruntime-web in the bundle. Re-exported from `@edge-ml/runtime/node/compiled`.
 *
 * @example
 * ```ts
 * import { startCompiledNodeServer } from "edge-ml/node/compiled";
 * await startCompiledNodeServer({ manifest, graph: await readFile("model.graph"), graphSha256, port: 3000 });
 * ```
 */
export * from "@edge-ml/runtime/node/compiled";
