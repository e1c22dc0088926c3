/**
 * The TF.js engine end to end (issue 13's done-when): BlazeFace, a third-party TF.js graph model with fused
 * convolutions, registered with `addModel`, built for the worker target and served in workerd (miniflare), answers a
 * KServe V2 infer with TF.js's CPU backend's outputs computed here in Node; a shard altered after the build makes the
 * Worker answer 503; the browser build gives the same outputs in headless Chromium on the backend `auto` picks. The
 * same for tiny-layers (a Keras layers model, no `format` key, quantized weights over two shards), plus a tampered or
 * missing shard in the page. The browser build's parity run (build.json `parity`) checks every TF.js backend against
 * CPU, and a model whose backends honestly disagree with CPU (cancelling-dense.ts) ends up on CPU with the reason, from
 * the build's report and from the load-time probe. Server builds (Workers, Deno, Node) run BlazeFace on TF.js's WASM
 * backend after checking it against CPU in Node, and keep cancelling-dense on CPU (with --no-parity, WASM's numbers).
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { loadGraphModel } from "@tensorflow/tfjs-converter";
import { loadLayersModel } from "@tensorflow/tfjs-layers";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { addModel } from "../../cli/registry/add-model.ts";
import { getTarget } from "../../targets/index.ts";
import { runWrangler } from "../../targets/worker/wrangler.ts";
import type { BuildResult, LocalServer } from "../../targets/types.ts";
import { writeCancellingDense } from "../fixtures/tfjs/cancelling-dense.ts";
import { inPage, launchChromium, openPage } from "../helpers/chromium.ts";
import { serveStatic } from "../helpers/static-server.ts";
import { FIXTURES, REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const BLAZEFACE = join(FIXTURES, "tfjs", "blazeface");
const OUTPUTS = ["Identity_3:0", "Identity:0", "Identity_1:0", "Identity_2:0"];
/** A deterministic 1x256x256x3 image in [0, 1). */
const input = Float32Array.from({ length: 256 * 256 * 3 }, (_, i) => ((i * 7919) % 1000) / 1000);

const root = tempDir();
let worker: BuildResult;
let server: LocalServer;
let expected: Record<string, Float32Array>;

/** TF.js's CPU backend in Node on the same input: the reference. */
async function reference(): Promise<Record<string, Float32Array>> {
  tf.enableProdMode(); // no "install tfjs-node" banner
  await tf.setBackend("cpu");
  const json = JSON.parse(readFileSync(join(BLAZEFACE, "model.json"), "utf8")) as tf.io.ModelJSON;
  const bin = readFileSync(join(BLAZEFACE, "blazeface.bin"));
  const model = await loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      ...(json.signature ? { signature: json.signature } : {}),
      ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
    }),
  );
  const x = tf.tensor(input, [1, 256, 256, 3]);
  const out = model.execute({ "input:0": x }, OUTPUTS) as tf.Tensor[];
  const result = Object.fromEntries(OUTPUTS.map((name, i) => [name, out[i]!.dataSync() as Float32Array]));
  tf.dispose([x, ...out]);
  model.dispose();
  return result;
}

/** Every element within 1e-4 absolute + 1e-3 relative of the reference; the worst excess is returned (≤ 0 passes). */
function worstExcess(got: ArrayLike<number>, want: Float32Array): number {
  expect(got.length).toBe(want.length);
  let worst = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) - (1e-4 + 1e-3 * Math.abs(want[i]!)));
  return worst;
}

interface ParityJson {
  ran: boolean;
  engine: string;
  reference: string;
  tolerance: string;
  backends: Record<string, { agree: boolean | null; maxAbsDiff?: number; maxRelDiff?: number; device?: string; unavailable?: string }>;
}
const parityOf = (outDir: string) => (JSON.parse(readFileSync(join(outDir, "build.json"), "utf8")) as { parity: ParityJson }).parity;

