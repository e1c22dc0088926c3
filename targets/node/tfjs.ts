/**
 * Node with the TF.js engine on its CPU backend (a build whose WASM backend disagreed with CPU, or --engine tfjs-cpu;
 * otherwise ./tfjs-wasm.ts): model.json and its weight shards (read by the caller, e.g. the generated `server.mjs`
 * from the build's `tfjs/` folder), checked against the manifest's sha256s.
 *
 * @example
 * ```ts
 * const server = await startTfjsNodeServer({ manifest, model: await readFile("tfjs/model.json"), files: { "blazeface.bin": await readFile("tfjs/blazeface.bin") } });
 * ```
 */
import "../tfjs-node-require.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import { createTfjsCpuEngine } from "../../runtime/engines/tfjs-cpu.ts";
import type { EdgeSettings } from "../../runtime/settings.ts";
import { createNodeEdgeWith, listenNodeEdge, nodeEdgeCommon, type NodeFeatureOptions, type NodeServer } from "./edge.ts";

export interface TfjsNodeServerOptions extends NodeFeatureOptions {
  manifest: Manifest;
  /** The model.json's bytes. */
  model: Uint8Array;
  /** Each weight shard's bytes by its name in the manifest (`artifact.tfjs.shards[].file`). */
  files: Readonly<Record<string, Uint8Array>>;
  settings?: Partial<EdgeSettings>;
  env?: Readonly<Record<string, string | undefined>>;
  port?: number;
  hostname?: string;
}

export function startTfjsNodeServer(opts: TfjsNodeServerOptions): Promise<NodeServer> {
  const engine = createTfjsCpuEngine({ manifest: opts.manifest, read: (file) => opts.files[file] });
  const edge = createNodeEdgeWith({
    manifest: opts.manifest,
    engine,
    modelBytes: opts.model,
    ...nodeEdgeCommon(opts),
  });
  return listenNodeEdge(edge, opts.manifest, opts);
}
