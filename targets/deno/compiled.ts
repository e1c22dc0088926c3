/**
 * Deno with the compiled engine: reads the compiled graph (`model.graph`) from beside the bundle, checks it against
 * the sha256 the build baked in, and serves with `Deno.serve`. No wasm.
 *
 * @example
 * ```ts
 * await startCompiledDenoServer({ manifest, graphUrl: new URL("./model.graph", import.meta.url), graphSha256 });
 * ```
 */
import type { Manifest } from "../../core/schema/manifest.ts";
import { createCompiledEngine } from "../../runtime/engines/compiled/engine.ts";
import type { EdgeSettings } from "../../runtime/settings.ts";
import { denoGlobal, serveDenoEdge } from "./edge.ts";

export interface CompiledDenoServerOptions {
  manifest: Manifest;
  graphUrl: URL;
  graphSha256: string;
  settings?: Partial<EdgeSettings>;
}

export async function startCompiledDenoServer(opts: CompiledDenoServerOptions): Promise<void> {
  const modelBytes = await denoGlobal().readFile(opts.graphUrl);
  await serveDenoEdge({ manifest: opts.manifest, engine: createCompiledEngine(), modelBytes, modelSha256: opts.graphSha256, settings: opts.settings });
}