/** build.json's parity: every TF.js backend Chromium has here (WASM at least) agreed with CPU; the diffs are logged. */
function expectParityAgrees(outDir: string, label: string) {
  const parity = parityOf(outDir);
  expect(parity).toMatchObject({ ran: true, engine: "tfjs", reference: "cpu", tolerance: "1e-4 abs + 1e-3 rel", backends: { cpu: { agree: true } } });
  expect(parity.backends["wasm"]?.agree).toBe(true);
  for (const name of ["webgpu", "webgl"]) {
    const b = parity.backends[name]!;
    expect(b.agree, `${name}: ${b.unavailable ?? ""}`).not.toBe(false);
    if (b.agree === null) expect(b.unavailable).toBeTruthy();
  }
  for (const [name, b] of Object.entries(parity.backends))
    if (name !== "cpu")
      console.log(
        `${label} parity ${name}: ${b.agree === null ? `unavailable (${b.unavailable})` : `agree ${b.agree}, max abs ${b.maxAbsDiff}, max rel ${b.maxRelDiff}${b.device ? ` on ${b.device}` : ""}`}`,
      );
}

interface InPage {
  device?: string;
  reason?: string;
  outputs?: Record<string, number[]>;
  error?: string;
}

/** Load the build's model in a page of the build's origin (not the demo page) with `options`, run `feeds` once. */
async function loadAndRun(browser: Browser, siteUrl: string, options: Record<string, unknown>, feeds: Record<string, number[]>): Promise<InPage> {
  const page = await openPage(browser, `${siteUrl}build.json`);
  try {
    return await inPage<InPage>(
      page,
      `try {
        const model = await mod.loadModel(args.options);
        const out = await model.run(Object.fromEntries(Object.entries(args.feeds).map(([k, v]) => [k, Float32Array.from(v)])));
        return { device: model.device, reason: model.deviceReason, outputs: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data)])) };
      } catch (e) {
        return { error: String(e && e.message) };
      }`,
      { options, feeds },
    );
  } finally {
    await page.close();
  }
}

const inferBody = { inputs: [{ name: "input:0", shape: [1, 256, 256, 3], datatype: "FP32", data: Array.from(input) }] };
const infer = (url: string) =>
  fetch(new URL("v2/models/face/infer", url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(inferBody) });

beforeAll(async () => {
  await addModel(root, { model: join(BLAZEFACE, "model.json"), name: "face", version: "1.0.0", slices: [] });
  expected = await reference();
  worker = await buildTarget({ root, ref: "face@1.0.0", target: "worker", outDir: join(root, "worker") });
  const serve = await getTarget("worker", "dev").serve!.load();
  server = await serve(worker.outDir, { port: 0 });
});
afterAll(async () => {
  await server?.close();
});

