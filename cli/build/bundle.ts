/**
 * `edge-ml build`: bundle the runtime, the manifest and the model into an edge function or page module with esbuild.
 * What differs per target (entry code, conditions, files) lives in `targets/<name>/build.ts`, found through the one
 * registry (`targets/index.ts`); this file does the rest:
 * integrity check, copies, bundling, sizes and `build.json` (the dev server and tests read the module list from it).
 * A rollout build (issue 14) also carries a challenger version, integrity-checked and run by the same engine, and an
 * entry that serves both; without a rollout given, the config's rollout applies when the champion is built.
 * A model whose features come `from` feature views gets its lookup plan baked in (lookup-plan.ts, from the config's
 * `featureViews`), recorded in build.json as `lookup`.
 *
 * @example
 * ```ts
 * const build = await buildTarget({ root, ref: "titanic@1.0.0", target: "worker", outDir: "dist/titanic" });
 * ```
 */
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { EdgeMlError } from "../../core/errors.ts";
import type { FeatureViews } from "../../core/feature-views.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import { verifyTfjsArtifact } from "../../core/tfjs-artifact.ts";
import { sha256Bytes } from "../project/hash.ts";
import { ortDistDir } from "../../targets/ort-files.ts";
import { tfjsWasmDir } from "../../targets/tfjs-files.ts";
import { runtimeModulePath } from "../project/project.ts";
import { loadServable } from "../registry/variant.ts";
import { storedSamples } from "../registry/samples.ts";
import { getTarget, TARGET_NAMES, type TargetName } from "../../targets/index.ts";
import {
  type BuildChallenger,
  type BuildEngine,
  type BuildEngineReport,
  type BuildResult,
  type BuildSettings,
  type BuiltFile,
  CHALLENGER_FILES,
  COMPILED_GRAPH_FILE,
  TFJS_DIR,
  TFJS_SERVER_WASM_FILE,
  type TargetConfig,
} from "../../targets/types.ts";
import type { EngineChoice } from "../commands/spec/build.ts";
import { configuredRollout, type ResolvedRollout } from "../dev/rollout.ts";
import { browserParity, parityDefine } from "./browser-parity.ts";
import { chooseEngine, type EngineDecision } from "./compile/choose.ts";
import type { LookupPlan } from "../../runtime/features/types.ts";
import { lookupPlanFor } from "./lookup-plan.ts";
import type { TfjsBackendChoice } from "./tfjs-parity.ts";
import { loadConfig } from "../project/config.ts";

/** Every build target (the registry's list). */
export const TARGETS = TARGET_NAMES;
export type Target = TargetName;

/** A target's section of the project config (`targets.<name>`), if it has one, with the project's feature views when it has some. */
export function targetConfig(config: { targets: object; featureViews?: TargetConfig["featureViews"] }, target: Target): TargetConfig | undefined {
  const own = (config.targets as Record<string, TargetConfig | undefined>)[target];
  const views = config.featureViews;
  return views === undefined || Object.keys(views).length === 0 ? own : { ...own, featureViews: views };
}

export interface BuildOptions {
  root: string;
  ref: string;
  target: Target;
  outDir?: string;
  /** Edge settings baked into the bundle (overridable at run time through env vars). */
  settings?: BuildSettings;
  /** The target's section of the config (`targets.worker`): names written into the build, e.g. the Worker name. */
  config?: TargetConfig | undefined;
  minify?: boolean;
  /** Module exporting the target's factory (default: targets/<target>/runtime.ts); benchmarks wrap it. */
  runtimeEntry?: string;
  /** Serve this optimized variant (`edge-ml optimize`) instead of the fp32 artifact. */
  variant?: string | undefined;
  /** auto (default): the compiled engine when it supports every node and matches the reference, else ORT. */
  engine?: EngineChoice | undefined;
  /** Called with the engine decision before bundling (the CLI prints it as a step). */
  onEngine?: (report: BuildEngineReport) => void;
  /** Browser builds (ORT, TF.js): compare each backend with the reference in headless Chromium (default true; see browser-parity.ts). */
  parity?: boolean;
  /**
   * A challenger served beside the model (cli/dev/rollout.ts resolves dev's flags into one); null: none; unset: the
   * config's `models.<name>.rollout` when `ref` is the model's champion (server targets only).
   */
  rollout?: ResolvedRollout | null | undefined;
  /** The config's feature views (default: read from edge-ml.config.ts when the model looks features up). */
  featureViews?: FeatureViews | undefined;
}

