/**
 * Deno: a server.js that reads model and wasm from beside itself and serves with Deno.serve. A model whose features
 * come from feature views gets the views baked in (`lookup`); the server opens their stores at start (features.ts).
 */
import type { LookupPlan } from "../../runtime/features/types.ts";
import { ORT_WASM_FILE } from "../ort-files.ts";
import { serverRunLine } from "../server-run.ts";
import { type BuildChallenger, defineTarget, TFJS_DIR, TFJS_NODE_REQUIRES, TFJS_SERVER_WASM_FILE } from "../types.ts";

/** The TF.js entry's start function per backend (./tfjs.ts on CPU, ./tfjs-wasm.ts on WASM). */
const tfjsStart = { cpu: "startTfjsDenoServer", wasm: "startTfjsWasmDenoServer" } as const;

/** The entry's `lookup` option: the feature views the model reads (issue 16); the server opens their stores (features.ts). */
const lookupOption = (lookup: LookupPlan | undefined): string => (lookup === undefined ? "" : `, lookup: ${JSON.stringify(lookup)}`);

/** The entry's `challenger` option: the challenger's file read from beside the bundle (`url`: modelUrl or graphUrl). */
function challengerOption(c: BuildChallenger | undefined, url: "modelUrl" | "graphUrl"): string {
  if (c === undefined) return "";
  const sha = c.sha256 === undefined ? "" : `, graphSha256: ${JSON.stringify(c.sha256)}`;
  return `, challenger: { manifest: ${JSON.stringify(c.manifest)}, ${url}: new URL("./${c.file}", import.meta.url)${sha}, rollout: ${JSON.stringify(c.rollout)}${lookupOption(c.lookup)} }`;
}

export const denoTarget = defineTarget({
  name: "deno",
  description: "Deno (Deno.serve): served by `dev` with the deno binary; deploy the folder with Deno Deploy or `deno run`",
  build: {
    main: "server.js",
    runtimeModule: { ort: "deno/runtime.ts", compiled: "deno/compiled.ts", tfjs: "deno/tfjs.ts" },
    tfjsWasmModule: "deno/tfjs-wasm.ts",
    platform: "neutral",
    conditions: ["deno", "worker", "browser"],
    ortFiles: [ORT_WASM_FILE],
    tfjsFiles: [],
    splitting: false,
    // node:module: the TF.js entry gives TF.js a `require` (targets/tfjs-node-require.ts); Deno has node:module.
    external: [...TFJS_NODE_REQUIRES, "node:module"],
    entrySource: (manifest, settings, runtimeEntry, engine, challenger, lookup) =>
      engine.kind === "tfjs"
        ? [
            `import { ${tfjsStart[engine.backend ?? "cpu"]} } from ${JSON.stringify(runtimeEntry)};`,
            `const manifest = ${JSON.stringify(manifest)};`,
            `await ${tfjsStart[engine.backend ?? "cpu"]}({ manifest, settings: ${JSON.stringify(settings)}, dirUrl: new URL("./${TFJS_DIR}/", import.meta.url)${engine.backend === "wasm" ? `, wasmUrl: new URL("./${TFJS_SERVER_WASM_FILE}", import.meta.url)` : ""}${lookupOption(lookup)} });`,
          ].join("\n")
        : engine.kind === "compiled"
          ? [
              `import { startCompiledDenoServer } from ${JSON.stringify(runtimeEntry)};`,
              `const manifest = ${JSON.stringify(manifest)};`,
              `await startCompiledDenoServer({ manifest, settings: ${JSON.stringify(settings)}, graphUrl: new URL("./${engine.file}", import.meta.url), graphSha256: ${JSON.stringify(engine.sha256)}${lookupOption(lookup)}${challengerOption(challenger, "graphUrl")} });`,
            ].join("\n")
          : [
              `import { startDenoServer } from ${JSON.stringify(runtimeEntry)};`,
              `const manifest = ${JSON.stringify(manifest)};`,
              `await startDenoServer({ manifest, settings: ${JSON.stringify(settings)}, modelUrl: new URL("./model.onnx", import.meta.url), wasmUrl: new URL("./${ORT_WASM_FILE}", import.meta.url)${lookupOption(lookup)}${challengerOption(challenger, "modelUrl")} });`,
            ].join("\n"),
    extraFiles: () => ({}),
    next: (dir, ref, lookups) => `cd ${dir} && ${serverRunLine("deno", lookups)}   (or: npx edge-ml dev ${ref} --target deno)`,
  },
  serve: { runtime: "deno", load: async () => (await import("./serve.ts")).serveDeno },
});
