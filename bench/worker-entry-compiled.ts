/** Benchmark build of the compiled-engine Worker (`createCompiledWorker`, as targets/worker/compiled.ts) around bench/worker-app.ts. */
import type { Manifest } from "../core/schema/manifest.ts";
import { createCompiledEngine } from "../runtime/engines/compiled/engine.ts";
import { createBenchWorker } from "./worker-app.ts";

export function createCompiledWorker(opts: { manifest: Manifest; graph: ArrayBuffer; graphSha256: string; settings?: Record<string, number> }) {
  return createBenchWorker({
    manifest: opts.manifest,
    engine: createCompiledEngine(),
    modelBytes: new Uint8Array(opts.graph),
    modelSha256: opts.graphSha256,
    settings: opts.settings,
  });
}
