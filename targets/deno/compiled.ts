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
import type { RolloutSettings } from "../../runtime/rollout.ts";
import type { EdgeSettings } from "../../runtime/settings.ts";
import type { LookupPlan } from "../../runtime/features/types.ts";
import { type DenoFeatureOptions, denoGlobal, serveDenoEdge } from "./edge.ts";

export interface CompiledDenoServerOptions extends DenoFeatureOptions {
  manifest: Manifest;
  graphUrl: URL;
  graphSha256: string;
  settings?: Partial<EdgeSettings>;
  /** Another version of the model sharing the traffic: its manifest, its compiled graph and sha256, and the rollout. */
  challenger?: { manifest: Manifest; graphUrl: URL; graphSha256: string; rollout: RolloutSettings; lookup?: LookupPlan | undefined } | undefined;
}

export async function startCompiledDenoServer(opts: CompiledDenoServerOptions): Promise<void> {
  const c = opts.challenger;
  const [modelBytes, challengerBytes] = await Promise.all([denoGlobal().readFile(opts.graphUrl), c ? denoGlobal().readFile(c.graphUrl) : undefined]);
  await serveDenoEdge({
    manifest: opts.manifest,
    engine: createCompiledEngine(),
    modelBytes,
    modelSha256: opts.graphSha256,
    settings: opts.settings,
    lookup: opts.lookup,
    featureReader: opts.featureReader,
    challenger:
      c && challengerBytes
        ? { manifest: c.manifest, modelBytes: challengerBytes, modelSha256: c.graphSha256, rollout: c.rollout, lookup: c.lookup }
        : undefined,
  });
}
