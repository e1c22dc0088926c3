/** onnxruntime-web's wasm files, found from where edge-ml is installed (not from the user's project). */
import { createRequire } from "node:module";
import { dirname } from "node:path";

/** The plain SIMD build: wasm execution provider (workerd, Deno, browsers without WebGPU). */
export const ORT_WASM_FILE = "ort-wasm-simd-threaded.wasm";
/** The build `onnxruntime-web/webgpu` loads (WebGPU and wasm execution providers), for browsers with a GPU adapter. */
export const ORT_WEBGPU_WASM_FILE = "ort-wasm-simd-threaded.asyncify.wasm";

export function ortDistDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve("onnxruntime-web/wasm"));
}
