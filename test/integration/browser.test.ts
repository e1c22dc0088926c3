/**
 * The browser target in headless Chromium: in-page inference on WASM and on WebGPU (SwiftShader's adapter with
 * --enable-unsafe-webgpu, which `auto` skips as a software fallback: browser-backends.test.ts), equal to
 * onnxruntime-node within 1e-5; bad input rejected with paths; the demo page works;
 * telemetry leaves the page with keepalive/beacon when it is hidden and the monitor counts it, by device too. The compiled engine
 * (`--engine compiled`) runs the same model in the page as plain JavaScript: no wasm fetched.
 */
import { parse } from "csv-parse/sync";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { createPreprocessor } from "../../core/preprocess.ts";
import { Manifest } from "../../core/schema/manifest.ts";
import { startMonitor } from "../../monitor/server.ts";
import { registerBaseline, registrationFromManifest } from "../../monitor/registration.ts";
import { createToken } from "../../monitor/tokens.ts";
import { inPage, launchChromium, openDemo, pageErrors } from "../helpers/chromium.ts";
import { maxAbsDiff, referenceRun } from "../helpers/reference.ts";
import { serveStatic } from "../helpers/static-server.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const dir = join(REPO_ROOT, "models", "titanic", "1.0.0");
const manifest = Manifest.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
const rows = parse(readFileSync(join(REPO_ROOT, "examples", "titanic", "data", "eval.csv")), { columns: true, bom: true }) as Record<string, string>[];
const instances = rows.slice(0, 50).map((r) => ({ sex: r["sex"]!, age: r["age"] === "" ? null : Number(r["age"]), passengerClass: r["passengerClass"]! }));

let site: Awaited<ReturnType<typeof serveStatic>>;
let compiledSite: Awaited<ReturnType<typeof serveStatic>>;
let browser: Browser;
let gpuBrowser: Browser;
let expected: number[];

beforeAll(async () => {
  const build = await buildTarget({ root: REPO_ROOT, ref: "titanic@1.0.0", target: "browser", engine: "ort", outDir: join(tempDir(), "site") });
  site = await serveStatic(build.outDir);
  const compiled = await buildTarget({ root: REPO_ROOT, ref: "titanic@1.0.0", target: "browser", engine: "compiled", outDir: join(tempDir(), "compiled") });
  expect(compiled.files.map((f) => f.path).sort()).toEqual(["edge-ml-model.js", "model.graph"]);
  compiledSite = await serveStatic(compiled.outDir);
  [browser, gpuBrowser] = await Promise.all([launchChromium(), launchChromium({ webgpu: true })]);
  const x = createPreprocessor(manifest.preprocessing!).transform(instances).get("features")!;
  const out = await referenceRun(join(dir, "model.onnx"), { features: { dtype: "float32", data: x.data as Float32Array, dims: [...x.dims] } });
  expected = Array.from(out["logit"]!.data as Float32Array, (z) => 1 / (1 + Math.exp(-z)));
});
afterAll(async () => {
  await Promise.all([browser?.close(), gpuBrowser?.close()]);
  await Promise.all([site?.close(), compiledSite?.close()]);
});

/** The WASM demo page, loaded without page errors. */
async function openPage(b: Browser): Promise<Page> {
  const page = await openDemo(b, `${site.url}index.html?device=wasm`);
  expect(pageErrors(page)).toEqual([]);
  return page;
}

interface PageResult {
  device: string;
  scores?: number[];
  labels?: string[];
  error?: { error: { issues: { path: string }[] } };
}

const predictIn = (page: Page, device: string, input: unknown) =>
  inPage<PageResult>(
    page,
    `const model = await mod.loadModel({ device: args.device });
     try {
       const r = await model.predict(args.input);
       return { device: model.device, scores: r.predictions.map((p) => p.score), labels: r.predictions.map((p) => p.label) };
     } catch (err) {
       return { device: model.device, error: err.toJSON ? err.toJSON() : String(err) };
     }`,
    { device, input },
  );

