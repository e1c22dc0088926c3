/**
 * Weight-only int8 variants are served with their DequantizeLinear nodes folded at session creation: the hint is on
 * exactly when the served artifact is such a variant, and a session created with it answers like one without it
 * (onnxruntime-web's wasm build, the MLP fixture quantized per channel).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ortWeb from "onnxruntime-web";
import { describe, expect, it } from "vitest";
import { quantizeModel } from "../../cli/optimize/quantize/index.ts";
import { foldsWeightDequantize, isWeightOnlyInt8 } from "../../core/session-hints.ts";
import { createOrtEngine, type OrtLike } from "../../runtime/engines/ort.ts";
import { FIXTURES } from "../helpers/tmp.ts";

const variant = (sha256: string, scheme: string | null) => ({ name: "v", sha256, recipe: { level: null, scheme, excluded: [] } });

describe("foldsWeightDequantize", () => {
  it("is on only when the served artifact is a weight-only int8 variant", () => {
    const a = "a".repeat(64);
    const b = "b".repeat(64);
    expect(foldsWeightDequantize({ artifact: { sha256: a }, variants: [variant(a, "int8-per-channel")] })).toBe(true);
    expect(foldsWeightDequantize({ artifact: { sha256: a }, variants: [variant(a, "int8-per-tensor")] })).toBe(true);
    expect(foldsWeightDequantize({ artifact: { sha256: a }, variants: [variant(a, "int8-dynamic")] })).toBe(false);
    expect(foldsWeightDequantize({ artifact: { sha256: a }, variants: [variant(a, "fp16")] })).toBe(false);
    // The fp32 artifact served while the version has an int8 variant: no folding.
    expect(foldsWeightDequantize({ artifact: { sha256: b }, variants: [variant(a, "int8-per-channel")] })).toBe(false);
    expect(isWeightOnlyInt8(null)).toBe(false);
  });

  it("a folded session answers like an unfolded one", async () => {
    (ortWeb as unknown as { env: { wasm: { numThreads: number } } }).env.wasm.numThreads = 1;
    const bytes = quantizeModel(new Uint8Array(readFileSync(join(FIXTURES, "optimize", "mlp.onnx"))), { scheme: "int8-per-channel" }).bytes;
    const engine = createOrtEngine(ortWeb as unknown as OrtLike, { name: "ort-wasm", executionProviders: ["wasm"] });
    const plain = await engine.createSession(bytes);
    const folded = await engine.createSession(bytes, { foldWeightDequantize: true });
    const x = { dtype: "float32" as const, data: Float32Array.from({ length: 4 * 32 }, (_, i) => Math.sin(i)), dims: [4, 32] };
    const a = (await plain.run({ features: x }))["logits"]?.data as Float32Array;
    const b = (await folded.run({ features: x }))["logits"]?.data as Float32Array;
    expect(a.length).toBe(40);
    const diff = Math.max(...Array.from(a, (v, i) => Math.abs(v - (b[i] as number))));
    expect(diff).toBeLessThan(1e-4);
  });
});
