/**
 * quantizeModel on fixture graphs: every scheme × fixture either gives a model that loads and runs in onnxruntime-node
 * and onnxruntime-web's WASM build with outputs close to the fp32 model's (onnxruntime-node as the reference), smaller
 * weights and an exact report, or refuses with the reasons per node.
 */
import onnxProto from "onnx-proto";
import { afterAll, describe, expect, it } from "vitest";
import { type QuantizeResult, type QuantizeScheme, quantizeModel } from "../../../cli/optimize/quantize/index.ts";
import { constantMatMul, convNet, type Fixture, gemmMlp, ifBranches, lstmNet, loopBody, scanBody, sharedWeight } from "../../fixtures/quantize-graphs.ts";
import { refusal, relativeError, runModel } from "./ort-run.ts";

const { onnx } = onnxProto;

/** Max |quantized − fp32| as a fraction of the fp32 output range. */
const TOLERANCE: Record<QuantizeScheme, number> = {
  fp16: 1e-3,
  "int8-per-tensor": 0.02,
  "int8-per-channel": 0.02,
  "int8-dynamic": 0.03,
  int4: 0.1,
};

/** Upper bound on weight bytes after / before when (nearly) every weight is covered: 1/4, 1/2, ~1/6 plus scales. */
const RATIO: Record<QuantizeScheme, number> = { fp16: 0.52, "int8-per-tensor": 0.3, "int8-per-channel": 0.34, "int8-dynamic": 0.3, int4: 0.2 };

interface Expect {
  /** `node:weight` entries of `quantized`, in any order. */
  quantized: string[];
  /** `node:reason fragment` entries expected in `skipped` (all of them, and no others). */
  skipped?: string[];
  /** Override of RATIO for this case. */
  ratio?: number;
}
type Case = { fixture: Fixture; expect: Partial<Record<QuantizeScheme, Expect | { throws: string[] }>> };

