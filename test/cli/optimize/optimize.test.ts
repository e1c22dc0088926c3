/**
 * `edge-ml optimize` end to end in a temp project (latency measured in this process's onnxruntime-web, target node,
 * with a short budget; the workerd path is in test/integration/optimize.test.ts). Latency gates are loosened here
 * except where a test is about them: these tests check what is kept and written, not how fast this machine is.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ortNode from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Bytes } from "../../../cli/project/hash.ts";
import { Manifest } from "../../../core/schema/manifest.ts";
import { runCli } from "../../helpers/cli.ts";
import { FIXTURES, tempDir } from "../../helpers/tmp.ts";
import { titanicProject } from "../../helpers/validate-project.ts";

const CONVNET = join(FIXTURES, "optimize", "convnet.onnx");
const CONVNET_SAMPLES = join(FIXTURES, "optimize", "convnet.samples.jsonl");
const FAST = ["--target", "node", "--latency-budget", "2"];

function project(config: object): string {
  const dir = tempDir();
  writeFileSync(join(dir, "edge-ml.config.json"), JSON.stringify(config));
  return dir;
}

const readManifest = (dir: string, name: string, version = "1.0.0") =>
  Manifest.parse(JSON.parse(readFileSync(join(dir, "models", name, version, "manifest.json"), "utf8")));

describe("optimize a tensor model on its stored samples", () => {
  let dir: string;
  beforeAll(async () => {
    dir = project({ optimize: { maxLatencyRatio: 10 } });
    const add = await runCli(["models", "add", CONVNET, "--name", "convnet", "--version", "1.0.0", "--samples", CONVNET_SAMPLES], dir);
    expect(add.code, add.stderr).toBe(0);
  });

  it("keeps the smallest int8 scheme that passes, at most 0.30x the bytes, with its gates, and records it in manifest v3", async () => {
    const r = await runCli(["optimize", "convnet@1.0.0", "--quantize", "int8", ...FAST, "--json"], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.candidates.map((c: { recipe: string }) => c.recipe)).toEqual(["int8-per-channel", "int8-per-tensor", "int8-dynamic"]);
    expect(report.comparedOn).toMatchObject({ kind: "samples", rows: 24 });
    const m = readManifest(dir, "convnet");
    expect(m.schemaVersion).toBe(3);
    expect(m.variants).toHaveLength(1);
    const v = m.variants[0];
    if (v === undefined || "checks" in v) throw new Error("expected a version-3 variant");
    expect(v).toMatchObject({ name: "int8", kind: "int8", target: "node", parent: { file: "model.onnx", sha256: m.artifact.sha256 } });
    expect(v.bytes / m.artifact.bytes).toBeLessThanOrEqual(0.3);
    const bytes = readFileSync(join(dir, "models", "convnet", "1.0.0", v.file));
    expect(sha256Bytes(bytes)).toBe(v.sha256);
    expect(v.gates.map((g) => g.kind)).toEqual(expect.arrayContaining(["metric", "argmax", "latency"]));
    expect(v.gates.every((g) => g.pass)).toBe(true);
    // The kept file is the smallest passing candidate.
    const passing = report.candidates.filter((c: { pass: boolean }) => c.pass).map((c: { bytes: number }) => c.bytes);
    expect(v.bytes).toBe(Math.min(...passing));

    // The variant runs in onnxruntime-node and its argmax agrees with fp32's on a sample.
    const line = JSON.parse(readFileSync(CONVNET_SAMPLES, "utf8").split("\n")[0] as string);
    const input = line.inputs[0];
    const feeds = { [input.name]: new ortNode.Tensor("float32", Float32Array.from(input.data), input.shape) };
    const fp32 = await ortNode.InferenceSession.create(join(dir, "models", "convnet", "1.0.0", "model.onnx"));
    const int8 = await ortNode.InferenceSession.create(new Uint8Array(bytes));
    const a = (await fp32.run(feeds))["logits"]?.data as Float32Array;
    const b = (await int8.run(feeds))["logits"]?.data as Float32Array;
    const argmax = (x: Float32Array, off: number) => [...x.slice(off, off + 10)].reduce((best, v, i, arr) => (v > (arr[best] as number) ? i : best), 0);
    for (let row = 0; row < a.length / 10; row++) expect(argmax(b, row * 10)).toBe(argmax(a, row * 10));
  });

  it("replaces a variant of the same name when rerun, and keeps variants of other names", async () => {
    const fp16 = await runCli(["optimize", "convnet@1.0.0", "--quantize", "fp16", ...FAST], dir);
    expect(fp16.code, fp16.stdout + fp16.stderr).toBe(0);
    expect(fp16.stdout).toMatch(/kept variant fp16/);
    const before = readManifest(dir, "convnet").variants.map((v) => v.name);
    expect(before).toEqual(["int8", "fp16"]);
    const again = await runCli(["optimize", "convnet@1.0.0", "--quantize", "fp16", ...FAST, "--name", "fp16"], dir);
    expect(again.code).toBe(0);
    expect(readManifest(dir, "convnet").variants.map((v) => v.name)).toEqual(["int8", "fp16"]);
  });

  it("models show lists the variants, and build --variant bundles the variant's bytes", async () => {
    const show = await runCli(["models", "show", "convnet@1.0.0"], dir);
    expect(show.stdout).toMatch(/int8/);
    const out = join(dir, "dist-int8");
    const built = await runCli(["build", "convnet@1.0.0", "--variant", "int8", "--target", "node", "--out", out, "--json"], dir);
    expect(built.code, built.stderr + built.stdout).toBe(0);
    const v = readManifest(dir, "convnet").variants.find((x) => x.name === "int8");
    expect(JSON.parse(built.stdout).model).toEqual({ name: "convnet", version: "1.0.0+int8", sha256: v?.sha256 });
    expect(sha256Bytes(readFileSync(join(out, "model.onnx")))).toBe(v?.sha256);
    const missing = await runCli(["build", "convnet@1.0.0", "--variant", "int3", "--target", "node", "--out", out], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/has no variant "int3"[\s\S]*its variants: int8, fp16/);
  });

  it("keeps nothing when the latency gate cannot be met, and says which gate failed", async () => {
    const strict = project({ optimize: { maxLatencyRatio: 0.01 } });
    await runCli(["models", "add", CONVNET, "--name", "convnet", "--version", "1.0.0", "--samples", CONVNET_SAMPLES], strict);
    const r = await runCli(["optimize", "convnet@1.0.0", "--quantize", "fp16", ...FAST], strict);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/fail: latency/);
    expect(r.stdout).toMatch(/nothing was written/);
    expect(readManifest(strict, "convnet").variants).toEqual([]);
    expect(existsSync(join(strict, "models", "convnet", "1.0.0", "model.fp16.onnx"))).toBe(false);
  });
});

describe("optimize a tabular model on an evaluation CSV", () => {
  it("graph optimization alone: the task metric and predictions are unchanged, the variant is kept", async () => {
    const dir = titanicProject({ optimize: { maxLatencyRatio: 10 } });
    const r = await runCli(["optimize", "titanic@1.0.0", "--level", "extended", "--data", "eval.csv", ...FAST, "--json"], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const [c] = report.candidates;
    expect(c.metric.name).toBe("roc_auc");
    expect(Math.abs(c.metric.loss)).toBeLessThan(1e-6);
    expect(c.agreement[0].argmaxAgreement).toBe(1);
    expect(report.kept).toMatchObject({ name: "optimized", kind: "optimized", recipe: { level: "extended", scheme: null } });
    expect(report.comparedOn).toMatchObject({ kind: "data", file: "eval.csv" });
  });

  it("a model too small to quantize is refused with the reason, and nothing is written", async () => {
    const dir = titanicProject();
    const before = readFileSync(join(dir, "models", "titanic", "1.0.0", "manifest.json"), "utf8");
    const r = await runCli(["optimize", "titanic@1.0.0", "--quantize", "int8", "--data", "eval.csv", ...FAST], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/int8-per-channel: .*(too small|nothing)/i);
    expect(readFileSync(join(dir, "models", "titanic", "1.0.0", "manifest.json"), "utf8")).toBe(before);
  });

  it("usage errors say what to pass", async () => {
    const dir = titanicProject();
    const none = await runCli(["optimize", "titanic@1.0.0", "--data", "eval.csv"], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/nothing to do: pass --quantize and\/or --level/);
    const bad = await runCli(["optimize", "titanic@1.0.0", "--quantize", "int3"], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/int8, int8-dynamic, fp16, int4/);
    const noInputs = await runCli(["optimize", "titanic@1.0.0", "--quantize", "fp16"], dir);
    expect(noInputs.code).toBe(1);
    expect(noInputs.stderr).toMatch(/--data <eval.csv>/);
  });
});
