/**
 * Cloudflare Workers with the compiled engine: the model arrives as a compiled graph (`model.graph`, a Data module
 * written by `edge-ml build --engine compiled`), checked against the sha256 the build baked in, and runs as plain
 * JavaScript over typed arrays: no wasm, nothing compiled at start-up.
 *
 * @example
 * ```ts
 * import graph from "./model.graph";
 * export default createCompiledWorker({ manifest, graph, graphSha256: "<sha256 from build.json>" });
 * ```
 */
import type { Manifest } from "../../core/schema/manifest.ts";
import { createCompiledEngine } from "../../runtime/engines/compiled/engine.ts";
import type { LookupPlan } from "../../runtime/features/types.ts";
import type { RolloutSettings } from "../../runtime/rollout.ts";
import type { EdgeSettings } from "../../runtime/settings.ts";
import { createEdgeWorker, type EdgeWorker } from "./edge.ts";

export type { EdgeWorker };

export interface CompiledWorkerOptions {
  manifest: Manifest;
  /** The compiled graph's bytes (`import graph from "./model.graph"`). */
  graph: ArrayBuffer;
  /** The graph's sha256 (build.json `engine.compiled.sha256`): checked before the first prediction. */
  graphSha256: string;
  settings?: Partial<EdgeSettings>;
  /** Another version of the model sharing the traffic: its manifest, its compiled graph, that graph's sha256 and the rollout. */
  challenger?: { manifest: Manifest; graph: ArrayBuffer; graphSha256: string; rollout: RolloutSettings; lookup?: LookupPlan | undefined } | undefined;
  /** The feature views the model reads (baked in by `edge-ml build`), from the EDGE_ML_FEATURES_KV / _D1 bindings. */
  lookup?: LookupPlan | undefined;
}

export function createCompiledWorker(opts: CompiledWorkerOptions): EdgeWorker {
  return createEdgeWorker({
    manifest: opts.manifest,
    engine: createCompiledEngine(),
    modelBytes: new Uint8Array(opts.graph),
    modelSha256: opts.graphSha256,
    settings: opts.settings,
    lookup: opts.lookup,
    challenger: opts.challenger && {
      manifest: opts.challenger.manifest,
      modelBytes: new Uint8Array(opts.challenger.graph),
      modelSha256: opts.challenger.graphSha256,
      rollout: opts.challenger.rollout,
      lookup: opts.challenger.lookup,
    },
  });
}