const SMALL_HEAD = "head:too small (192 elements";
const fp16MlpSkips = ["fc0:too small (96", "fc1:too small (64", SMALL_HEAD, "head:too small (3 elements"];
const mlp = (fixture: Fixture): Case => ({
  fixture,
  expect: {
    "int8-per-tensor": { quantized: ["fc0:W0", "fc1:W1"], skipped: [SMALL_HEAD] },
    "int8-per-channel": { quantized: ["fc0:W0", "fc1:W1"], skipped: [SMALL_HEAD] },
    "int8-dynamic": { quantized: ["fc0:W0", "fc1:W1"], skipped: [SMALL_HEAD] },
    fp16: { quantized: ["fc0:W0", "fc1:W1"], skipped: fp16MlpSkips },
    int4: { quantized: ["fc0:W0", "fc1:W1"], skipped: [SMALL_HEAD] },
  },
});
const conv = (fixture: Fixture): Case => ({
  fixture,
  expect: {
    "int8-per-tensor": { quantized: ["conv0:C0", "conv1:C1", "deconv:D0"] },
    "int8-per-channel": { quantized: ["conv0:C0", "conv1:C1", "deconv:D0"] },
    "int8-dynamic": { quantized: ["conv0:C0", "conv1:C1"], skipped: ["deconv:no ConvTranspose integer kernel"], ratio: 0.4 },
    fp16: { quantized: ["conv0:C0", "conv1:C1", "deconv:D0"], skipped: ["conv0:too small (16", "deconv:too small (8"] },
    int4: { throws: ["conv0 (Conv): int4 covers MatMul and Gemm", "deconv (ConvTranspose)"] },
  },
});
const ifCase = (fixture: Fixture): Case => {
  const q = { quantized: ["then_mm:Wouter", "else_mm:Winner", "else_mm_const:Wk"] };
  return { fixture, expect: { "int8-per-tensor": q, "int8-per-channel": q, "int8-dynamic": q, fp16: q, int4: q } };
};
const loopCase = (fixture: Fixture): Case => {
  const q = { quantized: ["body_mm:Wbody", "body_mm_outer:Wouter"] };
  return { fixture, expect: { "int8-per-tensor": q, "int8-per-channel": q, "int8-dynamic": q, fp16: q, int4: q } };
};
const scanCase = (fixture: Fixture): Case => {
  const q = { quantized: ["scan_mm_x:Wx", "scan_mm_h:Wh"] };
  return { fixture, expect: { "int8-per-tensor": q, "int8-per-channel": q, "int8-dynamic": q, fp16: q, int4: q } };
};
const sharedCase = (fixture: Fixture): Case => {
  const runtimeB = "mm_wt:is computed at run time";
  const fp32Reader = 'w_transpose:reads "W" as fp32';
  const all = ["mm_a:W", "mm_b:W", "gemm_t:W", "w_transpose:W"];
  return {
    fixture,
    expect: {
      "int8-per-tensor": { quantized: all, skipped: [runtimeB] },
      "int8-per-channel": { quantized: all, skipped: [runtimeB] },
      // The Transpose keeps the fp32 W and Gemm(transB) needs its own transposed copy: bigger, and said so.
      "int8-dynamic": { quantized: ["mm_a:W", "mm_b:W", "gemm_t:W"], skipped: [runtimeB, fp32Reader], ratio: 1.6 },
      fp16: { quantized: all },
      int4: { quantized: ["mm_a:W", "mm_b:W", "gemm_t:W"], skipped: [runtimeB, fp32Reader], ratio: 1.4 },
    },
  };
};
const lstmCase = (fixture: Fixture): Case => ({
  fixture,
  expect: {
    "int8-per-tensor": { quantized: ["lstm:LW", "lstm:LR", "lstm_head:HW"] },
    "int8-per-channel": { quantized: ["lstm:LW", "lstm:LR", "lstm_head:HW"] },
    "int8-dynamic": { quantized: ["lstm_head:HW"], skipped: ["lstm:DynamicQuantizeLSTM is not emitted"], ratio: 0.85 },
    fp16: { quantized: ["lstm:LW", "lstm:LR", "lstm:LB", "lstm_head:HW"], skipped: ["lstm_head:too small (64"] },
    int4: { throws: ["lstm (LSTM): int4 covers MatMul and Gemm", "lstm_head (Gemm, HW): too small for 4-bit blocks (K=32, N=64"] },
  },
});
const constCase = (fixture: Fixture): Case => {
  const skipped = ["mm_runtime:is computed at run time"];
  return {
    fixture,
    expect: {
      "int8-per-tensor": { quantized: ["mm_const:Wc"], skipped },
      "int8-per-channel": { quantized: ["mm_const:Wc"], skipped },
      "int8-dynamic": { quantized: ["mm_const:Wc"], skipped },
      fp16: { quantized: ["mm_const:Wc"] },
      int4: { quantized: ["mm_const:Wc"], skipped },
    },
  };
};

const CASES: Case[] = [
  mlp(gemmMlp(0)),
  mlp(gemmMlp(1)),
  mlp(gemmMlp(0, 9)),
  mlp(gemmMlp(1, 21)),
  conv(convNet()),
  conv(convNet(11)),
  constCase(constantMatMul()),
  constCase(constantMatMul(17)),
  ifCase(ifBranches()),
  ifCase(ifBranches(11)),
  loopCase(loopBody()),
  loopCase(loopBody(17)),
  scanCase(scanBody()),
  scanCase(scanBody(9)),
  sharedCase(sharedWeight()),
  sharedCase(sharedWeight(21)),
  lstmCase(lstmNet()),
  lstmCase(lstmNet(9)),
];

const references = new Map<Fixture, Promise<Float32Array[][]>>();
const reference = (f: Fixture) => {
  if (!references.has(f)) references.set(f, Promise.all(f.feeds.map((feeds) => runModel("node", f.bytes, feeds))));
  return references.get(f)!;
};

const summary: string[] = [];

