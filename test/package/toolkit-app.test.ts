/**
 * edge-ml (the toolkit) as a user gets it, in one fresh project: installed from its tarball without its optional
 * peers (size measured); the compiled CLI runs from node_modules/.bin and builds from the installed package (a model,
 * and the monitor Worker, which serves in workerd; deploying without wrangler is a user error saying how to get it); its
 * subpaths are the runtime package's modules (one copy in an app); `edge-ml`, `edge-ml/browser` and `edge-ml/worker`
 * type-check without Node types; and a Hono Worker that mounts `edge-ml/worker` under /ml, bundled by the user's own
 * wrangler (`deploy --dry-run --outdir`), serves predictions in workerd equal to onnxruntime-node's.
 */
import { Miniflare } from "miniflare";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from "vitest";
import { spawnCli } from "../helpers/process.ts";
import { maxAbsDiff } from "../helpers/reference.ts";
import { REPO_ROOT } from "../helpers/tmp.ts";
import { createApp, installedPackages, mib, npmInstall, REPO_PINS, run, startServer, treeBytes } from "./app.ts";
import { copyModel, INSTANCES, referenceScores } from "./titanic.ts";

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
/** The newest date miniflare 4.20260426's workerd knows. */
const COMPATIBILITY_DATE = "2026-04-26";

// The Worker, as in the README ("Use it in your app"): an existing Hono app that mounts the edge app under /ml.
const WORKER_TS = `import { Hono } from "hono";
import { createWorker } from "edge-ml/worker";
import manifest from "../models/titanic/1.0.0/manifest.json";
import model from "../models/titanic/1.0.0/model.onnx";
import wasm from "onnxruntime-web/ort-wasm-simd-threaded.wasm";

const edge = createWorker({ manifest, model, wasm });

const app = new Hono();
app.get("/", (c) => c.text("my app"));
app.route("/ml", edge.app);

export default app;
`;
const WRANGLER_JSONC = `{
  "name": "my-app",
  "main": "src/index.ts",
  "compatibility_date": "${COMPATIBILITY_DATE}",
  // model.onnx arrives as an ArrayBuffer; .wasm files are CompiledWasm modules by default.
  "rules": [{ "type": "Data", "globs": ["**/*.onnx"], "fallthrough": true }]
}
`;
// Self-hosting on Node, as in the README: the edge app mounted in the user's Hono server on @hono/node-server.
const SERVER_MJS = `import { readFile } from "node:fs/promises";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createNodeEdge } from "edge-ml/node";

const dir = new URL("./models/titanic/1.0.0/", import.meta.url);
const edge = createNodeEdge({
  manifest: JSON.parse(await readFile(new URL("manifest.json", dir), "utf8")),
  model: await readFile(new URL("model.onnx", dir)),
  wasm: await readFile(new URL(import.meta.resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"))),
  env: process.env,
});

const app = new Hono();
app.get("/", (c) => c.text("my app"));
app.route("/ml", edge.app);

serve({ fetch: app.fetch, hostname: "127.0.0.1", port: Number(process.env.PORT ?? 3000) }, ({ port }) => console.log(\`listening on http://127.0.0.1:\${port}/\`));
`;
// Deno, as in the README: Deno 2 reads the app's package.json and node_modules.
const DENO_MAIN_TS = `import { startDenoServer } from "edge-ml/deno";
import manifest from "./models/titanic/1.0.0/manifest.json" with { type: "json" };

await startDenoServer({
  manifest,
  modelUrl: new URL("./models/titanic/1.0.0/model.onnx", import.meta.url),
  wasmUrl: new URL(import.meta.resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm")),
});
`;
// A consumer with no Node types at all (`types: []`), strict as this repository.
const CONSUMER_TS = `import { defineConfig, type Manifest } from "edge-ml";
import { loadModel } from "edge-ml/browser";
import { createWorker } from "edge-ml/worker";

export const config = defineConfig({ edge: { maxBatch: 64 }, telemetry: { endpoint: "https://monitor.example.com" } });

export async function inPage(manifest: Manifest, modelUrl: string): Promise<string> {
  const model = await loadModel({ manifest, modelUrl });
  const { predictions } = await model.predict([{ sex: "female", age: 29, passengerClass: "1st" }]);
  return \`\${model.device}: \${JSON.stringify(predictions)}\`;
}

export function mounted(manifest: Manifest, model: ArrayBuffer, wasm: WebAssembly.Module) {
  return createWorker({ manifest, model, wasm }).app;
}
`;

