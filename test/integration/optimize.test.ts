/**
 * Issue 10's path as a new user walks it, in real runtimes: a trained conv net of a few MB (opset 11, dynamic width)
 * registered with its recorded samples; `optimize --quantize int8` measured in workerd keeps a variant at most 0.30x
 * the bytes; the variant, built with `--variant int8` and served in workerd, answers every sample with the fp32
 * model's argmax (fp32 run by onnxruntime-node, the reference) and with the same numbers onnxruntime-node gives for
 * the variant file itself; `validate --variant` on the samples blesses it; `deploy --dry-run --variant int8` passes
 * the gate without --force (the real pinned wrangler).
 *
 * The latency gate is loosened to 2x in this project: CI machines are shared and the default 1.10x is a judgement
 * about a quiet machine (bench/optimize.ts reports the real ratios); the gate's logic is tested in
 * test/cli/optimize/optimize.test.ts.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ortNode from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { Manifest } from "../../core/schema/manifest.ts";
import { serveWorker, type WorkerServer } from "../../targets/worker/serve.ts";
import { runCli } from "../helpers/cli.ts";
import { FIXTURES, tempDir } from "../helpers/tmp.ts";

const CONVNET = join(FIXTURES, "optimize", "convnet.onnx");
const SAMPLES = join(FIXTURES, "optimize", "convnet.samples.jsonl");

interface V2Tensor {
  name: string;
  shape: number[];
  datatype: string;
  data: number[];
}
const lines = readFileSync(SAMPLES, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as { inputs: V2Tensor[]; outputs?: V2Tensor[]; labels?: number[] });

function argmaxRows(data: ArrayLike<number>, k: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < data.length / k; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if ((data[r * k + j] as number) > (data[r * k + best] as number)) best = j;
    out.push(best);
  }
  return out;
}

describe("optimize a conv net to int8 and serve the variant in workerd", () => {
  const dir = tempDir();
  let server: WorkerServer | undefined;
  let manifest: Manifest;

  beforeAll(async () => {
    writeFileSync(join(dir, "edge-ml.config.json"), JSON.stringify({ optimize: { maxLatencyRatio: 2 } }));
    const add = await runCli(["models", "add", CONVNET, "--name", "convnet", "--version", "1.0.0", "--samples", SAMPLES], dir);
    expect(add.code, add.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("optimize --quantize int8 (latency in workerd) keeps a variant at most 0.30x the bytes", async () => {
    const r = await runCli(["optimize", "convnet@1.0.0", "--quantize", "int8", "--latency-budget", "8", "--json"], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.latencyRuntime).toMatch(/in workerd/);
    manifest = Manifest.parse(JSON.parse(readFileSync(join(dir, "models", "convnet", "1.0.0", "manifest.json"), "utf8")));
    const v = manifest.variants.find((x) => x.name === "int8");
    expect(v?.bytes).toBeDefined();
    expect((v?.bytes ?? Infinity) / manifest.artifact.bytes).toBeLessThanOrEqual(0.3);
    if (v === undefined || "checks" in v) throw new Error("no version-3 variant");
    expect(v.target).toBe("worker");
    const latency = v.gates.find((g) => g.kind === "latency");
    expect(latency?.ci95?.[0]).toBeLessThanOrEqual(latency?.value ?? 0);
  });

  it("build --variant int8 served in workerd: fp32's argmax on every sample, and the variant's own numbers from onnxruntime-node", async () => {
    const build = await buildTarget({ root: dir, ref: "convnet@1.0.0", target: "worker", variant: "int8", outDir: join(dir, "dist-int8") });
    expect(build.model.version).toBe("1.0.0+int8");
    server = await serveWorker(build.outDir, { port: 0 });
    const fp32 = await ortNode.InferenceSession.create(CONVNET);
    const int8 = await ortNode.InferenceSession.create(join(dir, "models", "convnet", "1.0.0", "model.int8.onnx"));
    let rows = 0;
    let agree = 0;
    let maxDiff = 0;
    for (const line of lines) {
      const res = await fetch(new URL("v2/models/convnet/infer", server.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ inputs: line.inputs }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-edge-ml-version")).toBe("1.0.0+int8");
      const body = (await res.json()) as { outputs: V2Tensor[] };
      const served = body.outputs[0]?.data ?? [];
      const input = line.inputs[0] as V2Tensor;
      const feeds = { [input.name]: new ortNode.Tensor("float32", Float32Array.from(input.data), input.shape) };
      const ref = (await fp32.run(feeds))["logits"]?.data as Float32Array;
      const own = (await int8.run(feeds))["logits"]?.data as Float32Array;
      const a = argmaxRows(ref, 10);
      const b = argmaxRows(served, 10);
      rows += a.length;
      agree += a.filter((x, i) => x === b[i]).length;
      for (let i = 0; i < own.length; i++) maxDiff = Math.max(maxDiff, Math.abs((own[i] as number) - (served[i] as number)));
    }
    // Same file, two engines (wasm in workerd vs native): equal up to float summation order.
    expect(maxDiff).toBeLessThan(1e-3);
    expect(agree / rows).toBe(1);
  });

  it("validate --variant int8 on the stored samples blesses it, and deploy --dry-run --variant int8 passes the gate without --force", async () => {
    const v = await runCli(["validate", "convnet@1.0.0", "--variant", "int8", "--json"], dir);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).blessed).toBe(true);
    const unvalidated = await runCli(["deploy", "convnet@1.0.0", "--dry-run"], dir);
    expect(unvalidated.code).toBe(1);
    const d = await runCli(["deploy", "convnet@1.0.0", "--variant", "int8", "--dry-run", "--out", "dist/w", "--json"], dir);
    expect(d.code, d.stdout + d.stderr).toBe(0);
    const variant = Manifest.parse(JSON.parse(readFileSync(join(dir, "models", "convnet", "1.0.0", "manifest.json"), "utf8"))).variants.find(
      (x) => x.name === "int8",
    );
    expect(JSON.parse(d.stdout).model).toMatchObject({ name: "convnet", version: "1.0.0+int8", sha256: variant?.sha256 });
  });
});