/** The lookup plans of the model and its challenger, from the views given or the project's config. */
async function lookupPlans(opts: BuildOptions, manifests: readonly Manifest[]) {
  if (!manifests.some((m) => m.features?.some((f) => f.from !== undefined))) return manifests.map(() => undefined);
  const views = opts.featureViews ?? (await loadConfig(opts.root)).featureViews;
  return manifests.map((m) => lookupPlanFor(m, views, opts.target));
}

export async function buildTarget(opts: BuildOptions): Promise<BuildResult> {
  const plan = getTarget(opts.target).build;
  const served =
    opts.rollout !== undefined || opts.target === "browser"
      ? { ref: opts.ref, rollout: opts.rollout ?? undefined }
      : await configuredRollout(opts.root, opts.ref);
  const { manifest, dir } = loadServable(opts.root, served.ref, opts.variant);
  const outDir = resolve(opts.outDir ?? join(opts.root, "dist", `${manifest.name}-${manifest.version}-${opts.target}`));
  const modelBytes = readVerified(manifest, dir);

  if (manifest.artifact.format === "tfjs") {
    await verifyTfjsArtifact(
      manifest.artifact,
      (file) => readIfExists(join(dir, file)),
      "restore the files from git, or register the model again as a new version with `edge-ml models add`",
    );
  }

  const samples = storedSamples(dir, manifest)?.map((s) => s.feeds);
  // Checked before anything is compiled or written: a feature view the config lacks is the user's to fix first.
  const challengerManifest = served.rollout ? loadServable(opts.root, served.rollout.challenger).manifest : undefined;
  const [lookup, challengerLookup] = await lookupPlans(opts, challengerManifest ? [manifest, challengerManifest] : [manifest]);
  let decision = await chooseEngine({ manifest, model: modelBytes, requested: opts.engine ?? "auto", ...(samples ? { samples } : {}) });
  let challenger: Challenger | undefined;
  if (served.rollout) ({ decision, challenger } = await withChallenger(opts, manifest, decision, served.rollout));
  // A server build runs a TF.js model on WASM when WASM agrees with CPU here (tfjs-parity.ts); a page picks its own.
  if (decision.engine === "tfjs" && decision.backend !== undefined && plan.tfjsWasmModule === undefined) {
    throw new EdgeMlError("ERR_USAGE", `--engine tfjs-${decision.backend} picks a server build's TF.js backend; a ${opts.target} build picks its own`, {
      hint: `build with --engine tfjs (or auto); in the page, loadModel({ device: "${decision.backend}" }) asks for one backend`,
    });
  }
  const tfjsBackend =
    decision.engine === "tfjs" && plan.tfjsWasmModule !== undefined
      ? await (await import("./tfjs-parity.ts")).chooseTfjsBackend({
          manifest,
          read: (file) => readIfExists(join(dir, file)),
          sample: samples?.[0],
          parity: opts.parity,
          asked: decision.backend,
        })
      : undefined;
  const engine = engineReport(decision, tfjsBackend);
  opts.onEngine?.(engine);

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  let entryEngine: BuildEngine;
  let modelFiles: BuiltFile[];
  if (decision.engine === "compiled") {
    writeFileSync(join(outDir, COMPILED_GRAPH_FILE), decision.bytes);
    entryEngine = { kind: "compiled", file: COMPILED_GRAPH_FILE, sha256: decision.sha256 };
    modelFiles = [fileInfo(outDir, COMPILED_GRAPH_FILE, "Data")];
  } else if (decision.engine === "tfjs") {
    ({ entryEngine, modelFiles } = copyTfjs(manifest, dir, outDir, tfjsBackend?.backend));
    const wasmFiles = tfjsBackend === undefined ? plan.tfjsFiles : tfjsBackend.backend === "wasm" ? [TFJS_SERVER_WASM_FILE] : [];
    for (const f of wasmFiles) copyFileSync(join(tfjsWasmDir(), f), join(outDir, f));
    modelFiles.push(...wasmFiles.map((f) => fileInfo(outDir, f, "CompiledWasm")));
  } else {
    copyFileSync(join(dir, manifest.artifact.file), join(outDir, "model.onnx"));
    for (const f of plan.ortFiles) copyFileSync(join(ortDistDir(), f), join(outDir, f));
    entryEngine = { kind: "ort" };
    modelFiles = [fileInfo(outDir, "model.onnx", "Data"), ...plan.ortFiles.map((f) => fileInfo(outDir, f, "CompiledWasm"))];
  }
  const written = challenger ? writeChallenger(challenger, outDir) : undefined;
  const entryChallenger = written && challengerLookup ? { ...written, lookup: challengerLookup } : written;
  if (entryChallenger) modelFiles.push(fileInfo(outDir, entryChallenger.file, "Data"));

  const parity =
    opts.target === "browser" && entryEngine.kind !== "compiled" && opts.parity !== false
      ? await browserParity({ outDir, manifest, engine: entryEngine.kind, sample: samples?.[0] })
      : undefined;

  // The entry is a real file (not stdin) because code splitting needs named entry points.
  const name = basename(plan.main).replace(/\.m?js$/, "");
  const entryFile = join(outDir, `.${name}.entry.ts`);
  const runtimeModule = entryEngine.kind === "tfjs" && entryEngine.backend === "wasm" ? plan.tfjsWasmModule : undefined;
  const runtimeEntry = opts.runtimeEntry ?? runtimeModulePath(runtimeModule ?? plan.runtimeModule[entryEngine.kind]);
  writeFileSync(entryFile, plan.entrySource(manifest, opts.settings ?? {}, runtimeEntry, entryEngine, entryChallenger, lookup));
  try {
    await build({
      entryPoints: { [name]: entryFile },
      bundle: true,
      format: "esm",
      platform: plan.platform,
      // Node: the bundle is an ES module whatever package.json sits around it.
      ...(plan.main.endsWith(".mjs") ? { outExtension: { ".js": ".mjs" } } : {}),
      target: "es2022",
      conditions: plan.conditions,
      mainFields: ["module", "main"],
      external: plan.external,
      outdir: outDir,
      splitting: plan.splitting,
      chunkNames: "chunks/[name]-[hash]",
      minify: opts.minify ?? true,
      legalComments: "none",
      define: parityDefine(parity),
      logLevel: "silent",
    });
  } catch (cause) {
    throw new EdgeMlError("ERR_BUILD", `esbuild failed: ${(cause as Error).message}`, { cause });
  } finally {
    rmSync(entryFile, { force: true });
  }
  for (const [file, content] of Object.entries(plan.extraFiles({ manifest, challenger: challengerManifest, main: plan.main, config: opts.config })))
    writeFileSync(join(outDir, file), content);

  const files: BuiltFile[] = [fileInfo(outDir, plan.main, "ESModule"), ...modelFiles];
  const ref = `${manifest.name}@${manifest.version}`;
  const result: BuildResult = {
    target: opts.target,
    outDir,
    model: { name: manifest.name, version: manifest.version, sha256: manifest.artifact.sha256 },
    ...(lookup ? { lookup } : {}),
    ...(challenger && entryChallenger
      ? {
          challenger: {
            name: challenger.manifest.name,
            version: challenger.manifest.version,
            sha256: challenger.manifest.artifact.sha256,
            file: entryChallenger.file,
            rollout: entryChallenger.rollout,
          },
        }
      : {}),
    engine,
    main: plan.main,
    files,
    totalBytes: files.reduce((a, f) => a + f.bytes, 0),
    totalGzipBytes: files.reduce((a, f) => a + f.gzipBytes, 0),
    next: plan.next(
      outDir,
      ref,
      [lookup, challengerLookup].filter((l): l is LookupPlan => l !== undefined),
    ),
  };
  writeFileSync(join(outDir, "build.json"), `${JSON.stringify({ ...result, outDir: ".", ...(parity ? { parity: parity.report } : {}) }, null, 2)}\n`);
  return result;
}