describe("TF.js engine", () => {
  it("builds a Worker with the model.json and its shard as Data modules, on TF.js's WASM backend, which agreed with CPU", () => {
    expect(worker.engine).toMatchObject({
      name: "tfjs",
      tfjs: { backend: "wasm", parity: { input: "random", tolerance: "1e-4 abs + 1e-3 rel", agree: true } },
    });
    expect(worker.engine.reason).toMatch(
      /^a TF\.js graph-model runs on TensorFlow\.js; WASM backend: agrees with CPU within 1e-4 abs \+ 1e-3 rel on the random input \(max abs diff [\d.e-]+ on output Identity[^)]*\), and runs it [\d.]+x as fast \([\d.]+ vs [\d.]+ ms a run in Node\)$/,
    );
    // BlazeFace's convolutions: ~10x faster on WASM here (bench/results/tfjs-servers.md); worth its wasm by far.
    const { wasmMs, cpuMs } = worker.engine.tfjs!.parity!;
    console.log(`blazeface in Node: WASM ${wasmMs} ms, CPU ${cpuMs} ms a run`);
    expect(cpuMs! / wasmMs!).toBeGreaterThan(1.25);
    expect(worker.files.map((f) => [f.path, f.type])).toEqual([
      ["worker.js", "ESModule"],
      ["tfjs/model.json", "Data"],
      ["tfjs/blazeface.bin", "Data"],
      ["tfjs-backend-wasm-simd.wasm", "CompiledWasm"],
    ]);
    const build = JSON.parse(readFileSync(join(worker.outDir, "build.json"), "utf8")) as { engine: unknown };
    expect(build.engine).toEqual(worker.engine);
  });

  it("answers V2 infer in workerd with TF.js's CPU outputs (≤ 1e-4 abs + 1e-3 rel)", async () => {
    const res = await infer(server.url);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model_name: string; outputs: { name: string; shape: number[]; datatype: string; data: number[] }[] };
    expect(body.model_name).toBe("face");
    const metadata = (await (await fetch(new URL("v2/models/face", server.url))).json()) as { platform: string };
    expect(metadata.platform).toBe("tensorflowjs");
    expect(body.outputs.map((o) => [o.name, o.shape, o.datatype])).toEqual([
      ["Identity_3:0", [1, 384, 16], "FP32"],
      ["Identity:0", [1, 512, 1], "FP32"],
      ["Identity_1:0", [1, 384, 1], "FP32"],
      ["Identity_2:0", [1, 512, 16], "FP32"],
    ]);
    for (const o of body.outputs) expect(worstExcess(o.data, expected[o.name]!), o.name).toBeLessThanOrEqual(0);
  });

  it("wrangler deploy --dry-run uploads the model.json and shard as Data and the wasm as CompiledWasm", async () => {
    const run = await runWrangler(worker.outDir, ["deploy", "--dry-run", "-c", "wrangler.toml", "--outdir", join(root, "upload")], { projectRoot: REPO_ROOT });
    expect(run.code, run.output).toBe(0);
    expect(run.output).not.toContain("[ERROR]");
    for (const row of [/tfjs\/blazeface\.bin\s*│\s*buffer/, /tfjs\/model\.json\s*│\s*buffer/, /tfjs-backend-wasm-simd\.wasm\s*│\s*compiled-wasm/])
      expect(run.output).toMatch(row);
  });

  it("a shard altered after the build: the Worker answers 503 and names the shard", async () => {
    const dir = join(root, "tampered");
    const build = await buildTarget({ root, ref: "face@1.0.0", target: "worker", outDir: dir });
    const shard = join(dir, "tfjs", "blazeface.bin");
    const bytes = readFileSync(shard);
    bytes[1000] = bytes[1000]! ^ 0xff;
    writeFileSync(shard, bytes);
    const serve = await getTarget("worker", "dev").serve!.load();
    const tampered = await serve(build.outDir, { port: 0 });
    try {
      const res = await infer(tampered.url);
      expect(res.status).toBe(503);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("MODEL_UNAVAILABLE");
      expect(error.message).toContain("blazeface.bin: sha256");
    } finally {
      await tampered.close();
    }
  });
});

describe("--engine tfjs-wasm | tfjs-cpu", () => {
  it("picks a server build's backend unchecked, and is refused for a page, which picks its own", async () => {
    const cpu = await buildTarget({ root, ref: "face@1.0.0", target: "worker", engine: "tfjs-cpu", outDir: join(root, "face-cpu") });
    expect(cpu.engine.tfjs).toEqual({ backend: "cpu", reason: "CPU backend (--engine tfjs-cpu)" });
    expect(cpu.files.map((f) => f.path)).toEqual(["worker.js", "tfjs/model.json", "tfjs/blazeface.bin"]);
    const refused = buildTarget({ root, ref: "face@1.0.0", target: "browser", engine: "tfjs-wasm", outDir: join(root, "face-page") });
    await expect(refused).rejects.toMatchObject({
      code: "ERR_USAGE",
      message: "--engine tfjs-wasm picks a server build's TF.js backend; a browser build picks its own",
      hint: 'build with --engine tfjs (or auto); in the page, loadModel({ device: "wasm" }) asks for one backend',
    });
  });
});

