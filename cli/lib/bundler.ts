/**
 * `edge-ml build`: bundle the runtime, the manifest and the model into an edge function with esbuild.
 *
 * Worker output (`--target worker`): `worker.js` (ES module), `model.onnx` (imported as Data),
 * `ort-wasm-simd-threaded.wasm` (imported as CompiledWasm, see runtime/engines/ort-wasm-module.ts), `wrangler.toml`
 * with the module rules so `wrangler deploy` uploads the files as they are (no second bundling), and `build.json`
 * describing the build (the dev server and tests read the module list from it).
 *
 * @example
 * ```ts
 * const build = await buildTarget({ root, ref: "titanic@1.0.0", target: "worker", outDir: "dist/titanic" });
 * ```
 */
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { EdgeMlError } from "../../core/errors.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import { sha256Bytes } from "./hash.ts";
import { PACKAGE_ROOT } from "./project.ts";
import { loadModel } from "./registry.ts";
import { renderWranglerToml } from "./wrangler-config.ts";

export const TARGETS = ["worker", "deno"] as const;
export type Target = (typeof TARGETS)[number];

export const ORT_WASM_FILE = "ort-wasm-simd-threaded.wasm";

export interface BuildOptions {
  root: string;
  ref: string;
  target: Target;
  outDir?: string;
  /** Edge settings baked into the bundle (overridable at run time through env vars on Workers). */
  settings?: EdgeSettings;
  minify?: boolean;
  /** Module exporting `createWorker` (default: runtime/targets/worker.ts); benchmarks wrap it with extra routes. */
  runtimeEntry?: string;
}

export interface EdgeSettings {
  maxBodyBytes?: number;
  maxBatch?: number;
}

export interface BuiltFile {
  path: string;
  type: "ESModule" | "Data" | "CompiledWasm" | "Text";
  bytes: number;
  gzipBytes: number;
}

export interface BuildResult {
  target: Target;
  outDir: string;
  model: { name: string; version: string; sha256: string };
  main: string;
  files: BuiltFile[];
  totalBytes: number;
  totalGzipBytes: number;
}

export async function buildTarget(opts: BuildOptions): Promise<BuildResult> {
  const { manifest, dir } = loadModel(opts.root, opts.ref);
  if (!(TARGETS as readonly string[]).includes(opts.target)) {
    throw new EdgeMlError("ERR_USAGE", `--target ${opts.target} is not supported yet`, { hint: `Should be one of: ${TARGETS.join(", ")}` });
  }
  const outDir = resolve(opts.outDir ?? join(opts.root, "dist", `${manifest.name}-${manifest.version}-${opts.target}`));
  const modelBytes = readFileSync(join(dir, manifest.artifact.file));
  const actual = sha256Bytes(modelBytes);
  if (actual !== manifest.artifact.sha256) {
    throw new EdgeMlError("ERR_INTEGRITY", `${manifest.name}@${manifest.version}: ${manifest.artifact.file} does not match the manifest's sha256`, {
      file: join(dir, manifest.artifact.file),
      issues: [{ path: "artifact.sha256", message: `manifest says ${manifest.artifact.sha256}, file hashes to ${actual}` }],
      hint: "the model file was changed after registration; restore it from git, or register it as a new version with `edge-ml models add`",
    });
  }

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  copyFileSync(join(dir, manifest.artifact.file), join(outDir, "model.onnx"));
  copyFileSync(join(ortDistDir(), ORT_WASM_FILE), join(outDir, ORT_WASM_FILE));

  const deno = opts.target === "deno";
  const main = deno ? "server.js" : "worker.js";
  const entry = deno
    ? denoEntrySource(manifest, opts.settings ?? {}, opts.runtimeEntry ?? join(PACKAGE_ROOT, "runtime", "targets", "deno.ts"))
    : workerEntrySource(manifest, opts.settings ?? {}, opts.runtimeEntry ?? join(PACKAGE_ROOT, "runtime", "targets", "worker.ts"));
  const result = await build({
    stdin: { contents: entry, resolveDir: outDir, sourcefile: "edge-ml-entry.ts", loader: "ts" },
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: deno ? ["deno", "worker", "browser"] : ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["*.wasm", "*.onnx"],
    outfile: join(outDir, main),
    minify: opts.minify ?? true,
    legalComments: "none",
    logLevel: "silent",
    metafile: true,
  }).catch((cause: unknown) => {
    throw new EdgeMlError("ERR_BUILD", `esbuild failed: ${(cause as Error).message}`, { cause });
  });
  void result;

  if (!deno) {
    writeFileSync(join(outDir, "wrangler.toml"), renderWranglerToml({ name: `${manifest.name}-${manifest.version.replaceAll(".", "-")}`, main, manifest }));
  }
  const files: BuiltFile[] = [
    fileInfo(outDir, main, "ESModule"),
    fileInfo(outDir, "model.onnx", "Data"),
    fileInfo(outDir, ORT_WASM_FILE, "CompiledWasm"),
  ];
  const buildResult: BuildResult = {
    target: opts.target,
    outDir,
    model: { name: manifest.name, version: manifest.version, sha256: manifest.artifact.sha256 },
    main,
    files,
    totalBytes: files.reduce((a, f) => a + f.bytes, 0),
    totalGzipBytes: files.reduce((a, f) => a + f.gzipBytes, 0),
  };
  writeFileSync(join(outDir, "build.json"), `${JSON.stringify({ ...buildResult, outDir: "." }, null, 2)}\n`);
  return buildResult;
}

/** Deno entry: the manifest is inlined; model and wasm are read from beside server.js at start. */
function denoEntrySource(manifest: Manifest, settings: EdgeSettings, runtimeEntry: string): string {
  return [
    `import { startDenoServer } from ${JSON.stringify(runtimeEntry)};`,
    `const manifest = ${JSON.stringify(manifest)};`,
    `await startDenoServer({ manifest, settings: ${JSON.stringify(settings)}, modelUrl: new URL("./model.onnx", import.meta.url), wasmUrl: new URL("./${ORT_WASM_FILE}", import.meta.url) });`,
  ].join("\n");
}

/** The command that runs a Deno build from its folder, with the narrowest permissions that work. */
export const DENO_RUN = "deno run --allow-net --allow-read=. --allow-env server.js";

/** The generated entry: the manifest is inlined; model and wasm stay separate modules beside worker.js. */
function workerEntrySource(manifest: Manifest, settings: EdgeSettings, runtimeEntry: string): string {
  return [
    `import model from "./model.onnx";`,
    `import wasm from "./${ORT_WASM_FILE}";`,
    `import { createWorker } from ${JSON.stringify(runtimeEntry)};`,
    `const manifest = ${JSON.stringify(manifest)};`,
    `export default createWorker({ manifest, model, wasm, settings: ${JSON.stringify(settings)} });`,
  ].join("\n");
}

function fileInfo(outDir: string, path: string, type: BuiltFile["type"]): BuiltFile {
  const bytes = readFileSync(join(outDir, path));
  return { path, type, bytes: bytes.byteLength, gzipBytes: gzipSync(bytes, { level: 9 }).byteLength };
}

/** onnxruntime-web's dist folder, found from where edge-ml is installed (not from the user's project). */
export function ortDistDir(): string {
  const require = createRequire(join(PACKAGE_ROOT, "package.json"));
  return dirname(require.resolve("onnxruntime-web/wasm"));
}
