/**
 * `models add --samples`: recorded requests checked line by line against the model's IO (the edge's own V2 parser),
 * stored as samples.jsonl with the version and recorded in the manifest (contract version 3); a bad line names the
 * file, line and field path, and nothing is written.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Manifest } from "../../../core/schema/manifest.ts";
import { sha256Bytes } from "../../../cli/project/hash.ts";
import { readSamples } from "../../../cli/registry/samples.ts";
import { runCli } from "../../helpers/cli.ts";
import { tempDir } from "../../helpers/tmp.ts";
import { MLP, mlpSamples, writeJsonl } from "../model-validate/mlp-samples.ts";

describe("models add --samples", () => {
  const dir = tempDir();
  mkdirSync(join(dir, "models"));

  it("stores the samples with the version: samples.jsonl, its hash and counts in a version-3 manifest", async () => {
    const file = writeJsonl(join(dir, "good.jsonl"), await mlpSamples(3));
    const r = await runCli(["models", "add", MLP, "--name", "mlp", "--version", "1.0.0", "--samples", "good.jsonl"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("  samples: 3 lines (2 with outputs, 1 with labels) → samples.jsonl");
    expect(r.stdout).toContain("  next:    npx edge-ml validate mlp@1.0.0");
    const version = join(dir, "models", "mlp", "1.0.0");
    const manifest = Manifest.parse(JSON.parse(readFileSync(join(version, "manifest.json"), "utf8")));
    const bytes = readFileSync(file);
    expect(manifest.schemaVersion).toBe(3);
    expect(manifest.samples).toEqual({ file: "samples.jsonl", sha256: sha256Bytes(bytes), bytes: bytes.byteLength, lines: 3, withOutputs: 2, withLabels: 1 });
    expect(readFileSync(join(version, "samples.jsonl"))).toEqual(bytes);

    const show = await runCli(["models", "show", "mlp@1.0.0"], dir);
    expect(show.stdout).toContain("samples   samples.jsonl  3 lines (2 with outputs, 1 with labels)");
    expect(show.stdout).toContain("variants  -");
  });

  it("without --samples a tensor model stays on contract version 1", async () => {
    expect((await runCli(["models", "add", MLP, "--name", "mlp", "--version", "0.9.0"], dir)).code).toBe(0);
    const m = JSON.parse(readFileSync(join(dir, "models", "mlp", "0.9.0", "manifest.json"), "utf8")) as Record<string, unknown>;
    expect(m["schemaVersion"]).toBe(1);
    expect(m["samples"]).toBeUndefined();
  });

  it("the loader gives typed feeds, expected outputs and labels per line, with line numbers", async () => {
    const lines = readSamples(join(dir, "good.jsonl"), {
      inputs: [{ name: "x", dtype: "float32", shape: ["batch", 4] }],
      outputs: [{ name: "y", dtype: "float32", shape: ["batch", 3] }],
    });
    expect(lines.map((l) => l.line)).toEqual([1, 2, 3]);
    expect(lines[0]?.feeds["x"]?.dims).toEqual([2, 4]);
    expect(lines[0]?.feeds["x"]?.data).toBeInstanceOf(Float32Array);
    expect(lines[0]?.outputs?.["y"]?.dims).toEqual([2, 3]);
    expect(lines[0]?.labels).toHaveLength(2);
    expect(lines[1]?.outputs).toBeUndefined();
  });

  it("a bad line is refused with file:line and the field path; nothing is written", async () => {
    const [good] = await mlpSamples(1);
    const x = good?.inputs[0];
    writeJsonl(join(dir, "bad.jsonl"), [
      good,
      { inputs: [{ ...x, shape: [2, 5] }] },
      { inputs: [{ ...x, name: "z" }] },
      { inputs: [{ ...x, datatype: "FP99" }] },
      "{not json",
      { ...good, labels: [1] },
      { ...good, outputs: [{ name: "y", shape: [2, 4], datatype: "FP32", data: [] }] },
      { ...good, extra: 1 },
      { ...good, labels: [0, 3] },
      { ...good, outputs: [{ name: "y", shape: [3, 3], datatype: "FP32", data: Array(9).fill(0) }] },
    ]);
    const r = await runCli(["models", "add", MLP, "--name", "mlp", "--version", "2.0.0", "--samples", "bad.jsonl"], dir);
    expect(r.code).toBe(1);
    const body = r.stderr.replace(/(: [^:\n]*JSON[^\n]*position \d+)[^\n]*/, "$1 …");
    expect(body.split("\n").slice(0, 11).join("\n")).toMatchInlineSnapshot(`
      "✖ bad.jsonl: 10 problems on lines 2, 3, 4, 5, 6, 7, 8, 9, 10
        • bad.jsonl:2: inputs[0].shape[1]: is 5, but the model input "x" needs 4 (shape [batch, 4])
        • bad.jsonl:3: inputs[0].name: "z" is not a model input (expected one of x)
        • bad.jsonl:3: inputs: missing input "x" (the model's inputs are: x)
        • bad.jsonl:4: inputs[0].datatype: "FP99" is not a V2 datatype (one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES)
        • bad.jsonl:5: (line): not JSON: Expected property name or '}' in JSON at position 1 …
        • bad.jsonl:6: labels: has 1 labels, but the batch has 2 rows (one label per row)
        • bad.jsonl:7: outputs[0].shape[1]: is 4, but the model output "y" needs 3
        • bad.jsonl:8: (root): unknown key "extra" (allowed: id, parameters, inputs, outputs, labels)
        • bad.jsonl:9: labels[1]: 3 is not a class index of the output "y" (0 to 2, its last axis)
        • bad.jsonl:10: outputs[0].shape[0]: is 3, but "batch" is 2 in this line's inputs (output shape [batch, 3])"
    `);
    expect(r.stderr).toContain("hint: each line is a KServe V2 request body");
    expect(existsSync(join(dir, "models", "mlp", "2.0.0"))).toBe(false);
    expect(readdirSync(join(dir, "models", "mlp")).sort()).toEqual(["0.9.0", "1.0.0"]);
  });

  it("one bad line: the message is that line's problem", async () => {
    const [good] = await mlpSamples(1);
    writeJsonl(join(dir, "one.jsonl"), [good, { inputs: [{ ...good?.inputs[0], shape: [2, 5] }] }]);
    const r = await runCli(["models", "add", MLP, "--name", "mlp", "--version", "2.0.0", "--samples", "one.jsonl"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe('✖ one.jsonl:2: inputs[0].shape[1]: is 5, but the model input "x" needs 4 (shape [batch, 4])');
    expect(existsSync(join(dir, "models", "mlp", "2.0.0"))).toBe(false);
  });

  it("a missing samples file is a user error", async () => {
    const r = await runCli(["models", "add", MLP, "--name", "mlp", "--version", "2.0.0", "--samples", "nope.jsonl"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("samples file nope.jsonl does not exist or is not a file");
  });
});