describe("TF.js engine in Deno and Node (BlazeFace on the WASM backend)", () => {
  for (const target of ["deno", "node"] as const) {
    it(`${target}: the build ships tfjs-backend-wasm-simd.wasm and its server answers V2 infer with TF.js's CPU outputs`, async () => {
      const build = await buildTarget({ root, ref: "face@1.0.0", target, outDir: join(root, `face-${target}`) });
      expect(build.engine.tfjs).toMatchObject({ backend: "wasm", parity: { agree: true } });
      expect(build.files.map((f) => f.path)).toContain("tfjs-backend-wasm-simd.wasm");
      const serve = await getTarget(target, "dev").serve!.load();
      const running = await serve(build.outDir, { port: 0 });
      try {
        const res = await infer(running.url);
        expect(res.status).toBe(200);
        const { outputs } = (await res.json()) as { outputs: { name: string; data: number[] }[] };
        expect(outputs.map((o) => o.name)).toEqual(OUTPUTS);
        for (const o of outputs) expect(worstExcess(o.data, expected[o.name]!), `${target} ${o.name}`).toBeLessThanOrEqual(0);
      } finally {
        await running.close();
      }
    });
  }
});

describe("TF.js engine in the browser (BlazeFace)", () => {
  let siteDir: string;
  // The build runs BlazeFace on four backends in Chromium (shader compiles on SwiftShader): its own hook's time.
  beforeAll(async () => {
    siteDir = (await buildTarget({ root, ref: "face@1.0.0", target: "browser", outDir: join(root, "site") })).outDir;
  });

  it("the browser build checked every TF.js backend against CPU (build.json parity)", () => {
    expectParityAgrees(siteDir, "blazeface");
  });

  it("the browser build gives the same outputs in headless Chromium", async () => {
    const site = await serveStatic(siteDir);
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      // A page of the build's origin without the demo (which would load the model a second time).
      await page.goto(`${site.url}build.json`);
      const r = (await page.evaluate(
        `(async (args) => {
          const mod = await import("/edge-ml-model.js");
          let t = performance.now();
          const model = await mod.loadModel({});
          const readyMs = performance.now() - t;
          t = performance.now();
          const out = await model.run({ "input:0": Float32Array.from(args.input) });
          const firstMs = performance.now() - t;
          t = performance.now();
          await model.run({ "input:0": Float32Array.from(args.input) });
          return { device: model.device, reason: model.deviceReason, readyMs, firstMs, warmMs: performance.now() - t, outputs: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data)])) };
        })(${JSON.stringify({ input: Array.from(input) })})`,
      )) as { device: string; reason: string; readyMs: number; firstMs: number; warmMs: number; outputs: Record<string, number[]> };
      console.log(`browser: ${r.device} (${r.reason}); ready ${r.readyMs.toFixed(0)} ms, first run ${r.firstMs.toFixed(0)} ms, warm ${r.warmMs.toFixed(0)} ms`);
      expect(["webgl", "wasm", "cpu"]).toContain(r.device);
      expect(r.reason).toMatch(new RegExp(`the parity probe agreed \\(max abs diff [\\d.e-]+ on output .+\\); using ${r.device.toUpperCase()}$`));
      expect(Object.keys(r.outputs).sort()).toEqual([...OUTPUTS].sort());
      for (const name of OUTPUTS) expect(worstExcess(r.outputs[name]!, expected[name]!), `${name} on ${r.device}`).toBeLessThanOrEqual(0);
      expect(errors).toEqual([]);
    } finally {
      await browser?.close();
      await site.close();
    }
  });
});

