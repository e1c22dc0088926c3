/**
 * Quick loop for the handler's own overhead: `npx tsx bench/profile-handler.ts [worker|node] [rounds]` times the full
 * `:predict` handler against the minimal hand-written route (Hono + parse + raw session.run + c.json) for titanic at
 * batch 1 and 64, inside workerd (default) or in Node with onnxruntime-node (STUB=1: an instant engine; run Node with
 * --cpu-prof to profile). CPU_PROFILE=<file> writes a V8 profile taken inside workerd (Node 20: NODE_OPTIONS=--experimental-websocket).
 */
import { parse } from "csv-parse/sync";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ortNode from "onnxruntime-node";
import { compileOnnx } from "../cli/build/compile/compile.ts";
import { findProjectRoot } from "../cli/project/project.ts";
import { loadModel } from "../cli/registry/registry.ts";
import { createOrtEngine, type OrtLike } from "../runtime/engines/ort.ts";
import type { Engine } from "../runtime/engines/types.ts";
import { ORT_WASM_FILE, ortDistDir } from "../targets/ort-files.ts";
import { COMPATIBILITY_DATE } from "../targets/worker/wrangler-config.ts";
import { timeHandler, type HandlerTimingRow } from "./handler-timing.ts";

const mode = process.argv[2] ?? "worker";
const rounds = Number(process.argv[3] ?? 20);
const repo = findProjectRoot(join(import.meta.dirname, ".."));
const ref = "titanic@1.0.0";
const rows = parse(readFileSync(join(repo, "examples", "titanic", "data", "eval.csv")), { columns: true, bom: true }) as Record<string, string>[];
const titanic = rows.map((r) => ({ sex: r["sex"], age: r["age"] === "" ? null : Number(r["age"]), passengerClass: r["passengerClass"] }));
const cases = (process.env["BATCHES"] ?? "1,64")
  .split(",")
  .map(Number)
  .map((batch) => ({ batch, instances: titanic.slice(0, batch) }));
const steps = process.env["STEPS"] === "1";
// BASE=<commit>: also time that commit's handler in the same rounds (core/ and runtime/ checked out under node_modules,
// so its imports resolve to the same packages).
const baseRef = process.env["BASE"];
const cpuProfile = process.env["CPU_PROFILE"];

/** Start the V8 profiler of the Worker behind workerd's inspector; `stop` returns the .cpuprofile JSON. */
async function startInspectorProfile(port: number): Promise<{ stop(): Promise<unknown> }> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { webSocketDebuggerUrl: string }[];
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  ws.onmessage = (e) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result);
  };
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      waiting.set(++id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  await send("Profiler.start");
  return {
    async stop() {
      const r = (await send("Profiler.stop")) as { profile: unknown };
      ws.close();
      return r.profile;
    },
  };
}

/** core/ and runtime/ of `ref`, under node_modules so that its imports resolve to the same packages. */
function checkoutBase(ref: string): string {
  const baseDir = join(repo, "node_modules", ".edge-ml-base");
  rmSync(baseDir, { recursive: true, force: true });
  mkdirSync(baseDir, { recursive: true });
  execFileSync("sh", ["-c", `git -C ${JSON.stringify(repo)} archive ${ref} core runtime | tar -x -C ${JSON.stringify(baseDir)}`]);
  return baseDir;
}

