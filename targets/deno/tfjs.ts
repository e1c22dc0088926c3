/**
 * Deno with the TF.js engine on its CPU backend (a build whose WASM backend disagreed with CPU, or --engine tfjs-cpu;
 * otherwise ./tfjs-wasm.ts): model.json and its weight shards are read from the build's `tfjs/` folder beside the
 * bundle, checked against the manifest's sha256s; served with `Deno.serve`.
 *
 * @example
 * ```ts
 * await startTfjsDenoServer({ manifest, dirUrl: new URL("./tfjs/", import.meta.url) });
 * ```
 */
import "../tfjs-node-require.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import { createTfjsCpuEngine } from "../../runtime/engines/tfjs-cpu.ts";
import type { EdgeSettings } from "../../runtime/settings.ts";
import { type DenoFeatureOptions, denoGlobal, serveDenoEdge } from "./edge.ts";

export interface TfjsDenoServerOptions extends DenoFeatureOptions {
  manifest: Manifest;
  /** The folder holding model.json and the shards (a trailing slash). */
  dirUrl: URL;
  settings?: Partial<EdgeSettings>;
}

export async function startTfjsDenoServer(opts: TfjsDenoServerOptions): Promise<void> {
  const deno = denoGlobal();
  // A missing file is reported by the integrity check, naming it.
  const read = (file: string) => deno.readFile(new URL(file, opts.dirUrl)).catch(() => undefined);
  const modelBytes = await deno.readFile(new URL(opts.manifest.artifact.file, opts.dirUrl));
  await serveDenoEdge({
    manifest: opts.manifest,
    engine: createTfjsCpuEngine({ manifest: opts.manifest, read }),
    modelBytes,
    settings: opts.settings,
    lookup: opts.lookup,
    featureReader: opts.featureReader,
  });
}
