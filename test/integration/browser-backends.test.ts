/**
 * The browser target's backend choice in headless Chromium with WebGPU available (SwiftShader, a software adapter):
 * `auto` skips the fallback adapter and says so; `wasm` never asks for an adapter; a model whose WebGPU output
 * disagrees with WASM (a Conv with 129 input channels and padding, as in Silero VAD: issue 13) ends up on WASM with the
 * reason, from the load-time probe and from the build's parity run (build.json); outputs equal onnxruntime-node.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import onnxProto from "onnx-proto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { addModel } from "../../cli/registry/add-model.ts";
import { encodeModel, floatTensor, rng, valueInfo } from "../fixtures/onnx-builder.ts";
import { launchChromium } from "../helpers/chromium.ts";
import { referenceRun } from "../helpers/reference.ts";
import { serveStatic } from "../helpers/static-server.ts";
import { FIXTURES, tempDir } from "../helpers/tmp.ts";

const { onnx } = onnxProto;
const SILERO = join(FIXTURES, "models", "third-party", "silero_vad_legacy.onnx");
const root = tempDir();

/** One Conv1d, 129 → 128 channels, kernel 3, padding 1: onnxruntime-web 1.30's WebGPU Conv is off by ~3 here. */
function conv129(): Uint8Array {
  const random = rng(3);
  const graph = onnx.GraphProto.create({
    name: "conv129",
    node: [
      {
        opType: "Conv",
        name: "conv",
        input: ["x", "W", "B"],
        output: ["y"],
        attribute: [
          { name: "kernel_shape", type: 7, ints: [3] },
          { name: "pads", type: 7, ints: [1, 1] },
        ],
      },
    ],
    initializer: [floatTensor("W", [128, 129, 3], random, 0.1), floatTensor("B", [128], random, 0.05)],
    input: [valueInfo("x", 1, ["batch", 129, 24])],
    output: [valueInfo("y", 1, ["batch", 128, 24])],
  });
  return encodeModel(graph);
}

// Silero's inputs: 512 samples at 16 kHz (a tone with noise), zero LSTM state.
const N = 512;
const audio = Float32Array.from({ length: N }, (_, i) => Math.fround(Math.sin(i / 7) * 0.5 + ((i * 2654435761) % 97) / 200 - 0.25));
const vadBody = {
  inputs: [
    { name: "input", shape: [1, N], datatype: "FP32", data: Array.from(audio) },
    { name: "sr", shape: [], datatype: "INT64", data: [16000] },
    { name: "h", shape: [2, 1, 64], datatype: "FP32", data: new Array(128).fill(0) },
    { name: "c", shape: [2, 1, 64], datatype: "FP32", data: new Array(128).fill(0) },
  ],
};
const convX = Float32Array.from({ length: 129 * 24 }, (_, i) => Math.fround(((i * 2654435761) % 1000) / 500 - 1));
const convBody = { inputs: [{ name: "x", shape: [1, 129, 24], datatype: "FP32", data: Array.from(convX) }] };

let browser: Browser;
const sites: Record<"vad" | "conv" | "convChecked", Awaited<ReturnType<typeof serveStatic>>> = {} as never;
const expected: Record<string, Record<string, number[]>> = {};
let convBuildJson: { parity?: Record<string, unknown> };

beforeAll(async () => {
  const convFile = join(root, "conv129.onnx");
  writeFileSync(convFile, conv129());
  await addModel(root, { model: SILERO, name: "vad", version: "1.0.0", slices: [] });
  await addModel(root, { model: convFile, name: "conv", version: "1.0.0", slices: [] });
  // Without the build's parity run, so the page itself has to decide (its adapter check and its probe).
  const vad = await buildTarget({ root, ref: "vad@1.0.0", target: "browser", engine: "ort", parity: false, outDir: join(root, "vad") });
  const conv = await buildTarget({ root, ref: "conv@1.0.0", target: "browser", engine: "ort", parity: false, outDir: join(root, "conv") });
  const checked = await buildTarget({ root, ref: "conv@1.0.0", target: "browser", engine: "ort", outDir: join(root, "conv-checked") });
  convBuildJson = JSON.parse(readFileSync(join(checked.outDir, "build.json"), "utf8"));
  [sites.vad, sites.conv, sites.convChecked] = await Promise.all([serveStatic(vad.outDir), serveStatic(conv.outDir), serveStatic(checked.outDir)]);
  browser = await launchChromium({ webgpu: true });
  const vadOut = await referenceRun(SILERO, {
    input: { dtype: "float32", data: audio, dims: [1, N] },
    sr: { dtype: "int64", data: BigInt64Array.from([16000n]), dims: [] },
    h: { dtype: "float32", data: new Float32Array(128), dims: [2, 1, 64] },
    c: { dtype: "float32", data: new Float32Array(128), dims: [2, 1, 64] },
  });
  expected["vad"] = Object.fromEntries(Object.entries(vadOut).map(([k, t]) => [k, Array.from(t.data as Float32Array)]));
  const convOut = await referenceRun(convFile, { x: { dtype: "float32", data: convX, dims: [1, 129, 24] } });
  expected["conv"] = { y: Array.from(convOut["y"]!.data as Float32Array) };
});
afterAll(async () => {
  await browser?.close();
  await Promise.all(Object.values(sites).map((s) => s?.close()));
});