// tiny-layers: 2 images of 8x8x3 in [0, 1).
const TINY = join(FIXTURES, "tfjs", "tiny-layers");
const tinyInput = Float32Array.from({ length: 2 * 8 * 8 * 3 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
const TINY_OUTPUTS = ["probs", "gap"];

/** A layers model from its folder on TF.js's CPU backend in Node (shards concatenated in manifest order). */
async function layersReference(dir: string, feeds: Record<string, tf.Tensor>, outputs: string[]): Promise<Record<string, Float32Array>> {
  tf.enableProdMode();
  await tf.setBackend("cpu");
  const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as tf.io.ModelJSON;
  const shards = json.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(join(dir, p)));
  const weightData = new Uint8Array(shards.reduce((a, b) => a + b.byteLength, 0));
  let at = 0;
  for (const b of shards) {
    weightData.set(b, at);
    at += b.byteLength;
  }
  const model = await loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: weightData.buffer }),
  );
  const out = model.predict(Object.values(feeds)) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(out) ? out : [out];
  const result = Object.fromEntries(outputs.map((name, i) => [name, list[i]!.dataSync() as Float32Array]));
  tf.dispose([...Object.values(feeds), ...list]);
  model.dispose();
  return result;
}

describe("TF.js layers model (tiny-layers: no format key, uint8/float16 weights over two shards)", () => {
  let expectedTiny: Record<string, Float32Array>;
  let tinyServer: LocalServer;
  let site: Awaited<ReturnType<typeof serveStatic>>;
  let siteDir: string;
  let browser: Browser;
  beforeAll(async () => {
    await addModel(root, { model: TINY, name: "tiny", version: "1.0.0", slices: [] });
    expectedTiny = await layersReference(TINY, { image: tf.tensor(tinyInput, [2, 8, 8, 3]) }, TINY_OUTPUTS);
    const w = await buildTarget({ root, ref: "tiny@1.0.0", target: "worker", outDir: join(root, "tiny-worker") });
    const serve = await getTarget("worker", "dev").serve!.load();
    tinyServer = await serve(w.outDir, { port: 0 });
    siteDir = (await buildTarget({ root, ref: "tiny@1.0.0", target: "browser", outDir: join(root, "tiny-site") })).outDir;
    site = await serveStatic(siteDir);
    browser = await launchChromium({ webgpu: true });
  });
  afterAll(async () => {
    await Promise.all([tinyServer?.close(), site?.close(), browser?.close()]);
  });

  it("answers V2 infer in workerd with TF.js's CPU outputs in Node", async () => {
    const body = { inputs: [{ name: "image", shape: [2, 8, 8, 3], datatype: "FP32", data: Array.from(tinyInput) }] };
    const res = await fetch(new URL("v2/models/tiny/infer", tinyServer.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const { outputs } = (await res.json()) as { outputs: { name: string; shape: number[]; data: number[] }[] };
    expect(outputs.map((o) => [o.name, o.shape])).toEqual([
      ["probs", [2, 3]],
      ["gap", [2, 4]],
    ]);
    for (const o of outputs) expect(worstExcess(o.data, expectedTiny[o.name]!), o.name).toBeLessThanOrEqual(0);
  });

  it("the browser build checked every backend against CPU, and gives the same outputs in Chromium", async () => {
    expectParityAgrees(siteDir, "tiny-layers");
    const feeds = { image: Array.from(tinyInput) };
    // auto skips the software adapter and renderer: WASM, after the load-time probe agreed.
    const auto = await loadAndRun(browser, site.url, {}, feeds);
    expect(auto.error).toBeUndefined();
    expect(auto.device).toBe("wasm");
    expect(auto.reason).toMatch(
      /^WebGPU adapter is a software fallback \(SwiftShader\); .*the parity probe agreed \(max abs diff [\d.e-]+ on output \w+\[\d+\]\); using WASM$/,
    );
    // With software adapters allowed, WebGPU (SwiftShader) serves.
    const gpu = await loadAndRun(browser, site.url, { allowFallbackAdapter: true }, feeds);
    expect(gpu.error).toBeUndefined();
    expect(gpu.device).toBe("webgpu");
    expect(gpu.reason).toMatch(/the parity probe agreed .*; using WebGPU$/);
    for (const r of [auto, gpu])
      for (const name of TINY_OUTPUTS) expect(worstExcess(r.outputs![name]!, expectedTiny[name]!), `${name} on ${r.device}`).toBeLessThanOrEqual(0);
  });

  it("a tampered, missing or truncated shard in the page: loadModel fails naming the shard, the model, and what to do", async () => {
    const dir = join(root, "tiny-site-tampered");
    cpSync(siteDir, dir, { recursive: true });
    const shard = join(dir, "tfjs", "group1-shard2of2.bin");
    const bytes = readFileSync(shard);
    bytes[3] = bytes[3]! ^ 0xff;
    writeFileSync(shard, bytes);
    const tampered = await serveStatic(dir);
    try {
      const r = await loadAndRun(browser, tampered.url, { device: "cpu" }, { image: Array.from(tinyInput) });
      expect(r.error).toMatch(
        new RegExp(
          `^TF\\.js model tiny@1\\.0\\.0 from ${tampered.url}tfjs/: group1-shard2of2\\.bin: sha256 [0-9a-f]{64} does not match the manifest's [0-9a-f]{64}; the bundle was altered after \`edge-ml build\`; rebuild and redeploy it$`,
        ),
      );
      rmSync(shard);
      const missing = await loadAndRun(browser, tampered.url, {}, { image: Array.from(tinyInput) });
      expect(missing.error).toContain("group1-shard2of2.bin: missing (the manifest lists it with 44 bytes)");
      writeFileSync(shard, bytes.subarray(0, 40));
      const truncated = await loadAndRun(browser, tampered.url, {}, { image: Array.from(tinyInput) });
      expect(truncated.error).toContain("group1-shard2of2.bin: 40 bytes, but the manifest records 44");
    } finally {
      await tampered.close();
    }
  });
});

describe("a TF.js model whose backends disagree with CPU (cancelling-dense.ts: float32 summation order, not a faulty kernel)", () => {
  let expectedY: Float32Array;
  let browser: Browser;
  let checked: Awaited<ReturnType<typeof serveStatic>>;
  let unchecked: Awaited<ReturnType<typeof serveStatic>>;
  let checkedDir: string;
  let cancelWorker: BuildResult;
  let cancelWorkerUnchecked: BuildResult;
  const x = [0.1, -0.2, 0.3, -0.4];
  /** The Worker build served in workerd, asked once for `x`'s output y. */
  const yFromWorker = async (build: BuildResult): Promise<number[]> => {
    const serve = await getTarget("worker", "dev").serve!.load();
    const running = await serve(build.outDir, { port: 0 });
    try {
      const res = await fetch(new URL("v2/models/cancel/infer", running.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ inputs: [{ name: "x", shape: [1, 4], datatype: "FP32", data: x }] }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { outputs: { name: string; data: number[] }[] }).outputs.find((o) => o.name === "y")!.data;
    } finally {
      await running.close();
    }
  };
  beforeAll(async () => {
    const dir = join(root, "cancelling-dense");
    writeCancellingDense(dir);
    await addModel(root, { model: dir, name: "cancel", version: "1.0.0", slices: [] });
    expectedY = (await layersReference(dir, { x: tf.tensor([x], [1, 4]) }, ["y"]))["y"]!;
    checkedDir = (await buildTarget({ root, ref: "cancel@1.0.0", target: "browser", outDir: join(root, "cancel-checked") })).outDir;
    cancelWorker = await buildTarget({ root, ref: "cancel@1.0.0", target: "worker", outDir: join(root, "cancel-worker") });
    cancelWorkerUnchecked = await buildTarget({ root, ref: "cancel@1.0.0", target: "worker", parity: false, outDir: join(root, "cancel-worker-unchecked") });
    const plain = await buildTarget({ root, ref: "cancel@1.0.0", target: "browser", parity: false, outDir: join(root, "cancel-unchecked") });
    [checked, unchecked] = await Promise.all([serveStatic(checkedDir), serveStatic(plain.outDir)]);
    browser = await launchChromium({ webgpu: true });
  });
  afterAll(async () => {
    await Promise.all([checked?.close(), unchecked?.close(), browser?.close()]);
  });

  it("the build records WebGPU's disagreement, and auto never picks it (nor any other backend that failed): CPU, with the reason", async () => {
    const parity = parityOf(checkedDir);
    expect(parity.backends["webgpu"]).toMatchObject({ agree: false, device: "SwiftShader (software fallback)" });
    expect(parity.backends["webgpu"]!.maxAbsDiff).toBeGreaterThan(1e-3);
    for (const [name, b] of Object.entries(parity.backends)) console.log(`cancelling-dense parity ${name}: agree ${b.agree}, max abs ${b.maxAbsDiff ?? "-"}`);
    const failed = Object.entries(parity.backends)
      .filter(([, b]) => b.agree === false)
      .map(([name]) => name);
    const r = await loadAndRun(browser, checked.url, { allowFallbackAdapter: true }, { x });
    console.log(`cancelling-dense with the build's report: ${r.device} (${r.reason})`);
    expect(r.error).toBeUndefined();
    expect(r.reason).toContain("WebGPU disagreed with CPU when this model was built (build.json parity)");
    expect(failed).not.toContain(r.device);
    expect(r.reason).toMatch(new RegExp(`using ${r.device === "cpu" ? "CPU" : r.device!.toUpperCase()}$`));
    expect(worstExcess(r.outputs!["y"]!, expectedY)).toBeLessThanOrEqual(0);
  });

  it("a Worker build keeps TF.js's CPU backend, says why, ships no wasm, and serves CPU's outputs", async () => {
    expect(cancelWorker.engine.tfjs).toMatchObject({ backend: "cpu", parity: { agree: false, output: expect.stringMatching(/^y\[\d\]$/) } });
    expect(cancelWorker.engine.reason).toMatch(
      /; CPU backend: WASM disagreed with CPU on the random input \(max abs diff [\d.e-]+ on output y\[\d\]; tolerance 1e-4 abs \+ 1e-3 rel\)$/,
    );
    expect(cancelWorker.files.map((f) => f.path)).not.toContain("tfjs-backend-wasm-simd.wasm");
    expect(worstExcess(await yFromWorker(cancelWorker), expectedY)).toBeLessThanOrEqual(0);
  });

  it("with --no-parity the Worker runs WASM unchecked, and serves WASM's numbers, outside the tolerance (what the check prevents)", async () => {
    expect(cancelWorkerUnchecked.engine.tfjs).toEqual({ backend: "wasm", reason: "WASM backend, not checked against CPU (--no-parity)" });
    expect(worstExcess(await yFromWorker(cancelWorkerUnchecked), expectedY)).toBeGreaterThan(0);
  });

  it("without the build's report, the load-time probe catches WebGPU's disagreement and moves on", async () => {
    const r = await loadAndRun(browser, unchecked.url, { allowFallbackAdapter: true }, { x });
    console.log(`cancelling-dense at load: ${r.device} (${r.reason})`);
    expect(r.error).toBeUndefined();
    expect(r.device).not.toBe("webgpu");
    expect(r.reason).toMatch(/^WebGPU disagreed with CPU on the parity probe \(max abs diff [\d.e-]+ on output y\[\d\]\); /);
    expect(worstExcess(r.outputs!["y"]!, expectedY)).toBeLessThanOrEqual(0);
    // Without the probe, the same page serves WebGPU's numbers, outside the tolerance (what the probe prevents).
    const raw = await loadAndRun(browser, unchecked.url, { allowFallbackAdapter: true, parityProbe: false }, { x });
    expect(raw.device).toBe("webgpu");
    expect(worstExcess(raw.outputs!["y"]!, expectedY)).toBeGreaterThan(0);
  });
});
