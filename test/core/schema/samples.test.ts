import { describe, expect, it } from "vitest";
import { SampleLineJson } from "../../../core/schema/samples.ts";
import { isSamplesResult, ValidationResult } from "../../../core/validation/result.ts";

const x = { name: "x", shape: [1, 2], datatype: "FP32", data: [1, 2] };
const sha = "a".repeat(64);

describe("samples line schema", () => {
  it("takes a V2 request body with optional outputs and labels; unknown keys and bad datatypes are named", () => {
    expect(SampleLineJson.parse({ inputs: [x], outputs: [{ ...x, name: "y" }], labels: [1] }).labels).toEqual([1]);
    const bad = SampleLineJson.safeParse({ inputs: [], outputs: [{ ...x, datatype: "FP99" }], labels: [Number.NaN], extra: 1 });
    expect(bad.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
      "inputs: send at least one input",
      'outputs.0.datatype: "FP99" is not a V2 datatype (one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES)',
      "labels.0: Invalid input: expected number, received NaN",
      ': unknown key "extra" (allowed: id, parameters, inputs, outputs, labels)',
    ]);
  });
});

describe("validation result union", () => {
  it("a samples result parses and is told apart from a tabular one by its `samples` key", () => {
    const r = ValidationResult.parse({
      v: 1,
      blessed: true,
      date: "2026-12-02T05:00:00.000Z",
      task: "tensor",
      artifactSha256: sha,
      runtime: "wasm",
      samples: { file: "samples.jsonl", sha256: sha, lines: 2, withOutputs: 1, withLabels: 0 },
      outputs: [{ name: "y", lines: 2, values: 6, maxAbsError: 1e-7, maxRelError: null, minCosine: 1, argmaxAgreement: 1, rows: 2, worstLine: 1 }],
      labels: null,
      checks: [
        { kind: "samples", metric: "max_abs_error", output: "y", slice: null, rows: 6, value: 1e-7, threshold: 1e-4, op: "<=", pass: true, message: "ok" },
      ],
    });
    expect(isSamplesResult(r)).toBe(true);
    expect(ValidationResult.safeParse({ ...r, data: {} }).success).toBe(false);
  });
});