describe("edge-ml in a fresh project", () => {
  const app = createApp("toolkit-app");
  const node = (script: string) => run(app, process.execPath, ["--input-type=module", "-e", script]);
  let expected: number[];

  beforeAll(async () => {
    expected = await referenceScores();
  });

  it("installs from its tarball without its optional peers (wrangler, onnxruntime-node, deno)", async () => {
    const { toolkit, runtime } = inject("packages");
    await npmInstall(app, [toolkit, runtime], { ignoreScripts: true });
    const names = installedPackages(join(app, "node_modules"));
    for (const own of ["edge-ml", "@edge-ml/runtime", "miniflare", "esbuild", "better-sqlite3"]) expect(names).toContain(own);
    for (const peer of ["wrangler", "onnxruntime-node", "deno"]) expect(names, `${peer} is installed`).not.toContain(peer);
    // One copy of the runtime: edge-ml's dependency is the top-level @edge-ml/runtime.
    expect(readdirSync(join(app, "node_modules", "edge-ml"))).not.toContain("node_modules");
    const bytes = treeBytes(join(app, "node_modules"));
    console.log(`install size, full toolkit (edge-ml, no optional peers, install scripts skipped): ${mib(bytes)} in node_modules (${names.size} packages)`);
  });

  it("the bin runs the compiled CLI, which builds from the installed package", async () => {
    expect((await run(app, "node_modules/.bin/edge-ml", ["--version"])).stdout.trim()).toBe(VERSION);
    copyModel(join(app, "models", "titanic", "1.0.0"));
    const { stdout } = await run(app, "node_modules/.bin/edge-ml", ["build", "titanic@1.0.0", "--target", "worker", "--out", "build/worker", "--json"]);
    const build = JSON.parse(stdout) as {
      main: string;
      files: { path: string; bytes: number }[];
      engine: { name: string; compiled?: { check: { reference: string } } };
    };
    // --engine auto compiles titanic; without the optional onnxruntime-node the check runs against onnxruntime-web.
    expect(build.engine).toMatchObject({ name: "compiled", compiled: { check: { reference: "onnxruntime-web" } } });
    expect(build.files.map((f) => f.path)).toEqual(["worker.js", "model.graph"]);
    // No TypeScript sources ship: the CLI and the bundle's runtime entry came from dist/.
    expect(readdirSync(join(app, "node_modules", "edge-ml", "cli"))).toEqual(["bin.mjs"]);
    expect(readFileSync(join(app, "build", "worker", "worker.js"), "utf8").length).toBeGreaterThan(10_000);
  });

  it("the installed bin builds the monitor Worker, which serves in workerd; deploying without wrangler says how to get it", async () => {
    const bin = join(app, "node_modules", ".bin", "edge-ml");
    const { stdout } = await run(app, bin, ["monitor", "build", "--target", "worker", "--json"]);
    const built = JSON.parse(stdout) as { outDir: string; files: { path: string }[] };
    expect(built.files.map((f) => f.path)).toEqual(["monitor.js"]);
    // The dashboard (its assets inlined from the installed package) and the health check, over a local D1.
    const mf = new Miniflare({
      modules: [{ type: "ESModule", path: join(built.outDir, "monitor.js") }],
      modulesRoot: built.outDir,
      compatibilityDate: COMPATIBILITY_DATE,
      d1Databases: { DB: "monitor" },
      bindings: { EDGE_ML_MONITOR_LOCAL: "1" },
    });
    onTestFinished(() => mf.dispose());
    const page = await mf.dispatchFetch("http://monitor.local/");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>edge-ml monitor</title>");
    expect(await (await mf.dispatchFetch("http://monitor.local/assets/uPlot.iife.min.js")).text()).toContain("uPlot");

    // wrangler is an optional peer, not installed here: a user error with the command that installs it, no stack.
    const deploy = spawnSync(bin, ["monitor", "deploy", "--dry-run"], { cwd: app, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(deploy.status, deploy.stderr).toBe(1);
    expect(deploy.stderr).toContain("deploying needs wrangler, which is not installed");
    expect(deploy.stderr).toContain(`npm install --save-dev wrangler@4 (edge-ml's peer range is ${REPO_PINS.peerDependencies["wrangler"]})`);
    expect(deploy.stderr).not.toMatch(/\n\s+at /);
  });

  it("the installed bin's dev serves the model in workerd, equal to onnxruntime-node, and stops on SIGINT", async () => {
    const dev = spawnCli(["dev", "titanic@1.0.0", "--port", "0", "--no-monitor"], app, {}, join(app, "node_modules", "edge-ml", "cli", "bin.mjs"));
    onTestFinished(() => {
      if (dev.child.exitCode === null) dev.child.kill("SIGKILL");
    });
    const [, url] = await dev.waitFor(/serving in workerd at (http:\/\/127\.0\.0\.1:\d+\/)/, 120_000);
    const res = await fetch(`${url}v1/models/titanic:predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instances: INSTANCES }),
    });
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: { score: number }[] };
    expect(
      maxAbsDiff(
        predictions.map((p) => p.score),
        expected,
      ),
    ).toBeLessThanOrEqual(1e-5);
    dev.child.kill("SIGINT");
    expect([0, 130, "SIGINT"]).toContain(await dev.exited);
  });

  it("edge-ml's runtime subpaths are @edge-ml/runtime's modules (an app bundles one copy); edge-ml and edge-ml/monitor load", async () => {
    const { stdout } = await node(`
      const pairs = [["edge-ml/browser", "@edge-ml/runtime/browser", "loadModel"], ["edge-ml/worker", "@edge-ml/runtime/worker", "createWorker"], ["edge-ml/node", "@edge-ml/runtime/node", "createNodeEdge"]];
      const same = [];
      for (const [a, b, name] of pairs) same.push((await import(a))[name] === (await import(b))[name] && typeof (await import(a))[name] === "function");
      const { defineConfig } = await import("edge-ml");
      const monitor = Object.keys(await import("edge-ml/monitor")).sort();
      console.log(JSON.stringify({ same, config: defineConfig({ edge: { maxBatch: 8 } }), monitor }));`);
    const { same, config, monitor } = JSON.parse(stdout) as { same: boolean[]; config: unknown; monitor: string[] };
    expect(same).toEqual([true, true, true]);
    expect(config).toEqual({ edge: { maxBatch: 8 } });
    // The monitor entry loads (its native SQLite addon only when a store is opened).
    expect(monitor).toEqual(expect.arrayContaining(["createMonitorApp", "openPostgresStore", "openSqliteStore", "startMonitor"]));
  });

  it.each(["bundler", "nodenext"])("type-checks edge-ml, edge-ml/browser and edge-ml/worker without Node types (moduleResolution %s)", async (resolution) => {
    mkdirSync(join(app, "types"), { recursive: true });
    writeFileSync(join(app, "types", "consumer.ts"), CONSUMER_TS);
    const tsconfig = join(app, `tsconfig.${resolution}.json`);
    const compilerOptions = {
      strict: true,
      noEmit: true,
      target: "ES2022",
      lib: ["ES2022", "DOM"],
      types: [],
      module: resolution === "bundler" ? "ESNext" : "NodeNext",
      moduleResolution: resolution,
      skipLibCheck: false,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
    };
    writeFileSync(tsconfig, JSON.stringify({ compilerOptions, files: ["types/consumer.ts"] }, null, 2));
    const tsc = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
    const { stdout } = await run(app, process.execPath, [tsc, "-p", tsconfig, "--listFiles"]);
    const files = stdout.split("\n").filter(Boolean);
    expect(files).toContainEqual(expect.stringMatching(/node_modules\/edge-ml\/dist\/exports\/index\.d\.ts$/));
    expect(files).toContainEqual(expect.stringMatching(/node_modules\/@edge-ml\/runtime\/dist\/targets\/worker\/runtime\.d\.ts$/));
    expect(files.filter((f) => f.includes("/@types/node/"))).toEqual([]);
  });

  describe("a Hono Worker that mounts edge-ml/worker under /ml", () => {
    let miniflare: Miniflare | undefined;
    afterAll(async () => {
      await miniflare?.dispose();
    });

    it("is bundled by the user's wrangler and served in workerd, equal to onnxruntime-node within 1e-5", async () => {
      await npmInstall(app, [`hono@${REPO_PINS.dependencies["hono"]}`, `wrangler@${REPO_PINS.devDependencies["wrangler"]}`], { ignoreScripts: true });
      mkdirSync(join(app, "src"), { recursive: true });
      writeFileSync(join(app, "src", "index.ts"), WORKER_TS);
      writeFileSync(join(app, "wrangler.jsonc"), WRANGLER_JSONC);
      await run(app, "node_modules/.bin/wrangler", ["deploy", "--dry-run", "--outdir", "out"]);

      // miniflare cannot discover modules past ORT's dynamic import(): list what wrangler wrote (NOTES.md).
      const out = join(app, "out");
      const kind = (f: string) => (f.endsWith(".wasm") ? "CompiledWasm" : f.endsWith(".onnx") ? "Data" : "ESModule");
      const files = readdirSync(out).filter((f) => /\.(js|wasm|onnx)$/.test(f));
      const modules = ["index.js", ...files.filter((f) => f !== "index.js")].map((f) => ({ type: kind(f), path: join(out, f) }) as const);
      expect(modules.map((m) => m.type).sort()).toEqual(["CompiledWasm", "Data", "ESModule"]);
      // One copy of the edge app in the bundle although the app imports edge-ml/worker (which re-exports the runtime).
      expect(readFileSync(join(out, "index.js"), "utf8").match(/function createWorker\(/g)).toHaveLength(1);

      miniflare = new Miniflare({ modulesRoot: out, modules, compatibilityDate: COMPATIBILITY_DATE, host: "127.0.0.1", port: 0 });
      const url = await miniflare.ready;
      expect(await (await fetch(url)).text()).toBe("my app");
      const res = await fetch(new URL("ml/v1/models/titanic:predict", url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instances: INSTANCES }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { predictions: { score: number; label: string }[]; model: { name: string; version: string } };
      expect(body.model).toEqual({ name: "titanic", version: "1.0.0" });
      expect(
        maxAbsDiff(
          body.predictions.map((p) => p.score),
          expected,
        ),
      ).toBeLessThanOrEqual(1e-5);
      expect(body.predictions.map((p) => p.label)).toEqual(expected.map((p) => (p >= 0.5 ? "yes" : "no")));
      // Routes outside the mount stay the app's own.
      expect((await fetch(new URL("v1/models/titanic:predict", url), { method: "POST" })).status).toBe(404);
    });
  });

  describe("self-hosted: edge-ml/node in a Hono server, edge-ml/deno in Deno", () => {
    const stops: (() => Promise<void>)[] = [];
    afterAll(async () => {
      await Promise.all(stops.map((stop) => stop()));
    });

    const predictAt = async (url: string) => {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ instances: INSTANCES }) });
      expect(res.status).toBe(200);
      return ((await res.json()) as { predictions: { score: number }[] }).predictions.map((p) => p.score);
    };

    it("Node: the edge app mounted under /ml answers like onnxruntime-node", async () => {
      writeFileSync(join(app, "server.mjs"), SERVER_MJS);
      const server = await startServer(app, process.execPath, ["server.mjs"], /listening on http:\/\/127\.0\.0\.1:(\d+)/, { PORT: "0" });
      stops.push(server.stop);
      const { port } = server;
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("my app");
      expect(maxAbsDiff(await predictAt(`http://127.0.0.1:${port}/ml/v1/models/titanic:predict`), expected)).toBeLessThanOrEqual(1e-5);
    });

    it("Deno: startDenoServer from edge-ml/deno answers like onnxruntime-node", async () => {
      writeFileSync(join(app, "main.ts"), DENO_MAIN_TS);
      // deno is an optional peer of edge-ml; the repository's pinned binary stands in for the user's.
      const deno = join(REPO_ROOT, "node_modules", ".bin", "deno");
      const server = await startServer(
        app,
        deno,
        ["run", "--allow-net", "--allow-read", "--allow-env", "main.ts"],
        /listening on http:\/\/127\.0\.0\.1:(\d+)/,
        {
          PORT: "0",
          HOST: "127.0.0.1",
        },
      );
      stops.push(server.stop);
      const { port } = server;
      expect(maxAbsDiff(await predictAt(`http://127.0.0.1:${port}/v1/models/titanic:predict`), expected)).toBeLessThanOrEqual(1e-5);
    });
  });
});
