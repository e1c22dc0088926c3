/**
 * `measureLatency` in every target's real runtime (workerd through miniflare, the deno binary, headless Chromium, this
 * Node process), one call per target with three models: a small MLP (the baseline), a much larger one, and the small
 * one again under another id. The large one must be measured slower with a CI above 1; the small one compared with
 * itself must come out near 1. The machine is shared and noisy (2 cores), so the self-comparison's interval must reach
 * into 0.75-1.33 rather than contain 1, which by design fails 5% of the time; a real 1.5x difference still fails it.
 */
import { describe, expect, it } from "vitest";
import { EdgeMlError } from "../../core/errors.ts";
import { type LatencyReport, type LatencyTarget, measureLatency } from "../../cli/optimize/latency/index.ts";
import { mlpModel } from "../fixtures/onnx-builder.ts";

const small = mlpModel([256, 64, 10], 1);
const large = mlpModel([256, 1024, 1024, 10], 2);
// Two different inputs, cycled through.
const feeds = [0, 1].map((k) => ({ x: { dtype: "float32" as const, dims: [1, 256], data: Array.from({ length: 256 }, (_, i) => Math.sin(i * (k + 1))) } }));

async function measure(target: LatencyTarget): Promise<LatencyReport> {
  const progress: [number, number][] = [];
  const t = performance.now();
  const report = await measureLatency({
    target,
    models: [
      { id: "small", bytes: small },
      { id: "large", bytes: large },
      { id: "small-again", bytes: small },
    ],
    feeds,
    budgetMs: 8000,
    onProgress: (done, total) => progress.push([done, total]),
  });
  console.log(`${target}: ${Math.round(performance.now() - t)} ms\n${JSON.stringify(report)}`);
  expect(progress.length).toBeGreaterThan(0);
  expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
  return report;
}

function expectLatency(report: LatencyReport, target: LatencyTarget, runtime: RegExp) {
  expect(report.target).toBe(target);
  expect(report.runtime).toMatch(/^onnxruntime-web 1\.30\.\d+ wasm \(1 thread\) in /);
  expect(report.runtime).toMatch(runtime);
  expect(report.models.map((m) => m.id)).toEqual(["small", "large", "small-again"]);
  for (const m of report.models) {
    expect(m.medianUs).toBeGreaterThan(0);
    expect(m.p90Us).toBeGreaterThanOrEqual(m.medianUs);
    expect(m.runs).toBeGreaterThanOrEqual(10);
    expect(m.loadMs).toBeGreaterThanOrEqual(0);
  }
  const [big, self] = report.ratios;
  expect(big).toMatchObject({ id: "large", vs: "small" });
  expect(big!.blocks).toBeGreaterThanOrEqual(10);
  // ~5-15x measured here: any real difference of that size puts the whole interval above 1.
  expect(big!.ratio).toBeGreaterThan(1);
  expect(big!.ci95[0]).toBeGreaterThan(1);
  expect(big!.ci95[0]).toBeLessThanOrEqual(big!.ratio);
  expect(big!.ci95[1]).toBeGreaterThanOrEqual(big!.ratio);
  expect(self).toMatchObject({ id: "small-again", vs: "small" });
  // The interval must reach into 0.75-1.33: under load (CI runs four legs on 2 cores) the point estimate of two equal
  // models moved to 1.66 once, with an interval as wide as the noise; a real 1.5x difference has a tight interval
  // above 1.33 and still fails.
  expect(self!.ci95[1]).toBeGreaterThan(0.75);
  expect(self!.ci95[0]).toBeLessThan(1.33);
}

describe("measureLatency in the target's runtime", () => {
  it("worker: onnxruntime-web in workerd (miniflare)", async () => {
    expectLatency(await measure("worker"), "worker", /in workerd \d/);
  });
  it("deno: onnxruntime-web in the deno binary", async () => {
    expectLatency(await measure("deno"), "deno", /in Deno \d/);
  });
  it("browser: onnxruntime-web WASM in headless Chromium", async () => {
    expectLatency(await measure("browser"), "browser", /in Chromium \d/);
  });
  it("node: onnxruntime-web wasm in this process", async () => {
    expectLatency(await measure("node"), "node", /in Node v\d/);
  });
});

describe("measureLatency refuses what the runtime cannot run", () => {
  it("a feed without the model's input, and bytes that are not a model, as user errors", async () => {
    const fail = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e as EdgeMlError,
      );
    const missing = await fail(measureLatency({ target: "node", models: [{ id: "small", bytes: small }], feeds: [{ y: feeds[0]!.x }], budgetMs: 500 }));
    expect(missing).toBeInstanceOf(EdgeMlError);
    expect(missing).toMatchObject({ code: "ERR_BAD_INPUT", message: expect.stringContaining('model small needs input "x"') });
    const garbage = await fail(
      measureLatency({
        target: "node",
        models: [
          { id: "small", bytes: small },
          { id: "junk", bytes: new Uint8Array([1, 2, 3]) },
        ],
        feeds,
        budgetMs: 500,
      }),
    );
    expect(garbage).toMatchObject({ code: "ERR_BAD_MODEL_FILE", message: expect.stringContaining("junk") });
  });
});
