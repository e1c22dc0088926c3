/**
 * The TF.js engine end to end (issue 13's done-when): BlazeFace, a third-party TF.js graph model with fused
 * convolutions, registered with `addModel`, built for the worker target and served in workerd (miniflare), answers a
 * KServe V2 infer with TF.js's CPU backend's outputs computed here in Node; a shard altered after the build makes the
 * Worker answer 503; the browser build gives the same outputs in headless Chromium on the backend `auto` picks.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { loadGraphModel } from "@tensorflow/tfjs-converter";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { addModel } from "../../cli/registry/add-model.ts";
import { getTarget } from "../../targets/index.ts";
import type { BuildResult, LocalServer } from "../../targets/types.ts";
import { launchChromium } from "../helpers/chromium.ts";
import { serveStatic } from "../helpers/static-server.ts";
import { FIXTURES, tempDir } from "../helpers/tmp.ts";

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
  it("builds a Worker with the model.json and its shard as Data modules, on the tfjs engine", () => {
    expect(worker.engine).toEqual({ name: "tfjs", reason: "a TF.js graph-model runs on TensorFlow.js" });
    expect(worker.files.map((f) => [f.path, f.type])).toEqual([
      ["worker.js", "ESModule"],
      ["tfjs/model.json", "Data"],
      ["tfjs/blazeface.bin", "Data"],
    ]);
  });

  it("answers V2 infer in workerd with TF.js's CPU outputs (≤ 1e-4 abs + 1e-3 rel)", async () => {
    const res = await infer(server.url);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model_name: string; outputs: { name: string; shape: number[]; datatype: string; data: number[] }[] };
    expect(body.model_name).toBe("face");
    expect(body.outputs.map((o) => [o.name, o.shape, o.datatype])).toEqual([
      ["Identity_3:0", [1, 384, 16], "FP32"],
      ["Identity:0", [1, 512, 1], "FP32"],
      ["Identity_1:0", [1, 384, 1], "FP32"],
      ["Identity_2:0", [1, 512, 16], "FP32"],
    ]);
    for (const o of body.outputs) expect(worstExcess(o.data, expected[o.name]!), o.name).toBeLessThanOrEqual(0);
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

  it("the browser build gives the same outputs in headless Chromium", async () => {
    const build = await buildTarget({ root, ref: "face@1.0.0", target: "browser", outDir: join(root, "site") });
    const site = await serveStatic(build.outDir);
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
      expect(r.reason).toContain(`using ${r.device.toUpperCase()}`);
      expect(Object.keys(r.outputs).sort()).toEqual([...OUTPUTS].sort());
      for (const name of OUTPUTS) expect(worstExcess(r.outputs[name]!, expected[name]!), `${name} on ${r.device}`).toBeLessThanOrEqual(0);
      expect(errors).toEqual([]);
    } finally {
      await browser?.close();
      await site.close();
    }
  });
});
