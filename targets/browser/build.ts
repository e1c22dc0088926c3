/**
 * Browsers: an ES module `edge-ml-model.js` exporting `loadModel()`, the two onnxruntime-web builds as lazily loaded
 * chunks with their wasm, and an `index.html` that tries the model in the page (serve the folder over HTTP).
 */
import type { LookupPlan } from "../../runtime/features/types.ts";
import { ORT_WEBGPU_WASM_FILE, ORT_WASM_FILE } from "../ort-files.ts";
import { defineTarget, TFJS_NODE_REQUIRES, TFJS_WASM_FILES } from "../types.ts";
import { demoPage } from "./demo-page.ts";

/** The entry's `lookup` option: the feature views the model reads (issue 16); the page says where it reads them (`features`). */
const lookupOption = (lookup: LookupPlan | undefined): string => (lookup === undefined ? "" : `, lookup: ${JSON.stringify(lookup)}`);

/** No `serve` or `deploy`: the output is static files for any web server or bundler. */
export const browserTarget = defineTarget({
  name: "browser",
  description: "browsers (in-page inference on WebGPU or WASM): static files to serve with any web server or import from an app",
  build: {
    main: "edge-ml-model.js",
    runtimeModule: { ort: "browser/runtime.ts", compiled: "browser/compiled.ts", tfjs: "browser/tfjs.ts" },
    platform: "neutral",
    conditions: ["browser"],
    ortFiles: [ORT_WASM_FILE, ORT_WEBGPU_WASM_FILE],
    tfjsFiles: TFJS_WASM_FILES,
    splitting: true,
    external: TFJS_NODE_REQUIRES,
    entrySource: (manifest, settings, runtimeEntry, engine, _challenger, lookup) =>
      engine.kind === "tfjs"
        ? [
            `import { loadTfjsModel } from ${JSON.stringify(runtimeEntry)};`,
            `export const manifest = ${JSON.stringify(manifest)};`,
            `/** Load ${manifest.name}@${manifest.version} in this page (TF.js). options: { device: "auto" | "webgpu" | "webgl" | "wasm" | "cpu", telemetry?, features? } */`,
            `export function loadModel(options = {}) {`,
            `  return loadTfjsModel({ manifest, baseUrl: new URL("./", import.meta.url).href, maxBatch: ${settings.maxBatch ?? 1024}${lookupOption(lookup)}, ...options });`,
            `}`,
          ].join("\n")
        : engine.kind === "compiled"
          ? [
              `import { loadCompiledModel } from ${JSON.stringify(runtimeEntry)};`,
              `export const manifest = ${JSON.stringify(manifest)};`,
              `/** Load ${manifest.name}@${manifest.version} in this page (compiled engine: plain JavaScript, no wasm). options: { telemetry?, features? } */`,
              `export function loadModel(options = {}) {`,
              `  return loadCompiledModel({ manifest, baseUrl: new URL("./", import.meta.url).href, graphSha256: ${JSON.stringify(engine.sha256)}, maxBatch: ${settings.maxBatch ?? 1024}${lookupOption(lookup)}, ...options });`,
              `}`,
            ].join("\n")
          : [
              `import { loadModel as load, hasWebGpu } from ${JSON.stringify(runtimeEntry)};`,
              `export const manifest = ${JSON.stringify(manifest)};`,
              `export { hasWebGpu };`,
              `/** Load ${manifest.name}@${manifest.version} in this page. options: { device: "auto" | "wasm" | "webgpu", telemetry?, features? } */`,
              `export function loadModel(options = {}) {`,
              `  return load({ manifest, baseUrl: new URL("./", import.meta.url).href, maxBatch: ${settings.maxBatch ?? 1024}${lookupOption(lookup)}, ...options });`,
              `}`,
            ].join("\n"),
    extraFiles: ({ manifest, main }) => ({
      "index.html": demoPage(manifest, main),
    }),
    next: (dir) => `serve ${dir} over HTTP (e.g. npx http-server ${dir}) and open index.html, or import ./edge-ml-model.js`,
  },
});
