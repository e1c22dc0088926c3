/**
 * `validate --data --variant`: a tabular variant's own result (the fp32 one untouched); and the agreement measures
 * on hand-made tensors (relative-error floor, non-finite values, zero vectors, argmax ties and one-value last axes).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createAgreement } from "../../../cli/model-validate/agreement.ts";
import { variantChecks } from "../../../cli/model-validate/samples-checks.ts";
import { Manifest } from "../../../core/schema/manifest.ts";
import { SamplesGates } from "../../../core/validation/gates.ts";
import { runCli } from "../../helpers/cli.ts";
import { addCopyVariant } from "../../helpers/variant.ts";
import { manifestFile, titanicProject } from "../../helpers/validate-project.ts";

const f32 = (dims: number[], data: number[]) => ({ dtype: "float32" as const, dims, data: Float32Array.from(data) });

describe("validate --data --variant", () => {
  it("runs the variant's file on the CSV and writes its result into the variant only", async () => {
    const dir = titanicProject({ gates: { absolute: [{ metric: "roc_auc", min: 0.8 }] } });
    const file = manifestFile(dir, "1.0.0");
    const version = join(dir, "models", "titanic", "1.0.0");
    const { before: m } = addCopyVariant(version, {
      recipe: { level: "extended", scheme: null, excluded: [] },
      comparedOn: { kind: "data", file: "eval.csv", sha256: "0".repeat(64), rows: 328 },
      gates: [],
    });
    const r = await runCli(["validate", "titanic@1.0.0", "--data", "eval.csv", "--variant", "copy", "--resamples", "100"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^✔ titanic@1\.0\.0 \(variant copy\) is blessed \(binary; 328 of 328 rows/);
    expect(r.stdout).toContain("next: npx edge-ml deploy titanic@1.0.0 --variant copy --dry-run");
    const after = Manifest.parse(JSON.parse(readFileSync(file, "utf8")));
    expect(after.validation).toEqual(m.validation);
    const v = after.variants[0];
    expect(v && "validation" in v ? v.validation : undefined).toMatchObject({ blessed: true, artifactSha256: m.artifact.sha256 });
  });
});

describe("agreement measures", () => {
  it("max abs, relative with the 1e-3 floor, lowest cosine per line, argmax agreement over rows", () => {
    const a = createAgreement("y");
    expect(a.add(1, f32([2, 2], [1, 0, 0, 1]), f32([2, 2], [1, 0, 0, 1]))).toBeUndefined();
    expect(a.add(2, f32([2, 2], [1e-4, 0.5, 0.3, 0.2]), f32([2, 2], [0, 0.5, 0.2, 0.3]))).toBeUndefined();
    const r = a.finish();
    expect(r).toMatchObject({ name: "y", lines: 2, values: 8, rows: 4, argmaxAgreement: 0.75, worstLine: 2 });
    expect(r.maxAbsError).toBeCloseTo(0.1, 6);
    // 1e-4 against 0 is 1e-4 / 1e-3 = 0.1 (floored), 0.1 against 0.3 and 0.2 is 0.5.
    expect(r.maxRelError).toBeCloseTo(0.5, 6);
    expect(r.minCosine).toBeLessThan(1);
    expect(r.minCosine).toBeGreaterThan(0.9);
  });

  it("NaN where the reference has a number is not finite; equal NaNs agree; zero vectors agree with each other", () => {
    const nan = createAgreement("y");
    nan.add(3, f32([1, 2], [Number.NaN, 1]), f32([1, 2], [0, 1]));
    expect(nan.finish()).toMatchObject({ maxAbsError: null, maxRelError: null, minCosine: null, worstLine: 3 });
    const same = createAgreement("y");
    same.add(1, f32([1, 2], [Number.NaN, 1]), f32([1, 2], [Number.NaN, 1]));
    same.add(2, f32([1, 2], [0, 0]), f32([1, 2], [0, 0]));
    expect(same.finish()).toMatchObject({ maxAbsError: 0, maxRelError: 0, minCosine: 1 });
    const zero = createAgreement("y");
    zero.add(1, f32([1, 2], [0, 0]), f32([1, 2], [1, 0]));
    expect(zero.finish().minCosine).toBe(0);
  });

  it("a one-value last axis has no argmax; int64 and float16 compare as numbers; other dims are a problem", () => {
    const one = createAgreement("score");
    one.add(1, f32([2, 1], [0.2, 0.9]), f32([2, 1], [0.2, 0.9]));
    expect(one.finish()).toMatchObject({ argmaxAgreement: null, maxAbsError: 0 });
    const ints = createAgreement("ids");
    ints.add(1, { dtype: "int64", dims: [2], data: BigInt64Array.from([1n, 5n]) }, { dtype: "int64", dims: [2], data: BigInt64Array.from([1n, 3n]) });
    expect(ints.finish().maxAbsError).toBe(2);
    const half = createAgreement("h");
    // 0x3c00 = 1.0, 0x4000 = 2.0 in float16.
    half.add(1, { dtype: "float16", dims: [1], data: Uint16Array.from([0x3c00]) }, { dtype: "float16", dims: [1], data: Uint16Array.from([0x4000]) });
    expect(half.finish().maxAbsError).toBe(1);
    expect(createAgreement("y").add(4, f32([1, 3], [0, 0, 0]), f32([1, 2], [0, 0]))).toBe("line 4: the model gave [1, 3], the reference is [1, 2]");
    expect(createAgreement("y").add(5, undefined, f32([1, 2], [0, 0]))).toBe('line 5: the model gave no output "y"');
  });

  it("a variant: argmax agreement with fp32 and accuracy loss on the labels; max abs error only when configured", () => {
    const y = { name: "y", lines: 4, values: 24, maxAbsError: 0.03, maxRelError: 0.2, minCosine: 0.999, argmaxAgreement: 0.875, rows: 8, worstLine: 2 };
    const labels = (accuracy: number) => ({ output: "y", rows: 8, accuracy, mae: null });
    const gates = { maxMetricLoss: 0.005, minArgmaxAgreement: 0.99, maxLatencyRatio: 1.1 };
    const checks = variantChecks([y], new Map(), labels(0.75), labels(0.875), gates);
    expect(checks.map((c) => c.message)).toEqual([
      "y: argmax agreement with fp32 0.875 < 0.99 over 8 rows",
      "y: accuracy loss 0.125 > 0.005 (accuracy 0.75 vs fp32 0.875 over 8 rows)",
    ]);
    const strict = variantChecks([y], new Map(), null, null, { ...gates, maxAbsError: 0.01 });
    expect(strict.map((c) => `${c.metric} ${c.pass}`)).toEqual(["max_abs_error false", "argmax_agreement false"]);
  });

  it("the samples gates' defaults", () => {
    expect(SamplesGates.parse({})).toEqual({ maxAbsError: 1e-4, maxRelError: 1e-2, minCosine: 0.99999, minArgmaxAgreement: 1 });
    expect(SamplesGates.safeParse({ maxAbsErr: 1 }).error?.issues[0]?.message).toBe(
      'unknown key "maxAbsErr" (allowed: maxAbsError, maxRelError, minCosine, minArgmaxAgreement, minAccuracy, maxMae)',
    );
  });
});
