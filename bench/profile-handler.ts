/**
 * Quick loop for the handler's own overhead: `npx tsx bench/profile-handler.ts [worker|node] [rounds]` times the full
 * `:predict` handler against the minimal hand-written route (Hono + parse + raw session.run + c.json) for titanic at
 * batch 1 and 64, inside workerd (default) or in Node with onnxruntime-node (run Node with --cpu-prof to profile).
 */
import { parse } from "csv-parse/sync";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ortNode from "onnxruntime-node";
import { findProjectRoot } from "../cli/project/project.ts";
import { loadModel } from "../cli/registry/registry.ts";
import { createOrtEngine, type OrtLike } from "../runtime/engines/ort.ts";
import { ORT_WASM_FILE, ortDistDir } from "../targets/ort-files.ts";
import { COMPATIBILITY_DATE } from "../targets/worker/wrangler-config.ts";
import { timeHandler, type HandlerTimingRow } from "./handler-timing.ts";

const mode = process.argv[2] ?? "worker";
const rounds = Number(process.argv[3] ?? 20);
const repo = findProjectRoot(join(import.meta.dirname, ".."));
const ref = "titanic@1.0.0";
const rows = parse(readFileSync(join(repo, "examples", "titanic", "data", "eval.csv")), { columns: true, bom: true }) as Record<string, string>[];
const titanic = rows.map((r) => ({ sex: r["sex"], age: r["age"] === "" ? null : Number(r["age"]), passengerClass: r["passengerClass"] }));
const cases = [1, 64].map((batch) => ({ batch, instances: titanic.slice(0, batch) }));
const steps = process.env["STEPS"] === "1";
// BASE=<commit>: also time that commit's handler in the same rounds (core/ and runtime/ checked out under node_modules,
// so its imports resolve to the same packages).
const baseRef = process.env["BASE"];

let result: HandlerTimingRow[];
if (mode === "node") {
  const { manifest, dir } = loadModel(repo, ref);
  const engine = createOrtEngine(ortNode as unknown as OrtLike, { name: "ort-node", executionProviders: ["cpu"] });
  result = await timeHandler({ manifest, engine, modelBytes: readFileSync(join(dir, manifest.artifact.file)), cases, rounds, blockMs: 40, steps });
  if (baseRef) console.log("BASE is only used inside workerd");
} else {
  // Bundled here rather than through `edge-ml build`, so this loop does not depend on the build's entry template.
  const tmp = mkdtempSync(join(tmpdir(), "edge-ml-profile-"));
  try {
    const { manifest, dir } = loadModel(repo, ref);
    copyFileSync(join(dir, manifest.artifact.file), join(tmp, "model.onnx"));
    copyFileSync(join(ortDistDir(), ORT_WASM_FILE), join(tmp, ORT_WASM_FILE));
    let baseDeployment = join(repo, "runtime", "deployment.ts");
    if (baseRef) {
      const baseDir = join(repo, "node_modules", ".edge-ml-base");
      rmSync(baseDir, { recursive: true, force: true });
      execFileSync("mkdir", ["-p", baseDir]);
      execFileSync("sh", ["-c", `git -C ${JSON.stringify(repo)} archive ${baseRef} core runtime | tar -x -C ${JSON.stringify(baseDir)}`]);
      baseDeployment = join(baseDir, "runtime", "deployment.ts");
    }
    const entry = join(tmp, "entry.ts");
    writeFileSync(
      entry,
      [
        `import model from "./model.onnx";`,
        `import wasm from "./${ORT_WASM_FILE}";`,
        `import { createWorker } from ${JSON.stringify(join(import.meta.dirname, "profile-handler-worker.ts"))};`,
        `export default createWorker({ manifest: ${JSON.stringify(manifest)}, model, wasm });`,
      ].join("\n"),
    );
    await build({
      entryPoints: { worker: entry },
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      conditions: ["workerd", "worker", "browser"],
      mainFields: ["module", "main"],
      external: ["*.wasm", "*.onnx"],
      plugins: [
        {
          name: "base-deployment",
          setup: (b) => b.onResolve({ filter: /base-deployment\.ts$/ }, () => ({ path: baseDeployment })),
        },
      ],
      outdir: tmp,
      minify: process.env["MINIFY"] !== "0",
      logLevel: "silent",
    });
    const mf = new Miniflare({
      modulesRoot: tmp,
      modules: [
        { type: "ESModule", path: join(tmp, "worker.js") },
        { type: "Data", path: join(tmp, "model.onnx") },
        { type: "CompiledWasm", path: join(tmp, ORT_WASM_FILE) },
      ],
      compatibilityDate: COMPATIBILITY_DATE,
    });
    try {
      const res = await mf.dispatchFetch("http://localhost/__profile", {
        method: "POST",
        body: JSON.stringify({ cases, rounds, blockMs: 40, steps, base: baseRef !== undefined }),
      });
      if (res.status !== 200) throw new Error(await res.text());
      result = (await res.json()) as HandlerTimingRow[];
    } finally {
      await mf.dispose();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
console.log(`${mode} ${ref} (µs, medians of block means; ratio = median of per-round handler/minimal)`);
for (const r of result) {
  console.log(
    `batch ${r.batch}: minimal ${r.minimalUs}  handler ${r.handlerUs}  ratio ${r.ratio}x (p10 ${r.ratioP10}x)${r.vsBase ? `  | base ${r.baseUs}, handler ÷ base ${r.vsBase}x (p10 ${r.vsBaseP10}x)` : ""}  | telemetry on ${r.telemetryUs} (${r.telemetryRatio}x)  [${r.perBlock}/block]${r.steps ? `  steps ${JSON.stringify(r.steps)}` : ""}`,
  );
}
