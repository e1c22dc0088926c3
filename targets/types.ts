/**
 * The contract of a target (nitro's presets are the model): what `build` bundles, whether and how `dev` serves the
 * build locally, and whether and how `deploy` ships it. One folder per target implements it; `targets/index.ts` lists
 * them. Build-side types (BuildResult, BuiltFile) live here so that targets never import the CLI.
 */
import type { Manifest } from "../core/schema/manifest.ts";
import type { LookupPlan } from "../runtime/features/types.ts";
import type { RolloutSettings } from "../runtime/rollout.ts";
import type { EdgeSettings } from "../runtime/settings.ts";

/** Limits baked into a build (every field optional: the runtime fills defaults, env vars override). */
export type BuildSettings = Partial<EdgeSettings>;

/** An environment of a target's config (`targets.worker.env.<name>`): what differs from the top level. */
interface TargetEnvConfig {
  name?: string | undefined;
  routes?: readonly string[] | undefined;
  vars?: Readonly<Record<string, string>> | undefined;
  /** Where the feature views live on the platform (Workers: `targets.worker.features`, a KV namespace and a D1 database). */
  features?: { kvNamespaceId?: string | undefined; d1?: { databaseId: string; databaseName: string } | undefined } | undefined;
}

/** A target's section of edge-ml.config.ts (`targets.<name>`), as builds and deploys read it. */
export interface TargetConfig extends TargetEnvConfig {
  env?: Readonly<Record<string, TargetEnvConfig>> | undefined;
  /** The project's feature views (`featureViews`), by name: which store each looked-up feature's view needs bound. */
  featureViews?: Readonly<Record<string, { store: string }>> | undefined;
}

/** What a target's extra files are written from; names in them must agree with what `deploy` uses. */
export interface BuildContext {
  manifest: Manifest;
  /** The challenger served beside it (a rollout), whose feature stores the Worker binds too. */
  challenger?: Manifest | undefined;
  /** The entry file's name in the output folder. */
  main: string;
  config: TargetConfig | undefined;
}

/** The engines an ONNX model can be built with: onnxruntime-web (wasm) or the compiled engine (runtime/engines/compiled). */
export type EngineKind = "ort" | "compiled";
/** Every engine a build can bundle: the ONNX ones, or TF.js for a TF.js model. */
export type BuildEngineKind = EngineKind | "tfjs";

/**
 * What the entry loads the model with: the ONNX file and ORT's wasm, the compiled graph (checked by its sha256), or a
 * TF.js model.json and its weight shards (`files`: names in the manifest, copied into TFJS_DIR).
 */
export type BuildEngine =
  | { kind: "ort" }
  | { kind: "compiled"; file: string; sha256: string }
  /** `backend`: a server build's TF.js backend (WASM: TFJS_SERVER_WASM_FILE beside the bundle); a page picks its own. */
  | { kind: "tfjs"; model: string; shards: string[]; backend?: "wasm" | "cpu" };

/** The folder of a build that holds a TF.js model.json and its shards (Data modules for workerd, fetched or read elsewhere). */
export const TFJS_DIR = "tfjs";

/**
 * Node modules TF.js `require`s only when it runs in Node (its package.json's `browser` field maps them to nothing):
 * left external in web-standard bundles, where those requires never run.
 */
export const TFJS_NODE_REQUIRES = ["util", "crypto", "node-fetch", "worker_threads", "fs", "path", "os", "perf_hooks"];

/** The wasm binaries tfjs-backend-wasm picks from (plain, SIMD, threaded SIMD): beside a browser build's bundle. */
export const TFJS_WASM_FILES = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"] as const;

/** The one a server build ships when its model runs on TF.js's WASM backend: SIMD, one thread (workerd, Deno, Node). */
export const TFJS_SERVER_WASM_FILE = TFJS_WASM_FILES[1];

/** The compiled graph's file name in a build (a Data module for workerd, fetched or read elsewhere). */
export const COMPILED_GRAPH_FILE = "model.graph";

/** A rollout build's challenger model beside the champion's: its ONNX file (ORT builds) or its compiled graph. */
export const CHALLENGER_FILES = { ort: "challenger.onnx", compiled: "challenger.graph" } as const;

/**
 * The challenger a rollout build serves beside the model (issue 14): another version, run by the same engine as the
 * champion, its file beside the champion's (CHALLENGER_FILES), and how the two share the traffic.
 */
export interface BuildChallenger {
  manifest: Manifest;
  /** The file in the build: CHALLENGER_FILES.ort or .compiled, as the champion's engine. */
  file: string;
  /** A compiled graph's sha256 (checked before the first prediction, like the champion's); ORT files use the manifest's. */
  sha256?: string | undefined;
  rollout: RolloutSettings;
  /** The challenger's own lookup plan, when its features come from feature views (issue 16). */
  lookup?: LookupPlan | undefined;
}

