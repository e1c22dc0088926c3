/** The body limit follows the model: enough for a JSON request at maxBatch, within 1 MiB..32 MiB; the 413 hint. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bodyLimitHint, deriveMaxBodyBytes, featureBodyBytes, tensorBodyBytes } from "../../core/body-limit.ts";
import type { TensorSpec } from "../../core/schema/manifest.ts";
import { REPO_ROOT } from "../helpers/tmp.ts";

const MIB = 1024 * 1024;
const tensor = (...inputs: TensorSpec[]) => ({ io: { inputs } });
const image: TensorSpec = { name: "image", dtype: "float32", shape: ["batch", 3, 320, 320] };

describe("deriveMaxBodyBytes", () => {
  it("a 320x320 image model: one JSON image (5.9 MB of text at 24 bytes a value) fits at batch 1", () => {
    const limit = deriveMaxBodyBytes(tensor(image), { maxBatch: 1 });
    expect(limit).toBe(8 * MIB);
    // What a client actually sends: JSON.stringify of 307,200 float32 values in [0, 1).
    const values = Array.from({ length: 3 * 320 * 320 }, (_, i) => Math.fround(((i * 7919) % 1000) / 1001));
    const body = JSON.stringify({ inputs: [{ name: "image", shape: [1, 3, 320, 320], datatype: "FP32", data: values }] });
    expect(body.length).toBeGreaterThan(5 * 1000 * 1000);
    expect(body.length).toBeLessThan(limit);
  });

  it("at maxBatch 256 the batch is bounded by the predictor's 4M elements (13 images) and the limit by 32 MiB", () => {
    expect(tensorBodyBytes([image], { maxBatch: 256 })).toBe(13 * 3 * 320 * 320 * 24 + 64 * 1024);
    expect(deriveMaxBodyBytes(tensor(image), { maxBatch: 256 })).toBe(32 * MIB);
    // Binary at that batch still fits: 13 x 1.2 MB.
    expect(13 * 3 * 320 * 320 * 4).toBeLessThan(32 * MIB);
  });

  it("small tensor and tabular models keep 1 MiB", () => {
    expect(deriveMaxBodyBytes(tensor({ name: "x", dtype: "float32", shape: ["batch", 4] }), { maxBatch: 256 })).toBe(MIB);
    const titanic = JSON.parse(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8"));
    expect(deriveMaxBodyBytes(titanic, { maxBatch: 256 })).toBe(MIB);
  });

  it("grows with maxBatch for mid-size tensors, and adds every input", () => {
    const x: TensorSpec = { name: "x", dtype: "float32", shape: [null, 1000] };
    const ids: TensorSpec = { name: "ids", dtype: "int64", shape: ["batch", 500] };
    expect(tensorBodyBytes([x, ids], { maxBatch: 100 })).toBe(100 * (1000 * 24 + 500 * 21) + 64 * 1024);
    expect(deriveMaxBodyBytes(tensor(x, ids), { maxBatch: 100 })).toBe(4 * MIB);
  });

  it("a fixed first dim is the batch the model takes", () => {
    const fixed: TensorSpec = { name: "image", dtype: "float32", shape: [1, 3, 320, 320] };
    expect(tensorBodyBytes([fixed], { maxBatch: 256 })).toBe(3 * 320 * 320 * 24 + 64 * 1024);
  });

  it("dynamic inner dims and strings get the generous ceiling", () => {
    expect(deriveMaxBodyBytes(tensor({ name: "image", dtype: "float32", shape: ["batch", 3, "h", "w"] }), { maxBatch: 1 })).toBe(32 * MIB);
    expect(deriveMaxBodyBytes(tensor({ name: "text", dtype: "string", shape: ["batch"] }), { maxBatch: 1 })).toBe(32 * MIB);
  });

  it("image and audio features get 8 MiB each per instance", () => {
    const features = [
      { name: "photo", type: "image" },
      { name: "age", type: "number" },
    ];
    expect(featureBodyBytes(features, 2)).toBeGreaterThan(16 * MIB);
    expect(deriveMaxBodyBytes({ ...tensor(image), features }, { maxBatch: 2 })).toBe(17 * MIB);
    expect(deriveMaxBodyBytes({ ...tensor(image), features }, { maxBatch: 256 })).toBe(32 * MIB);
  });
});

describe("bodyLimitHint", () => {
  it("names the limit, the config key and env var, and for tensor models the binary extension", () => {
    const hint = bodyLimitHint(tensor(image), { maxBodyBytes: 8 * MIB, maxBatch: 256 });
    expect(hint).toContain("now 8388608 bytes");
    expect(hint).toContain("edge.maxBodyBytes");
    expect(hint).toContain("EDGE_ML_MAX_BODY_BYTES");
    expect(hint).toContain("Inference-Header-Content-Length");
    const features = bodyLimitHint({ ...tensor(image), features: [{ name: "age", type: "number" }] }, { maxBodyBytes: MIB, maxBatch: 64 });
    expect(features).toMatch(/^send at most 64 instances per request/);
    expect(features).toContain("edge.maxBodyBytes");
    expect(features).not.toContain("Inference-Header");
  });
});
