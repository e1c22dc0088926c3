/**
 * Cloudflare Workers with the TF.js engine on its CPU backend (plain JavaScript): what a build bundles when TF.js's WASM
 * backend disagreed with CPU on the model, saved too little to pay for its wasm, or with --engine tfjs-cpu (otherwise
 * ./tfjs-wasm.ts, 12-16x faster on BlazeFace). The model.json and its weight shards arrive as Data modules
 * (ArrayBuffers); model.json and every shard are checked against the manifest's sha256s before the first prediction.
 *
 * @example
 * ```ts
 * import model from "./tfjs/model.json";
 * import shard0 from "./tfjs/blazeface.bin";
 * export default createTfjsWorker({ manifest, model, files: { "blazeface.bin": shard0 } });
 * ```
 */
import type { Manifest } from "../../core/schema/manifest.ts";
import { createTfjsCpuEngine } from "../../runtime/engines/tfjs-cpu.ts";
import type { LookupPlan } from "../../runtime/features/types.ts";
import type { EdgeSettings } from "../../runtime/settings.ts";
import { createEdgeWorker, type EdgeWorker } from "./edge.ts";

export type { EdgeWorker };

export interface TfjsWorkerOptions {
  manifest: Manifest;
  /** The model.json's bytes. */
  model: ArrayBuffer;
  /** Each weight shard's bytes by its name in the manifest (`artifact.tfjs.shards[].file`). */
  files: Record<string, ArrayBuffer>;
  settings?: Partial<EdgeSettings>;
  /** The feature views the model reads (baked in by `edge-ml build`), from the EDGE_ML_FEATURES_KV / _D1 bindings. */
  lookup?: LookupPlan | undefined;
}

export function createTfjsWorker(opts: TfjsWorkerOptions): EdgeWorker {
  const files = new Map(Object.entries(opts.files).map(([name, bytes]) => [name, new Uint8Array(bytes)]));
  const engine = createTfjsCpuEngine({ manifest: opts.manifest, read: (file) => files.get(file) });
  return createEdgeWorker({ manifest: opts.manifest, engine, modelBytes: new Uint8Array(opts.model), settings: opts.settings, lookup: opts.lookup });
}
