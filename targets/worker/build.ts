/** Cloudflare Workers: model (Data) and wasm (CompiledWasm) imported as modules; wrangler.toml beside the bundle. */
import { ORT_WASM_FILE } from "../ort-files.ts";
import { workerName } from "./name.ts";
import { renderWranglerToml } from "./wrangler-config.ts";
import { type BuildChallenger, type BuildEngine, type BuildSettings, defineTarget, TFJS_DIR, TFJS_NODE_REQUIRES, TFJS_SERVER_WASM_FILE } from "../types.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import type { LookupPlan } from "../../runtime/features/types.ts";

/** The entry's `lookup` option (the views the model reads, issue 16), or nothing. */
const lookupOption = (lookup: LookupPlan | undefined): string => (lookup === undefined ? "" : `, lookup: ${JSON.stringify(lookup)}`);

/** The TF.js entry: model.json and each shard imported as Data modules from TFJS_DIR. */
function tfjsEntry(
  manifest: Manifest,
  settings: BuildSettings,
  runtimeEntry: string,
  engine: Extract<BuildEngine, { kind: "tfjs" }>,
  lookup: LookupPlan | undefined,
): string {
  const path = (file: string) => JSON.stringify(`./${TFJS_DIR}/${file}`);
  const wasm = engine.backend === "wasm";
  return [
    `import model from ${path(engine.model)};`,
    ...engine.shards.map((file, i) => `import shard${i} from ${path(file)};`),
    ...(wasm ? [`import wasm from "./${TFJS_SERVER_WASM_FILE}";`] : []),
    `import { ${wasm ? "createTfjsWasmWorker" : "createTfjsWorker"} } from ${JSON.stringify(runtimeEntry)};`,
    `const manifest = ${JSON.stringify(manifest)};`,
    `const files = { ${engine.shards.map((file, i) => `${JSON.stringify(file)}: shard${i}`).join(", ")} };`,
    `export default ${wasm ? "createTfjsWasmWorker" : "createTfjsWorker"}({ manifest, model, files${wasm ? ", wasm" : ""}, settings: ${JSON.stringify(settings)}${lookupOption(lookup)} });`,
  ].join("\n");
}

/** The challenger's part of the entry: its model imported as a Data module, and the `challenger` option naming it. */
function challengerParts(c: BuildChallenger | undefined, bytes: "model" | "graph"): { imports: string[]; option: string } {
  if (c === undefined) return { imports: [], option: "" };
  const sha = c.sha256 === undefined ? "" : `, graphSha256: ${JSON.stringify(c.sha256)}`;
  return {
    imports: [`import challengerBytes from "./${c.file}";`],
    option: `, challenger: { manifest: ${JSON.stringify(c.manifest)}, ${bytes}: challengerBytes${sha}, rollout: ${JSON.stringify(c.rollout)}${lookupOption(c.lookup)} }`,
  };
}

export const workerTarget = defineTarget({
  name: "worker",
  description: "Cloudflare Workers (workerd): served by `dev` in workerd through miniflare, shipped by `deploy` with wrangler",
  build: {
    main: "worker.js",
    runtimeModule: { ort: "worker/runtime.ts", compiled: "worker/compiled.ts", tfjs: "worker/tfjs.ts" },
    tfjsWasmModule: "worker/tfjs-wasm.ts",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    ortFiles: [ORT_WASM_FILE],
    tfjsFiles: [],
    splitting: false,
    external: ["*.wasm", "*.onnx", "*.graph", `./${TFJS_DIR}/*`, ...TFJS_NODE_REQUIRES],
    entrySource: (manifest, settings, runtimeEntry, engine, challenger, lookup) => {
      if (engine.kind === "tfjs") return tfjsEntry(manifest, settings, runtimeEntry, engine, lookup);
      const c = challengerParts(challenger, engine.kind === "compiled" ? "graph" : "model");
      return (
        engine.kind === "compiled"
          ? [
              `import graph from "./${engine.file}";`,
              ...c.imports,
              `import { createCompiledWorker } from ${JSON.stringify(runtimeEntry)};`,
              `const manifest = ${JSON.stringify(manifest)};`,
              `export default createCompiledWorker({ manifest, graph, graphSha256: ${JSON.stringify(engine.sha256)}, settings: ${JSON.stringify(settings)}${lookupOption(lookup)}${c.option} });`,
            ]
          : [
              `import model from "./model.onnx";`,
              `import wasm from "./${ORT_WASM_FILE}";`,
              ...c.imports,
              `import { createWorker } from ${JSON.stringify(runtimeEntry)};`,
              `const manifest = ${JSON.stringify(manifest)};`,
              `export default createWorker({ manifest, model, wasm, settings: ${JSON.stringify(settings)}${lookupOption(lookup)}${c.option} });`,
            ]
      ).join("\n");
    },
    extraFiles: ({ manifest, challenger, main, config }) => ({ "wrangler.toml": renderWranglerToml({ main, manifest, challenger, config }) }),
    next: (dir, ref) => `npx edge-ml deploy ${ref}   (or: cd ${dir} && npx wrangler deploy; try it first: npx edge-ml dev ${ref})`,
  },
  serve: { runtime: "workerd", load: async () => (await import("./serve.ts")).serveWorker },
  deploy: { name: workerName, load: async () => (await import("./deploy.ts")).deploy },
});
