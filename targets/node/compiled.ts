/**
 * Node with the compiled engine: the compiled graph (`model.graph`, checked against the sha256 the build baked in)
 * runs as plain JavaScript; no wasm is read.
 *
 * @example
 * ```ts
 * const server = await startCompiledNodeServer({ manifest, graph: await readFile("model.graph"), graphSha256, port: 3000 });
 * ```
 */
import type { Manifest } from "../../core/schema/manifest.ts";
import { createCompiledEngine } from "../../runtime/engines/compiled/engine.ts";
import type { RolloutSettings } from "../../runtime/rollout.ts";
import type { EdgeSettings } from "../../runtime/settings.ts";
import type { LookupPlan } from "../../runtime/features/types.ts";
import { createNodeEdgeWith, listenNodeEdge, nodeEdgeCommon, type NodeFeatureOptions, type NodeServer } from "./edge.ts";

export interface CompiledNodeServerOptions extends NodeFeatureOptions {
  manifest: Manifest;
  graph: Uint8Array;
  graphSha256: string;
  settings?: Partial<EdgeSettings>;
  env?: Readonly<Record<string, string | undefined>>;
  port?: number;
  hostname?: string;
  /** Another version of the model sharing the traffic: its manifest, its compiled graph and sha256, and the rollout. */
  challenger?: { manifest: Manifest; graph: Uint8Array; graphSha256: string; rollout: RolloutSettings; lookup?: LookupPlan | undefined } | undefined;
}

export function startCompiledNodeServer(opts: CompiledNodeServerOptions): Promise<NodeServer> {
  const edge = createNodeEdgeWith({
    manifest: opts.manifest,
    engine: createCompiledEngine(),
    modelBytes: opts.graph,
    modelSha256: opts.graphSha256,
    ...nodeEdgeCommon(opts),
    challenger: opts.challenger && {
      manifest: opts.challenger.manifest,
      modelBytes: opts.challenger.graph,
      modelSha256: opts.challenger.graphSha256,
      rollout: opts.challenger.rollout,
      lookup: opts.challenger.lookup,
    },
  });
  return listenNodeEdge(edge, opts.manifest, opts);
}