describe("quantizeModel: every scheme on every fixture, run in onnxruntime-node and onnxruntime-web (wasm)", () => {
  for (const { fixture, expect: byScheme } of CASES) {
    for (const [scheme, exp] of Object.entries(byScheme) as [QuantizeScheme, Expect | { throws: string[] }][]) {
      it(`${fixture.name} / ${scheme}`, async () => {
        if ("throws" in exp) {
          const err = refusal(() => quantizeModel(fixture.bytes, { scheme }));
          expect(err.code).toBe("ERR_BAD_INPUT");
          expect(err.message).toContain(`nothing in the model could be quantized with ${scheme}`);
          for (const t of exp.throws) expect(err.message).toContain(t);
          expect(err.hint).toContain("try another scheme");
          return;
        }
        const r = quantizeModel(fixture.bytes, { scheme });
        expect(r.quantized.map((q) => `${q.node}:${q.weight}`).sort()).toEqual([...exp.quantized].sort());
        const skipped = exp.skipped ?? [];
        expect(r.skipped).toHaveLength(skipped.length);
        for (const s of skipped) {
          const [node, fragment] = [s.slice(0, s.indexOf(":")), s.slice(s.indexOf(":") + 1)];
          expect(
            r.skipped.some((x) => x.node === node && x.reason.includes(fragment)),
            `skipped ${s} in ${JSON.stringify(r.skipped)}`,
          ).toBe(true);
        }
        const ratio = r.weightBytes.after / r.weightBytes.before;
        expect(ratio).toBeLessThanOrEqual(exp.ratio ?? RATIO[scheme]);
        if (!exp.ratio) expect(r.bytes.length).toBeLessThan(fixture.bytes.length * (exp.ratio ?? RATIO[scheme]) + 2048);
        const refs = await reference(fixture);
        let worst = 0;
        for (const [i, feeds] of fixture.feeds.entries()) {
          for (const runtime of ["node", "wasm"] as const) {
            const err = relativeError(refs[i]!, await runModel(runtime, r.bytes, feeds));
            expect(err, `${runtime} feed ${i}`).toBeLessThanOrEqual(TOLERANCE[scheme]);
            worst = Math.max(worst, err);
          }
        }
        // The quantization must have done something measurable (a pass-through copy would give exactly 0).
        expect(worst).toBeGreaterThan(0);
        summary.push(
          `${fixture.name} ${scheme}: weights ${r.weightBytes.before} → ${r.weightBytes.after} (${ratio.toFixed(3)}), max err ${worst.toExponential(2)}`,
        );
        checkStructure(fixture.bytes, r);
      });
    }
  }
  // QUANTIZE_SUMMARY=1 prints the size and error of every case (the figures quoted in reports).
  afterAll(() => {
    if (process.env.QUANTIZE_SUMMARY) console.log(summary.join("\n"));
  });
});

/** Graph IO, value_info and metadata survive; the opset imports agree with the ops; the IR version fits the opset. */
function checkStructure(before: Uint8Array, r: QuantizeResult): void {
  const a = onnx.ModelProto.decode(before);
  const b = onnx.ModelProto.decode(r.bytes);
  expect(b.graph!.input!.map((v) => v.name)).toEqual(a.graph!.input!.map((v) => v.name));
  expect(b.graph!.output!.map((v) => JSON.stringify(v))).toEqual(a.graph!.output!.map((v) => JSON.stringify(v)));
  for (const v of a.graph!.valueInfo ?? []) expect(b.graph!.valueInfo!.map((x) => x.name)).toContain(v.name);
  expect(b.metadataProps!.find((p) => p.key === "fixture")?.value).toBe(a.metadataProps![0]!.value);
  expect(b.metadataProps!.find((p) => p.key === "edge-ml.quantize")?.value).toContain(`${r.quantized.length} node(s) quantized`);
  const domains = new Set<string>();
  const walk = (g: onnxProto.onnx.IGraphProto) => {
    for (const n of g.node ?? []) {
      if (n.domain) domains.add(n.domain);
      for (const at of n.attribute ?? []) if (at.g) walk(at.g);
    }
  };
  walk(b.graph!);
  expect([...domains].sort()).toEqual(r.domains);
  const imports = new Map(b.opsetImport!.map((o) => [o.domain ?? "", Number(o.version)]));
  expect(imports.get("")).toBe(r.opset.to);
  for (const d of r.domains) expect(imports.get(d)).toBe(1);
  if (r.opset.to >= 21) expect(Number(b.irVersion)).toBeGreaterThanOrEqual(10);
}