let result: HandlerTimingRow[];
if (mode === "node") {
  const { manifest, dir } = loadModel(repo, ref);
  // STUB=1: an engine that answers at once (no onnxruntime threads adding CPU time), for A/B of edge-ml's own code.
  const stub: Engine = {
    name: "stub",
    createSession: async () => ({
      inputNames: manifest.io.inputs.map((i) => i.name),
      outputNames: manifest.io.outputs.map((o) => o.name),
      run: async (feeds) => {
        const rows = Object.values(feeds)[0]?.dims[0] ?? 1;
        return Object.fromEntries(
          manifest.io.outputs.map((o) => [o.name, { dtype: "float32" as const, data: new Float32Array(rows).fill(0.25), dims: [rows, 1] }]),
        );
      },
      release: async () => {},
    }),
  };
  const engine = process.env["STUB"] === "1" ? stub : createOrtEngine(ortNode as unknown as OrtLike, { name: "ort-node", executionProviders: ["cpu"] });
  const createBase = baseRef
    ? ((await import(join(checkoutBase(baseRef), "runtime", "deployment.ts"))) as typeof import("../runtime/deployment.ts")).createDeployment
    : undefined;
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const modelBytes = readFileSync(join(dir, manifest.artifact.file));
  result = await timeHandler({ manifest, engine, modelBytes, cases, rounds, blockMs: 80, steps, clock: cpu, ...(createBase ? { createBase } : {}) });
} else {
  // Bundled here rather than through `edge-ml build`, so this loop does not depend on the build's entry template.
  const tmp = mkdtempSync(join(tmpdir(), "edge-ml-profile-"));
  try {
    const { manifest, dir } = loadModel(repo, ref);
    copyFileSync(join(dir, manifest.artifact.file), join(tmp, "model.onnx"));
    copyFileSync(join(ortDistDir(), ORT_WASM_FILE), join(tmp, ORT_WASM_FILE));
    const baseDeployment = join(baseRef ? checkoutBase(baseRef) : repo, "runtime", "deployment.ts");
    // ENGINE=compiled: the compiled engine on the model compiled here (as `edge-ml build --engine compiled` does).
    let graph = "";
    if (process.env["ENGINE"] === "compiled") {
      const compiled = compileOnnx(readFileSync(join(dir, manifest.artifact.file)), manifest.artifact.sha256);
      if (!compiled.ok) throw new Error(`compile failed: ${compiled.reason}`);
      writeFileSync(join(tmp, "model.graph"), compiled.bytes);
      graph = `graph, graphSha256: ${JSON.stringify(createHash("sha256").update(compiled.bytes).digest("hex"))}, `;
    }
    const entry = join(tmp, "entry.ts");
    writeFileSync(
      entry,
      [
        `import model from "./model.onnx";`,
        `import wasm from "./${ORT_WASM_FILE}";`,
        graph ? `import graph from "./model.graph";` : "",
        `import { createWorker } from ${JSON.stringify(join(import.meta.dirname, "profile-handler-worker.ts"))};`,
        `export default createWorker({ manifest: ${JSON.stringify(manifest)}, model, wasm, ${graph}});`,
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
      external: ["*.wasm", "*.onnx", "*.graph"],
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
        ...(graph ? [{ type: "Data" as const, path: join(tmp, "model.graph") }] : []),
        { type: "CompiledWasm", path: join(tmp, ORT_WASM_FILE) },
      ],
      compatibilityDate: COMPATIBILITY_DATE,
      // CPU_PROFILE=<file>: a V8 CPU profile of the timing run, taken inside workerd through its inspector.
      ...(cpuProfile ? { inspectorPort: 9239 } : {}),
    });
    try {
      await mf.ready;
      const profiler = cpuProfile ? await startInspectorProfile(9239) : undefined;
      const res = await mf.dispatchFetch("http://localhost/__profile", {
        method: "POST",
        body: JSON.stringify({ cases, rounds, blockMs: 80, steps, base: baseRef !== undefined }),
      });
      if (res.status !== 200) throw new Error(await res.text());
      result = (await res.json()) as HandlerTimingRow[];
      if (profiler && cpuProfile) {
        writeFileSync(cpuProfile, JSON.stringify(await profiler.stop()));
        copyFileSync(join(tmp, "worker.js"), `${cpuProfile}.worker.js`); // the profile's line numbers point here
      }
    } finally {
      await mf.dispose();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
console.log(
  `${mode} ${ref} ${process.env["ENGINE"] === "compiled" ? "compiled engine" : "onnxruntime"} (µs${mode === "node" ? " of process CPU time" : ""}, medians of block means; ratio = median of per-round handler/minimal)`,
);
for (const r of result) {
  console.log(
    `batch ${r.batch}: minimal ${r.minimalUs}  handler ${r.handlerUs}  ratio ${r.ratio}x (p10 ${r.ratioP10}x)${r.vsBase ? `  | base ${r.baseUs}, handler ÷ base ${r.vsBase}x (p10 ${r.vsBaseP10}x)` : ""}  | telemetry on ${r.telemetryUs} (${r.telemetryRatio}x)  [${r.perBlock}/block]${r.steps ? `  steps ${JSON.stringify(r.steps)}` : ""}`,
  );
}
