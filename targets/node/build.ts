/**
 * Node: a self-contained `server.mjs` (the edge app on @hono/node-server) that reads the model and onnxruntime-web's
 * wasm from beside itself and listens on HOST/PORT (default 127.0.0.1:3000). Run it with `node server.mjs`; nothing
 * to install. A model whose features come from feature views gets the views baked in (`lookup`); the server reads
 * their snapshots from EDGE_ML_FEATURES_DIR, or a feature service at EDGE_ML_FEATURES_URL (edge.ts).
 */
import type { LookupPlan } from "../../runtime/features/types.ts";
import { ORT_WASM_FILE } from "../ort-files.ts";
import { serverRunLine } from "../server-run.ts";
import { type BuildChallenger, defineTarget, TFJS_DIR, TFJS_SERVER_WASM_FILE } from "../types.ts";

/** The TF.js entry's start function per backend (./tfjs.ts on CPU, ./tfjs-wasm.ts on WASM). */
const tfjsStart = { cpu: "startTfjsNodeServer", wasm: "startTfjsWasmNodeServer" } as const;

/** The entry's `challenger` option: the challenger's file read from beside server.mjs (`bytes`: model or graph). */
function challengerOption(c: BuildChallenger | undefined, bytes: "model" | "graph"): string {
  if (c === undefined) return "";
  const sha = c.sha256 === undefined ? "" : `, graphSha256: ${JSON.stringify(c.sha256)}`;
  const lookup = c.lookup === undefined ? "" : `, lookup: ${JSON.stringify(c.lookup)}`;
  return `, challenger: { manifest: ${JSON.stringify(c.manifest)}, ${bytes}: await readFile(new URL(${JSON.stringify(c.file)}, import.meta.url))${sha}, rollout: ${JSON.stringify(c.rollout)}${lookup} }`;
}

/**
 * The entry's feature options (issue 16): the views the model reads, and `readText` for their snapshots (a missing
 * file is `undefined`: the server says which view lacks one). Any lookup plan, the champion's or the challenger's.
 */
function featureOptions(lookup: LookupPlan | undefined, c: BuildChallenger | undefined): string {
  if (lookup === undefined && c?.lookup === undefined) return "";
  const readText = `readText: (path) => readFile(path, "utf8").catch((e) => (e.code === "ENOENT" ? undefined : Promise.reject(e)))`;
  return `${lookup === undefined ? "" : `, lookup: ${JSON.stringify(lookup)}`}, ${readText}`;
}

export const nodeTarget = defineTarget({
  name: "node",
  description: "Node (@hono/node-server): served by `dev` in a Node child process; run `node server.mjs` anywhere Node runs",
  build: {
    main: "server.mjs",
    runtimeModule: { ort: "node/runtime.ts", compiled: "node/compiled.ts", tfjs: "node/tfjs.ts" },
    tfjsWasmModule: "node/tfjs-wasm.ts",
    platform: "node",
    conditions: ["node"],
    ortFiles: [ORT_WASM_FILE],
    tfjsFiles: [],
    splitting: false,
    external: [],
    entrySource: (manifest, settings, runtimeEntry, engine, challenger, lookup) =>
      engine.kind === "tfjs"
        ? [
            `import { readFile } from "node:fs/promises";`,
            `import { ${tfjsStart[engine.backend ?? "cpu"]} } from ${JSON.stringify(runtimeEntry)};`,
            `const manifest = ${JSON.stringify(manifest)};`,
            `const here = new URL("./${TFJS_DIR}/", import.meta.url);`,
            `const names = ${JSON.stringify(engine.shards)};`,
            `const [model, ...shards] = await Promise.all([${JSON.stringify(engine.model)}, ...names].map((f) => readFile(new URL(f, here))));`,
            `const files = Object.fromEntries(names.map((f, i) => [f, shards[i]]));`,
            ...(engine.backend === "wasm" ? [`const wasm = await readFile(new URL("./${TFJS_SERVER_WASM_FILE}", import.meta.url));`] : []),
            `const server = await ${tfjsStart[engine.backend ?? "cpu"]}({ manifest, model, files${engine.backend === "wasm" ? ", wasm" : ""}, settings: ${JSON.stringify(settings)}${featureOptions(lookup, undefined)}, env: process.env, port: Number(process.env.PORT ?? 3000), hostname: process.env.HOST ?? "127.0.0.1" });`,
            `for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => void server.close().then(() => process.exit(0)));`,
          ].join("\n")
        : engine.kind === "compiled"
          ? [
              `import { readFile } from "node:fs/promises";`,
              `import { startCompiledNodeServer } from ${JSON.stringify(runtimeEntry)};`,
              `const manifest = ${JSON.stringify(manifest)};`,
              `const graph = await readFile(new URL(${JSON.stringify(engine.file)}, import.meta.url));`,
              `const server = await startCompiledNodeServer({ manifest, graph, graphSha256: ${JSON.stringify(engine.sha256)}, settings: ${JSON.stringify(settings)}${featureOptions(lookup, challenger)}${challengerOption(challenger, "graph")}, env: process.env, port: Number(process.env.PORT ?? 3000), hostname: process.env.HOST ?? "127.0.0.1" });`,
              `for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => void server.close().then(() => process.exit(0)));`,
            ].join("\n")
          : [
              `import { readFile } from "node:fs/promises";`,
              `import { startNodeServer } from ${JSON.stringify(runtimeEntry)};`,
              `const manifest = ${JSON.stringify(manifest)};`,
              `const here = new URL("./", import.meta.url);`,
              `const [model, wasm] = await Promise.all([readFile(new URL("model.onnx", here)), readFile(new URL(${JSON.stringify(ORT_WASM_FILE)}, here))]);`,
              `const server = await startNodeServer({ manifest, model, wasm, settings: ${JSON.stringify(settings)}${featureOptions(lookup, challenger)}${challengerOption(challenger, "model")}, env: process.env, port: Number(process.env.PORT ?? 3000), hostname: process.env.HOST ?? "127.0.0.1" });`,
              `for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => void server.close().then(() => process.exit(0)));`,
            ].join("\n"),
    extraFiles: () => ({}),
    next: (dir, ref, lookups) => `cd ${dir} && ${serverRunLine("node", lookups)}   (or: npx edge-ml dev ${ref} --target node)`,
  },
  serve: { runtime: "node", load: async () => (await import("./serve.ts")).serveNode },
});
