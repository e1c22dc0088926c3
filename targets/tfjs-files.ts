/** tfjs-backend-wasm's wasm files, found from where edge-ml is installed (copied beside TF.js browser builds). */
import { createRequire } from "node:module";
import { dirname } from "node:path";

export function tfjsWasmDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.wasm"));
}