/** The model file's bytes, refused unless they hash to the manifest's sha256. */
function readVerified(manifest: Manifest, dir: string): Uint8Array {
  const modelBytes = readFileSync(join(dir, manifest.artifact.file));
  const actual = sha256Bytes(modelBytes);
  if (actual !== manifest.artifact.sha256) {
    throw new EdgeMlError("ERR_INTEGRITY", `${manifest.name}@${manifest.version}: ${manifest.artifact.file} does not match the manifest's sha256`, {
      file: join(dir, manifest.artifact.file),
      issues: [{ path: "artifact.sha256", message: `manifest says ${manifest.artifact.sha256}, file hashes to ${actual}` }],
      hint: "the model file was changed after registration; restore it from git, or register it as a new version with `edge-ml models add`",
    });
  }
  return modelBytes;
}

/** A rollout's challenger as the build ships it: its manifest, where its files are, and the engine that runs it. */
interface Challenger {
  manifest: Manifest;
  dir: string;
  decision: EngineDecision;
  rollout: ResolvedRollout;
}

/**
 * Load and check the challenger, and agree on one engine for both versions (one runtime per isolate): under `auto`,
 * if either cannot be compiled, both run on onnxruntime-web, and the reason says which one and why.
 */
async function withChallenger(
  opts: BuildOptions,
  manifest: Manifest,
  decision: EngineDecision,
  rollout: ResolvedRollout,
): Promise<{ decision: EngineDecision; challenger: Challenger }> {
  if (opts.target === "browser") {
    throw new EdgeMlError("ERR_USAGE", `a challenger is served beside ${manifest.name} by a server, not in a page`, {
      hint: "build the browser target without --challenger, or serve the rollout with --target worker, deno or node",
    });
  }
  const { manifest: other, dir } = loadServable(opts.root, rollout.challenger);
  const tfjs = [manifest, other].find((m) => m.artifact.format === "tfjs");
  if (tfjs !== undefined) {
    throw new EdgeMlError("ERR_ENGINE", `${tfjs.name}@${tfjs.version} is a TF.js model: a rollout serves ONNX versions`, {
      hint: `build ${manifest.name}@${manifest.version} without a challenger (remove models.${manifest.name}.rollout from edge-ml.config.ts, or the --challenger flag)`,
    });
  }
  const bytes = readVerified(other, dir);
  const samples = storedSamples(dir, other)?.map((s) => s.feeds);
  let theirs = await chooseEngine({ manifest: other, model: bytes, requested: opts.engine ?? "auto", ...(samples ? { samples } : {}) });
  let ours = decision;
  if (ours.engine !== theirs.engine) {
    const [version, why] = ours.engine === "ort" ? [manifest.version, ours.reason] : [other.version, theirs.engine === "ort" ? theirs.reason : ""];
    const reason = `one engine runs both versions, and ${version} runs on ORT (${why})`;
    ours = { engine: "ort", reason };
    theirs = { engine: "ort", reason };
  }
  return { decision: ours, challenger: { manifest: other, dir, decision: theirs, rollout } };
}

