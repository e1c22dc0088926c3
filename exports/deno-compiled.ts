/**
 * `edge-ml/deno/compiled`: the same as `edge-ml/deno` on the compiled engine: a model compiled by `edge-ml build
 * --engine compiled` (`model.graph`, checked against its sha256 from build.json) runs as plain JavaScript, with no
 * onnxruntime-web in the bundle. Re-exported from `@edge-ml/runtime/deno/compiled`.
 *
 * @example
 * ```ts
 * import { startCompiledDenoServer } from "edge-ml/deno/compiled";
 * await startCompiledDenoServer({ manifest, graphUrl: new URL("./model.graph", import.meta.url), graphSha256 });
 * ```
 */
export * from "@edge-ml/runtime/deno/compiled";