interface BuildPlan {
  /** The entry file written to the output folder (the bundle keeps this name, `.js`). */
  main: string;
  /** Runtime adapter module per engine, relative to targets/ (the platform entry). */
  runtimeModule: Record<BuildEngineKind, string>;
  /** esbuild platform: "neutral" for web-standard runtimes, "node" where Node built-ins are imported. */
  platform: "neutral" | "node";
  /** esbuild export conditions, most specific first. */
  conditions: string[];
  /** onnxruntime-web files copied beside the bundle (ORT builds only). */
  ortFiles: string[];
  /** tfjs-backend-wasm files copied beside the bundle (TF.js builds only). */
  tfjsFiles: readonly string[];
  /**
   * Server targets: the runtime module running TF.js on WASM, which the build picks when WASM agrees with CPU
   * (cli/build/tfjs-parity.ts), shipping TFJS_SERVER_WASM_FILE beside the bundle; `runtimeModule.tfjs` runs CPU.
   */
  tfjsWasmModule?: string;
  /** Code splitting (browser: each ORT build is its own chunk, loaded only when chosen). */
  splitting: boolean;
  /** Modules esbuild leaves as imports (workerd imports model and wasm as modules). */
  external: string[];
  /**
   * The entry's code; with `challenger`, the entry serves both versions (only ORT and compiled builds have one). With
   * `lookup` (a model whose features come from feature views, issue 16), the entry passes it to the runtime as the
   * `lookup` option (ServedModelOptions.lookup) and the target's feature store reader as `featureReader`.
   */
  entrySource(
    manifest: Manifest,
    settings: BuildSettings,
    runtimeEntry: string,
    engine: BuildEngine,
    challenger?: BuildChallenger,
    lookup?: LookupPlan,
  ): string;
  /** Extra files written after bundling (wrangler.toml, index.html ...). */
  extraFiles(ctx: BuildContext): Record<string, string>;
  /** What runs the build, for the CLI's "next" line; `lookups`: the views the served versions read (issue 16). */
  next(dir: string, ref: string, lookups: readonly LookupPlan[]): string;
}

export interface BuiltFile {
  path: string;
  type: "ESModule" | "Data" | "CompiledWasm" | "Text";
  bytes: number;
  gzipBytes: number;
}

/** Which engine a build bundles and why (`build` prints it; build.json keeps it). */
export interface BuildEngineReport {
  name: "compiled" | "ort-wasm" | "tfjs";
  /** Why this engine: e.g. "--engine ort", or the first op the compiled engine does not support. */
  reason: string;
  /** TF.js server builds: the backend (WASM when it agrees with CPU on the probe input) and that check. */
  tfjs?: {
    backend: "wasm" | "cpu";
    reason: string;
    /** The check against CPU, and each backend's median time a run on its input in Node when they agreed. */
    parity?: {
      input: "sample" | "random";
      tolerance: string;
      agree: boolean;
      maxAbsDiff?: number;
      maxRelDiff?: number;
      output?: string;
      wasmMs?: number;
      cpuMs?: number;
    };
  };
  /** Compiled builds: the graph file, its sha256, the ops it runs, and the differential check against the reference. */
  compiled?: {
    file: string;
    sha256: string;
    ops: string[];
    check: { reference: string; inputs: number; maxAbsError: number; tolerance: number };
  };
}

export interface BuildResult {
  target: string;
  outDir: string;
  model: { name: string; version: string; sha256: string };
  /** A model with looked-up features: the views its build reads (issue 16). */
  lookup?: LookupPlan;
  /** A rollout build: the challenger served beside the model, and how they share the traffic. */
  challenger?: { name: string; version: string; sha256: string; file: string; rollout: RolloutSettings };
  engine: BuildEngineReport;
  main: string;
  files: BuiltFile[];
  totalBytes: number;
  totalGzipBytes: number;
  next: string;
}

export interface ServeOptions {
  port?: number;
  host?: string;
  /** Env vars of the served build (Workers: vars and secrets). */
  env?: Record<string, string>;
  /**
   * The project's local feature store, which `edge-ml features push` writes (cli/features/local-store.ts): `dev` passes
   * it so a build that looks features up serves the pushed values. Workers bind miniflare's KV and D1 persisted in
   * `kvPersist` / `d1Persist` (namespace and database id `id`); `dir` holds the memory/deno-kv snapshots
   * (`<dir>/<view>/latest.jsonl`).
   */
  localFeatures?: { kvPersist: string; d1Persist: string; id: string; dir: string };
}

/** A build served on this machine. */
export interface LocalServer {
  /** Base URL with a trailing slash, e.g. http://127.0.0.1:8787/ */
  url: string;
  close(): Promise<void>;
}

export interface DeployRequest {
  /** The user's project (its own copy of the platform CLI, e.g. wrangler, is preferred). */
  root: string;
  build: BuildResult;
  manifest: Manifest;
  /** The deployed name (one per model and environment, the same the build wrote). */
  name: string;
  /** An environment of the platform (wrangler's `--env`), if any. */
  environment?: string;
  routes: readonly string[];
  vars: Readonly<Record<string, string>>;
  dryRun: boolean;
  /** A note recorded with the deploy (wrangler's --message). */
  message: string;
  /** Credentials and settings of the platform's CLI. */
  env: Readonly<Record<string, string | undefined>>;
  /** Output of the platform's CLI as it comes, for the terminal. */
  onOutput?: (chunk: string) => void;
}

export interface DeployOutcome {
  /** One line on what was (or would be) uploaded, e.g. wrangler's "Total Upload: ...". */
  upload?: string;
  url?: string;
}

export interface TargetDefinition {
  name: string;
  description: string;
  build: BuildPlan;
  /** How `edge-ml dev --target <name>` serves a build; absent: this target is not served locally. Loaded lazily. */
  serve?: {
    /** What runs it, for the terminal ("workerd", "deno", "node"). */
    runtime: string;
    load(): Promise<(outDir: string, opts: ServeOptions) => Promise<LocalServer>>;
  };
  /** How `edge-ml deploy --target <name>` ships a build; absent: build it and host it yourself. Loaded lazily. */
  deploy?: {
    /** The one deployed name of a model (per environment), which the build also writes into the platform config. */
    name(model: string, config: TargetConfig | undefined, environment?: string): string;
    load(): Promise<(req: DeployRequest) => Promise<DeployOutcome>>;
  };
}

/** Identity helper that checks a target definition. */
export const defineTarget = <T extends TargetDefinition>(target: T): T => target;