interface Loaded {
  device: string;
  deviceReason: string;
  outputs: Record<string, number[]>;
  ms: { ready: number; predict: number };
}

/** Load with `options` in a fresh page, infer `body` (first run, then the median of 5), and keep the console. */
async function load(site: keyof typeof sites, options: Record<string, unknown>, body: unknown): Promise<Loaded & { consoleText: string[] }> {
  const page: Page = await browser.newPage();
  const consoleText: string[] = [];
  page.on("console", (m) => consoleText.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => consoleText.push(`pageerror: ${e.message}`));
  await page.goto(`${sites[site].url}index.html?device=wasm`);
  await page.waitForFunction(() => document.getElementById("device")?.textContent !== "loading…", undefined, { timeout: 60_000 });
  consoleText.length = 0; // the demo page's own load (device=wasm) is not under test
  // A string, not a function: vitest rewrites `import()` in code it compiles.
  const r = (await page.evaluate(`(async (args) => {
    const mod = await import("/edge-ml-model.js");
    const t0 = performance.now();
    const model = await mod.loadModel(args.options);
    const ready = performance.now() - t0;
    let out = await model.infer(args.body);
    const times = [];
    for (let i = 0; i < 5; i++) { const t = performance.now(); out = await model.infer(args.body); times.push(performance.now() - t); }
    times.sort((a, b) => a - b);
    const outputs = Object.fromEntries(out.outputs.map((o) => [o.name, Array.from(o.data, Number)]));
    return { device: model.device, deviceReason: model.deviceReason, outputs, ms: { ready, predict: times[2] } };
  })(${JSON.stringify({ options, body })})`)) as Loaded;
  await page.close();
  return { ...r, consoleText };
}

function expectClose(got: Record<string, number[]>, want: Record<string, number[]>) {
  for (const [name, ref] of Object.entries(want)) {
    const a = got[name]!;
    expect(a.length).toBe(ref.length);
    const worst = Math.max(...ref.map((b, i) => Math.abs(a[i]! - b) - 1e-3 * Math.abs(b)));
    expect(worst, name).toBeLessThanOrEqual(1e-4);
  }
}

describe("browser backends with a software WebGPU adapter (SwiftShader)", () => {
  it("auto skips the fallback adapter: Silero VAD runs on WASM, says why, and equals onnxruntime-node", async () => {
    const r = await load("vad", {}, vadBody);
    expect(r.device).toBe("wasm");
    expect(r.deviceReason).toBe("WebGPU adapter is a software fallback (SwiftShader); using WASM");
    expectClose(r.outputs, expected["vad"]!);
    // ORT logs at error level: its "nodes were not assigned" warnings no longer reach the console.
    expect(r.consoleText).toEqual([]);
    console.log(`silero auto→wasm: ready ${r.ms.ready.toFixed(0)} ms, predict ${r.ms.predict.toFixed(2)} ms`);
  });

  it('device "wasm" never asks for a GPU adapter (nothing about adapters in the console)', async () => {
    const r = await load("vad", { device: "wasm" }, vadBody);
    expect(r.device).toBe("wasm");
    expect(r.deviceReason).toBe('device "wasm" asked for');
    expect(r.consoleText.filter((l) => /adapter|gpu/i.test(l))).toEqual([]);
    expectClose(r.outputs, expected["vad"]!);
  });

  it("with the fallback adapter allowed, the load-time probe catches WebGPU's wrong Conv and ends on WASM", async () => {
    const r = await load("conv", { allowFallbackAdapter: true }, convBody);
    expect(r.device).toBe("wasm");
    expect(r.deviceReason).toMatch(/^WebGPU disagreed with WASM on the parity probe \(max abs diff [\d.]+ on output y\[\d+\]\); using WASM$/);
    expectClose(r.outputs, expected["conv"]!);
  });

  it("without the probe, the same page serves WebGPU's wrong numbers (what the probe prevents)", async () => {
    const r = await load("conv", { allowFallbackAdapter: true, parityProbe: false }, convBody);
    expect(r.device).toBe("webgpu");
    expect(r.deviceReason).toBe("WebGPU adapter SwiftShader (a software fallback, allowed)");
    const diff = Math.max(...expected["conv"]!["y"]!.map((b, i) => Math.abs(r.outputs["y"]![i]! - b)));
    expect(diff).toBeGreaterThan(0.1);
  });

  it("build.json records per-backend agreement, and auto never picks the backend that failed at build", async () => {
    expect(convBuildJson.parity).toMatchObject({
      ran: true,
      engine: "ort",
      reference: "wasm",
      input: "random",
      fallbackAdapter: true,
      tolerance: "1e-4 abs + 1e-3 rel",
      backends: { wasm: { agree: true }, webgpu: { agree: false, maxRelDiff: expect.any(Number), output: expect.stringMatching(/^y\[\d+\]$/) } },
    });
    const r = await load("convChecked", { allowFallbackAdapter: true }, convBody);
    expect(r.device).toBe("wasm");
    expect(r.deviceReason).toBe("WebGPU disagreed with WASM when this model was built (build.json parity); using WASM");
    expectClose(r.outputs, expected["conv"]!);
  });
});