describe("browser target in Chromium", () => {
  it("compiled engine: runs in the page without wasm, equal to onnxruntime-node within 1e-5", async () => {
    const requested: string[] = [];
    const page = await openDemo(browser, `${compiledSite.url}index.html`, (p) => p.on("request", (r) => requested.push(new URL(r.url()).pathname)));
    const r = await predictIn(page, "auto", instances);
    expect(r.device).toBe("js");
    expect(maxAbsDiff(r.scores!, expected)).toBeLessThanOrEqual(1e-5);
    expect(r.labels).toEqual(expected.map((p) => (p >= 0.5 ? "yes" : "no")));
    expect(requested).toContain("/model.graph");
    expect(requested.filter((p) => p.endsWith(".wasm") || p.endsWith(".onnx"))).toEqual([]);
    const bad = await predictIn(page, "auto", [{ sex: "robot", age: "12", passengerClass: "1st" }]);
    expect(bad.error!.error.issues.map((i) => i.path).sort()).toEqual(["instances[0].age", "instances[0].sex"]);
  });

  it("runs on WASM, equal to onnxruntime-node within 1e-5", async () => {
    const page = await openPage(browser);
    const r = await predictIn(page, "wasm", instances);
    expect(r.device).toBe("wasm");
    expect(maxAbsDiff(r.scores!, expected)).toBeLessThanOrEqual(1e-5);
    expect(r.labels).toEqual(expected.map((p) => (p >= 0.5 ? "yes" : "no")));
  });

  it("auto skips a software WebGPU adapter and says why; device webgpu still runs on it, equal to the reference within 1e-5", async () => {
    const page = await openPage(gpuBrowser);
    const auto = await inPage<{ device: string; reason: string }>(
      page,
      `const m = await mod.loadModel({}); return { device: m.device, reason: m.deviceReason };`,
    );
    expect(auto).toEqual({ device: "wasm", reason: "WebGPU adapter is a software fallback (SwiftShader); using WASM" });
    const r = await predictIn(page, "webgpu", instances);
    expect(r.device).toBe("webgpu");
    expect(maxAbsDiff(r.scores!, expected)).toBeLessThanOrEqual(1e-5);
  });

  it("falls back to WASM on auto without WebGPU, and refuses webgpu when there is none", async () => {
    const page = await openPage(browser);
    expect((await predictIn(page, "auto", instances.slice(0, 2))).device).toBe("wasm");
    const err = await inPage<string>(page, `return mod.loadModel({ device: "webgpu" }).then(() => "loaded", (e) => e.message);`);
    expect(err).toContain("no WebGPU adapter");
  });

  it("rejects bad input with the same field paths as the edge", async () => {
    const page = await openPage(browser);
    const r = await predictIn(page, "wasm", [{ sex: "robot", age: "12", passengerClass: "1st" }]);
    const issues = r.error!.error.issues.map((i) => i.path).sort();
    expect(issues).toEqual(["instances[0].age", "instances[0].sex"]);
  });

  it("the demo page predicts on click", async () => {
    const page = await openPage(browser);
    await page.click("#predict");
    await page.waitForFunction(() => (document.getElementById("out")?.textContent ?? "").includes("label"));
    const out = await page.textContent("#out");
    expect(out).toMatch(/"label": "(yes|no)"/);
    expect(await page.textContent("#device")).toBe("wasm");
  });

  it("sends telemetry with keepalive when the page is hidden: counters, and profiles per slice like every target", async () => {
    const monitor = await startMonitor({ port: 0, dbFile: join(tempDir(), "m.db") });
    try {
      const { token } = await createToken(monitor.store, "browser-test");
      expect((await registerBaseline(monitor.url, "browser-test", registrationFromManifest(manifest)!, undefined)).ok).toBe(true);
      const page = await openPage(browser);
      const reason = await inPage<string>(
        page,
        `const model = await mod.loadModel({ device: "wasm", telemetry: { endpoint: args.endpoint, token: args.token, deployment: "browser-test", sampleRate: 1 } });
         for (let i = 0; i < 7; i++) await model.predict([{ sex: "female", age: 20 + i, passengerClass: "2nd" }]);
         await model.predict([{ sex: "?" }]).catch(() => undefined);
         return model.deviceReason;`,
        { endpoint: monitor.url, token },
      );
      // Leaving the page fires pagehide: the client hands its batch to fetch(keepalive) / sendBeacon.
      await page.goto("about:blank");
      const deadline = Date.now() + 15_000;
      let text = "";
      while (Date.now() < deadline) {
        text = await (await fetch(`${monitor.url}/metrics`)).text();
        if (/edgeml_requests_total\{deployment="browser-test"[^}]*\} 8/.test(text)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(text).toMatch(/edgeml_requests_total\{deployment="browser-test",model="titanic",version="1.0.0"\} 8/);
      expect(text).toMatch(/edgeml_errors_total\{deployment="browser-test",[^}]*class="bad_request"\} 1/);
      // Every batch names the page's device (model.device, issue 13): the monitor splits the version's traffic by it.
      expect(text).toMatch(/edgeml_backend_requests_total\{deployment="browser-test",model="titanic",version="1.0.0",device="wasm"\} 8/);
      const metrics = (await (await fetch(`${monitor.url}/v1/metrics?deployment=browser-test`)).json()) as {
        series: { backends: { device: string; requests: number; share: number; reason?: string }[] }[];
      };
      expect(reason).toBe(`device "wasm" asked for`);
      expect(metrics.series[0]!.backends).toEqual([expect.objectContaining({ device: "wasm", requests: 8, share: 1, reason })]);
      // The same client as the edge targets (runtime/adapter.ts): every predicted instance profiled, per slice too.
      const slices = (await (await fetch(`${monitor.url}/v1/slices?deployment=browser-test`)).json()) as {
        rows: number;
        slices: { key: string; values: { value: string; rows: number }[] }[];
      };
      expect(slices.rows).toBe(7);
      expect(slices.slices.find((x) => x.key === "passengerClass")!.values).toEqual([expect.objectContaining({ value: "2nd", rows: 7 })]);
    } finally {
      await monitor.close();
    }
  });
});
