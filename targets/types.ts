/** What differs between build targets; `bundler.ts` does everything they share. */
import type { Manifest } from "../core/schema/manifest.ts";

export interface EdgeSettings {
  maxBodyBytes?: number;
  maxBatch?: number;
}

export interface TargetPlan {
  /** The entry file written to the output folder (the bundle keeps this name, `.js`). */
  main: string;
  /** Runtime adapter module, relative to targets/ (the platform entry). */
  runtimeModule: string;
  /** esbuild export conditions, most specific first. */
  conditions: string[];
  /** onnxruntime-web files copied beside the bundle. */
  ortFiles: string[];
  /** Code splitting (browser: each ORT build is its own chunk, loaded only when chosen). */
  splitting: boolean;
  /** Modules esbuild leaves as imports (workerd imports model and wasm as modules). */
  external: string[];
  entrySource(manifest: Manifest, settings: EdgeSettings, runtimeEntry: string): string;
  /** Extra files written after bundling (wrangler.toml, index.html ...). */
  extraFiles(manifest: Manifest, main: string): Record<string, string>;
  /** What runs the build, for the CLI's "next" line. */
  next(dir: string, ref: string): string;
}
