/**
 * Bundle a latency entry (worker-entry.ts, deno-entry.ts, browser-entry.ts) with onnxruntime-web's wasm bundle into one
 * ES module, in memory, as `edge-ml build` bundles a target: the entry's TypeScript in a checkout, its compiled .js
 * when installed. Wasm files stay external (workerd imports the wasm as a CompiledWasm module).
 */
import { build } from "esbuild";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { EdgeMlError } from "../../../core/errors.ts";

/** Absolute path of a module beside this one (`worker-entry` → worker-entry.ts in a checkout, .js when compiled). */
export function entryPath(name: string): string {
  const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
  return fileURLToPath(new URL(`./${name}.${ext}`, import.meta.url));
}

/** Bundle `source` (an entry module's code; its imports resolve from this folder) for a runtime's export conditions. */
export async function bundleEntry(source: string, conditions: string[]): Promise<string> {
  try {
    const out = await build({
      stdin: { contents: source, resolveDir: dirname(fileURLToPath(import.meta.url)), loader: "js", sourcefile: "latency-entry.js" },
      bundle: true,
      write: false,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      conditions,
      mainFields: ["module", "main"],
      external: ["*.wasm"],
      legalComments: "none",
      logLevel: "silent",
    });
    return out.outputFiles[0]!.text;
  } catch (cause) {
    throw new EdgeMlError("ERR_BUILD", `esbuild failed to bundle the latency harness: ${(cause as Error).message}`, { cause });
  }
}
