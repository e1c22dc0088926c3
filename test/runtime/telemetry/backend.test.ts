/**
 * The backend in every batch (issue 13): the client fits it to the protocol's bounds and sends it with every batch;
 * a page model (targets/browser/model.ts) reports its device and the loader's reason, a server target its engine;
 * and a real monitor over HTTP splits a version's requests by device with the last reason.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it, onTestFinished } from "vitest";
import { TELEMETRY_LIMITS } from "../../../core/schema/telemetry.ts";
import { startMonitor } from "../../../monitor/server.ts";
import { createToken } from "../../../monitor/tokens.ts";
import { createEdgeRuntime } from "../../../runtime/adapter.ts";
import { createOrtEngine, type OrtLike } from "../../../runtime/engines/ort.ts";
import { backendOfEngine, createTelemetry } from "../../../runtime/telemetry/index.ts";
import { fitBackend } from "../../../runtime/telemetry/backend.ts";
import { browserModel } from "../../../targets/browser/model.ts";
import { good } from "../../helpers/edge-cases.ts";
import { REPO_ROOT, tempDir } from "../../helpers/tmp.ts";
import { TITANIC } from "../../monitor/helpers.ts";
import { fakeFetch, noSleep } from "./helpers.ts";

const model = { name: "titanic", version: "1.0.0" };
const WEBGPU_DISAGREED = "WebGPU disagreed with WASM on the parity probe (max abs diff 0.0080 on output logit[0]); using WASM";
const engine = createOrtEngine(ort as unknown as OrtLike, { name: "ort-node", executionProviders: ["cpu"] });
const modelBytes = new Uint8Array(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "model.onnx")));

async function monitorWithToken() {
  const monitor = await startMonitor({ port: 0, dbFile: join(tempDir(), "monitor.db") });
  onTestFinished(() => monitor.close());
  const { token } = await createToken(monitor.store, "pages");
  return { monitor, token };
}

describe("backend in telemetry batches", () => {
  it("is fitted to the protocol's bounds, and named after the engine on server targets", () => {
    expect(fitBackend({ device: "WebGPU", reason: "r".repeat(2000) })).toEqual({ device: "webgpu", reason: "r".repeat(TELEMETRY_LIMITS.maxReason) });
    expect(fitBackend({ device: "wasm", engine: "ort wasm", reason: "" })).toEqual({ device: "wasm", engine: "ort-wasm" });
    expect(fitBackend({ device: "" })).toBeUndefined();
    expect(fitBackend(undefined)).toBeUndefined();
    expect(["ort-wasm", "ort-webgpu", "ort-node", "compiled", "tfjs-cpu", "tfjs-webgl"].map((e) => backendOfEngine(e).device)).toEqual([
      "wasm",
      "webgpu",
      "native",
      "js",
      "cpu",
      "webgl",
    ]);
  });

  it("goes out with every batch of the client, and not at all when the client has none", async () => {
    const { fetch, sent } = fakeFetch();
    const base = { endpoint: "https://monitor.example", token: "edgeml_test", deployment: "prod", target: "browser" as const, sleep: noSleep, fetch };
    const t = createTelemetry({ ...base, sampleRate: 1, maxBatchSamples: 2, backend: { device: "wasm", reason: WEBGPU_DISAGREED } });
    for (let i = 0; i < 5; i++) t.record({ model, requestId: `r${i}`, latencyMs: 1, status: 200 });
    await t.flush();
    expect(sent).toHaveLength(3);
    for (const s of sent) expect(s.body.backend).toEqual({ device: "wasm", reason: WEBGPU_DISAGREED });

    const old = createTelemetry(base);
    old.record({ model, requestId: "r", latencyMs: 1, status: 200 });
    await old.flush();
    expect(sent[3]!.body).not.toHaveProperty("backend");
  });

  it("a page model reports its device and the loader's reason; the monitor splits the version's traffic by device", async () => {
    const { monitor, token } = await monitorWithToken();
    const session = await engine.createSession(modelBytes);
    const telemetry = { endpoint: monitor.url, token, deployment: "pages", flushIntervalMs: 1, sampleRate: 0 };
    // Two pages of one deployment: one fell back to WASM (the probe disagreed), one runs on WebGPU.
    const onWasm = browserModel({ manifest: TITANIC, session, device: "wasm", deviceReason: WEBGPU_DISAGREED, telemetry });
    const onGpu = browserModel({ manifest: TITANIC, session, device: "webgpu", deviceReason: "WebGPU adapter agrees with WASM", telemetry });
    expect(onWasm.device).toBe("wasm");
    for (let i = 0; i < 3; i++) await onWasm.predict([good]);
    for (let i = 0; i < 7; i++) await onGpu.predict([good]);

    type Metrics = { series: { totals: { requests: number }; backends: { device: string; requests: number; share: number; reason: string | null }[] }[] };
    const read = async () => (await (await fetch(`${monitor.url}/v1/metrics?deployment=pages`)).json()) as Metrics;
    let metrics = await read();
    // predict() flushes in the background once the (1 ms) interval has passed: wait for the last batches to land.
    for (let i = 0; i < 100 && (metrics.series[0]?.totals.requests ?? 0) < 10; i++) {
      await new Promise((r) => setTimeout(r, 50));
      await onWasm.predict([good]).then(() => onGpu.predict([good]));
      metrics = await read();
    }
    const [series] = metrics.series;
    const byDevice = Object.fromEntries(series!.backends.map((b) => [b.device, b]));
    expect(series!.backends.reduce((a, b) => a + b.requests, 0)).toBe(series!.totals.requests);
    expect(byDevice["wasm"]).toMatchObject({ reason: WEBGPU_DISAGREED });
    expect(byDevice["webgpu"]).toMatchObject({ reason: "WebGPU adapter agrees with WASM" });
    expect(byDevice["wasm"]!.share + byDevice["webgpu"]!.share).toBeCloseTo(1, 2);
    const text = await (await fetch(`${monitor.url}/metrics`)).text();
    expect(text).toContain(`edgeml_backend_requests_total{deployment="pages",model="titanic",version="1.0.0",device="wasm"} ${byDevice["wasm"]!.requests}`);
  });

  it("a server target reports its engine", async () => {
    const { monitor, token } = await monitorWithToken();
    const edge = createEdgeRuntime({ manifest: TITANIC, engine, modelBytes, target: "node" });
    edge.configure({ EDGE_ML_MONITOR_URL: monitor.url, EDGE_ML_MONITOR_TOKEN: token, EDGE_ML_DEPLOYMENT: "pages" });
    const res = await edge.app.request("/v1/models/titanic:predict", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instances: [good] }),
    });
    expect(res.status).toBe(200);
    const telemetry = edge.telemetry()!;
    telemetry.drain();
    await telemetry.flush();
    expect(telemetry.stats()).toMatchObject({ sentBatches: 1, rejectedBatches: 0 });
    const rows = await monitor.store.backends({ deployment: "pages", from: 0, to: Number.MAX_SAFE_INTEGER });
    expect(rows).toEqual([expect.objectContaining({ device: "native", engine: "ort-node", reason: null, requests: 1 })]);
  });
});
