/**
 * Threaded WASM in the browser build (issue 13), in headless Chromium. Served cross-origin isolated (COOP + COEP +
 * CORP), onnxruntime-web runs on several threads: its pthreads are module workers started from its own chunk under
 * chunks/, and `model.threads` says how many. Served without those headers, it runs on one thread and starts no
 * worker; nor does an isolated page importing the build from another origin (a CDN), where ORT's workers could not
 * start. All give onnxruntime-node's outputs. hardwareConcurrency is pinned to 4 through the DevTools protocol so
 * the thread count does not depend on this machine's cores.
 */
import { parse } from "csv-parse/sync";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { createPreprocessor } from "../../core/preprocess.ts";
import { Manifest } from "../../core/schema/manifest.ts";
import { inPage, launchChromium } from "../helpers/chromium.ts";
import { referenceRun } from "../helpers/reference.ts";
import { CROSS_ORIGIN_ISOLATION, serveStatic } from "../helpers/static-server.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const dir = join(REPO_ROOT, "models", "titanic", "1.0.0");
const manifest = Manifest.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
const rows = parse(readFileSync(join(REPO_ROOT, "examples", "titanic", "data", "eval.csv")), { columns: true, bom: true }) as Record<string, string>[];
const instances = rows.slice(0, 50).map((r) => ({ sex: r["sex"]!, age: r["age"] === "" ? null : Number(r["age"]), passengerClass: r["passengerClass"]! }));
const CORES = 4;

let isolated: Awaited<ReturnType<typeof serveStatic>>;
let plain: Awaited<ReturnType<typeof serveStatic>>;
let cdn: Awaited<ReturnType<typeof serveStatic>>;
let browser: Browser;
let expected: number[];

beforeAll(async () => {
  const build = await buildTarget({ root: REPO_ROOT, ref: "titanic@1.0.0", target: "browser", engine: "ort", outDir: join(tempDir(), "site"), parity: false });
  // A page that loads no model by itself (the demo page would start ORT before the test's options).
  writeFileSync(join(build.outDir, "blank.html"), `<!doctype html><title>threads</title><link rel="icon" href="data:,">\n`);
  [isolated, plain, cdn] = await Promise.all([
    serveStatic(build.outDir, { headers: { ...CROSS_ORIGIN_ISOLATION } }),
    serveStatic(build.outDir),
    serveStatic(build.outDir, { headers: { "cross-origin-resource-policy": "cross-origin", "access-control-allow-origin": "*" } }),
  ]);
  browser = await launchChromium();
  const x = createPreprocessor(manifest.preprocessing!).transform(instances).get("features")!;
  const out = await referenceRun(join(dir, "model.onnx"), { features: { dtype: "float32", data: x.data as Float32Array, dims: [...x.dims] } });
  expected = Array.from(out["logit"]!.data as Float32Array, (z) => 1 / (1 + Math.exp(-z)));
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([isolated?.close(), plain?.close(), cdn?.close()]);
});

interface Opened {
  page: Page;
  /** Uncaught errors and console warnings/errors (ORT warns when it falls back to one thread). */
  problems: string[];
}

/** A fresh page (own context) on the site, with `navigator.hardwareConcurrency` pinned before anything runs. */
async function open(site: { url: string }): Promise<Opened> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "warning" || m.type() === "error") problems.push(m.text());
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Emulation.setHardwareConcurrencyOverride", { hardwareConcurrency: CORES });
  await page.goto(`${site.url}blank.html`);
  return { page, problems };
}

interface Loaded {
  isolated: boolean;
  device: string;
  threads: number;
  scores: number[];
}

const loadAndPredict = (page: Page, options: Record<string, unknown> = {}, module?: string) =>
  inPage<Loaded>(
    page,
    `const model = await mod.loadModel({ device: "wasm", ...args.options });
     const { predictions } = await model.predict(args.instances);
     return { isolated: crossOriginIsolated, device: model.device, threads: model.threads, scores: predictions.map((p) => p.score) };`,
    { options, instances },
    module,
  );

/**
 * The page's workers: ORT's pthreads are module workers started from the URL of ORT's own chunk. (Nothing can be
 * evaluated in them: a pthread's event loop sits blocked in Atomics.wait between tasks.)
 */
const workerPaths = (page: Page): string[] => page.workers().map((w) => new URL(w.url()).pathname);

function expectReferenceScores(scores: number[]) {
  expect(scores).toHaveLength(expected.length);
  scores.forEach((s, i) => expect(Math.abs(s - expected[i]!), `score ${i}`).toBeLessThanOrEqual(1e-4 + 1e-3 * Math.abs(expected[i]!)));
}

describe("threaded WASM in the browser build (Chromium)", () => {
  it("cross-origin isolated: several threads, one pthread worker per extra thread from ORT's chunk, onnxruntime-node's scores", async () => {
    const { page, problems } = await open(isolated);
    const r = await loadAndPredict(page);
    expect({ isolated: r.isolated, device: r.device, threads: r.threads }).toEqual({ isolated: true, device: "wasm", threads: CORES });
    const workers = workerPaths(page);
    expect(workers).toHaveLength(CORES - 1);
    for (const path of workers) expect(path).toMatch(/^\/chunks\/ort\.wasm\.bundle\.min-[A-Z0-9]+\.js$/);
    expectReferenceScores(r.scores);
    expect(problems).toEqual([]);
  });

  it("the threads option caps them; the runtime starts once per page, so a later model reports the first count", async () => {
    const { page, problems } = await open(isolated);
    const first = await loadAndPredict(page, { threads: 2 });
    expect(first.threads).toBe(2);
    expect(workerPaths(page)).toHaveLength(1);
    const second = await loadAndPredict(page, { threads: 3 });
    expect(second.threads).toBe(2);
    expect(workerPaths(page)).toHaveLength(1);
    expectReferenceScores(second.scores);
    expect(problems).toEqual([]);
  });

  it("not isolated: one thread, no worker, the same scores", async () => {
    const { page, problems } = await open(plain);
    const r = await loadAndPredict(page, { threads: 4 });
    expect({ isolated: r.isolated, device: r.device, threads: r.threads }).toEqual({ isolated: false, device: "wasm", threads: 1 });
    expect(page.workers()).toEqual([]);
    expectReferenceScores(r.scores);
    expect(problems).toEqual([]);
  });

  it("isolated, with the build imported from another origin: 1 thread, no worker (one could not start from there), the same scores", async () => {
    const { page, problems } = await open(isolated);
    const r = await loadAndPredict(page, {}, `${cdn.url}edge-ml-model.js`);
    expect({ isolated: r.isolated, device: r.device, threads: r.threads }).toEqual({ isolated: true, device: "wasm", threads: 1 });
    expect(page.workers()).toEqual([]);
    expectReferenceScores(r.scores);
    expect(problems).toEqual([]);
  });
});
