/** Cloudflare Workers: model (Data) and wasm (CompiledWasm) imported as modules; wrangler.toml beside the bundle. */
import { ORT_WASM_FILE } from "../ort-files.ts";
import { renderWranglerToml } from "./wrangler-config.ts";
import type { TargetPlan } from "../types.ts";

export const workerPlan: TargetPlan = {
  main: "worker.js",
  runtimeModule: "worker/runtime.ts",
  conditions: ["workerd", "worker", "browser"],
  ortFiles: [ORT_WASM_FILE],
  splitting: false,
  external: ["*.wasm", "*.onnx"],
  entrySource: (manifest, settings, runtimeEntry) =>
    [
      `import model from "./model.onnx";`,
      `import wasm from "./${ORT_WASM_FILE}";`,
      `import { createWorker } from ${JSON.stringify(runtimeEntry)};`,
      `const manifest = ${JSON.stringify(manifest)};`,
      `export default createWorker({ manifest, model, wasm, settings: ${JSON.stringify(settings)} });`,
    ].join("\n"),
  extraFiles: (manifest, main) => ({
    "wrangler.toml": renderWranglerToml({ name: `${manifest.name}-${manifest.version.replaceAll(".", "-")}`, main, manifest }),
  }),
  next: (dir, ref) => `cd ${dir} && npx wrangler deploy   (or: npx edge-ml dev ${ref})`,
};