/** Write the challenger's model (ONNX file or compiled graph) beside the champion's; what the entry needs to load it. */
function writeChallenger(c: Challenger, outDir: string): BuildChallenger {
  const rollout = c.rollout.settings;
  if (c.decision.engine === "compiled") {
    writeFileSync(join(outDir, CHALLENGER_FILES.compiled), c.decision.bytes);
    return { manifest: c.manifest, file: CHALLENGER_FILES.compiled, sha256: c.decision.sha256, rollout };
  }
  copyFileSync(join(c.dir, c.manifest.artifact.file), join(outDir, CHALLENGER_FILES.ort));
  return { manifest: c.manifest, file: CHALLENGER_FILES.ort, rollout };
}

/** A TF.js model.json and its shards, copied into TFJS_DIR under their manifest names (Data modules for workerd). */
function copyTfjs(manifest: Manifest, dir: string, outDir: string, backend: "wasm" | "cpu" | undefined): { entryEngine: BuildEngine; modelFiles: BuiltFile[] } {
  const shards = manifest.artifact.tfjs?.shards.map((s) => s.file) ?? [];
  mkdirSync(join(outDir, TFJS_DIR), { recursive: true });
  for (const file of [manifest.artifact.file, ...shards]) {
    mkdirSync(dirname(join(outDir, TFJS_DIR, file)), { recursive: true });
    copyFileSync(join(dir, file), join(outDir, TFJS_DIR, file));
  }
  return {
    entryEngine: { kind: "tfjs", model: manifest.artifact.file, shards, ...(backend ? { backend } : {}) },
    modelFiles: [manifest.artifact.file, ...shards].map((file) => fileInfo(outDir, `${TFJS_DIR}/${file}`, "Data")),
  };
}

function readIfExists(path: string): Uint8Array | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}

function engineReport(decision: EngineDecision, tfjs: TfjsBackendChoice | undefined): BuildEngineReport {
  if (decision.engine === "ort") return { name: "ort-wasm", reason: decision.reason };
  if (decision.engine === "tfjs") return { name: "tfjs", reason: tfjs ? `${decision.reason}; ${tfjs.reason}` : decision.reason, ...(tfjs ? { tfjs } : {}) };
  const { check } = decision;
  return {
    name: "compiled",
    reason: `every op is supported (${decision.ops.join(", ")}) and it matches ${check.reference} within ${check.tolerance.toExponential()} on ${check.inputs} inputs`,
    compiled: {
      file: COMPILED_GRAPH_FILE,
      sha256: decision.sha256,
      ops: decision.ops,
      check: { reference: check.reference, inputs: check.inputs, maxAbsError: check.maxAbsError, tolerance: check.tolerance },
    },
  };
}

function fileInfo(outDir: string, path: string, type: BuiltFile["type"]): BuiltFile {
  const bytes = readFileSync(join(outDir, path));
  return { path, type, bytes: bytes.byteLength, gzipBytes: gzipSync(bytes, { level: 9 }).byteLength };
}
