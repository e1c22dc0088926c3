/**
 * quantizeModel details: the number formats (float16 rounding, the MatMulNBits and DequantizeLinear layouts checked
 * against onnxruntime by dequantizing in the test), where dequantizers go in subgraphs, shared weights, opset handling,
 * options, and the refusals.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ortNode from "onnxruntime-node";
import onnxProto from "onnx-proto";
import { describe, expect, it } from "vitest";
import { quantizeModel } from "../../../cli/optimize/quantize/index.ts";
import { type Fp16Stats, toFloat16Bits } from "../../../cli/optimize/quantize/tensor-data.ts";
import { floatTensor as randomTensor, rng, valueInfo } from "../../fixtures/onnx-builder.ts";
import {
  clipMlpOpset9,
  constantMatMul,
  convNet,
  gemmMlp,
  gemmMlpInitializersAsInputs,
  ifBranches,
  model,
  int,
  ints,
  randomFeed,
  sharedWeight,
  tinyModel,
} from "../../fixtures/quantize-graphs.ts";
import { refusal, relativeError, runModel } from "./ort-run.ts";

const { onnx } = onnxProto;
type Graph = onnxProto.onnx.IGraphProto;

function decodeHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

const initializer = (g: Graph, name: string) => (g.initializer ?? []).find((t) => t.name === name);
const raw = (t: onnxProto.onnx.ITensorProto | undefined) => t?.rawData ?? new Uint8Array();
const f32 = (t: onnxProto.onnx.ITensorProto | undefined) => {
  const r = raw(t);
  return new Float32Array(r.buffer.slice(r.byteOffset, r.byteOffset + r.byteLength));
};

describe("float16 conversion", () => {
  it("rounds to nearest even, keeps subnormals, clamps overflow and counts it", () => {
    const stats: Fp16Stats = { clamped: 0, underflowed: 0 };
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(toFloat16Bits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toFloat16Bits(2 ** -25)).toBe(0x0000); // tie → even (0)
    expect(toFloat16Bits(Number.POSITIVE_INFINITY)).toBe(0x7c00);
    expect(Number.isNaN(decodeHalf(toFloat16Bits(Number.NaN)))).toBe(true);
    expect(toFloat16Bits(1e6, stats)).toBe(0x7bff);
    expect(toFloat16Bits(-65520, stats)).toBe(0xfbff); // would round to -inf
    expect(stats.clamped).toBe(2);
  });

  it("is within half an ulp of every value in range (10,000 random values over 2^-24 … 2^15)", () => {
    const random = rng(5);
    for (let i = 0; i < 10_000; i++) {
      const v = Math.fround((random() < 0.5 ? -1 : 1) * 2 ** (random() * 39 - 24));
      const back = decodeHalf(toFloat16Bits(v));
      const exp = Math.max(-14, Math.floor(Math.log2(Math.abs(v))));
      expect(Math.abs(back - v)).toBeLessThanOrEqual(2 ** (exp - 10) / 2 + 1e-12);
    }
  });

  it("a weight beyond the float16 range is clamped and the report says so", () => {
    const w = randomTensor("W", [16, 16], rng(3));
    w.floatData![5] = 1e6;
    const graph = onnx.GraphProto.create({
      name: "big",
      node: [{ opType: "MatMul", name: "mm", input: ["x", "W"], output: ["y"] }],
      initializer: [w],
      input: [valueInfo("x", 1, ["batch", 16])],
      output: [valueInfo("y", 1, ["batch", 16])],
    });
    const r = quantizeModel(model(graph, 13), { scheme: "fp16" });
    expect(r.quantized[0]!.detail).toContain("1 value(s) beyond ±65504 clamped");
  });
});

/** An fp32 MatMul model y = x · B, for comparing against dequantized weights. */
function matmulModel(b: Float32Array, k: number, n: number): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: "ref",
    node: [{ opType: "MatMul", name: "mm", input: ["x", "B"], output: ["y"] }],
    initializer: [onnx.TensorProto.create({ name: "B", dims: [k, n], dataType: 1, floatData: Array.from(b) })],
    input: [valueInfo("x", 1, ["batch", k])],
    output: [valueInfo("y", 1, ["batch", n])],
  });
  return model(graph, 13);
}

describe("layouts, checked by onnxruntime against a dequantization written from the specs", () => {
  it("int4: MatMulNBits reads B [N, blocks, blob], scales [N·blocks], packed zero points exactly as written (K=80: a padded last block)", async () => {
    const k = 80;
    const n = 64;
    const graph = onnx.GraphProto.create({
      name: "nbits",
      node: [{ opType: "MatMul", name: "mm", input: ["x", "W"], output: ["y"] }],
      initializer: [randomTensor("W", [k, n], rng(9), 0.2)],
      input: [valueInfo("x", 1, ["batch", k])],
      output: [valueInfo("y", 1, ["batch", n])],
    });
    const r = quantizeModel(model(graph, 13), { scheme: "int4", blockSize: 16 });
    const g = onnx.ModelProto.decode(r.bytes).graph!;
    const node = g.node!.find((x) => x.opType === "MatMulNBits")!;
    expect(node.domain).toBe("com.microsoft");
    const attr = Object.fromEntries(node.attribute!.map((a) => [a.name, Number(a.i)]));
    expect(attr).toEqual({ K: k, N: n, bits: 4, block_size: 16 });
    const [, bName, sName, zName] = node.input!;
    const packed = raw(initializer(g, bName!));
    const scales = f32(initializer(g, sName!));
    const zps = raw(initializer(g, zName!));
    const blocks = Math.ceil(k / 16);
    expect(initializer(g, bName!)!.dims!.map(Number)).toEqual([n, blocks, 8]);
    expect(scales).toHaveLength(n * blocks);
    expect(zps).toHaveLength(n * Math.ceil(blocks / 2));
    const deq = new Float32Array(k * n);
    for (let col = 0; col < n; col++) {
      for (let row = 0; row < k; row++) {
        const blk = Math.floor(row / 16);
        const byte = packed[(col * blocks + blk) * 8 + ((row % 16) >> 1)]!;
        const q = row % 2 === 0 ? byte & 15 : byte >> 4;
        const zb = zps[col * Math.ceil(blocks / 2) + (blk >> 1)]!;
        const zp = blk % 2 === 0 ? zb & 15 : zb >> 4;
        deq[row * n + col] = (q - zp) * scales[col * blocks + blk]!;
      }
    }
    const feeds = { x: randomFeed([3, k], 4) };
    const want = await runModel("node", matmulModel(deq, k, n), feeds);
    for (const runtime of ["node", "wasm"] as const) expect(relativeError(want, await runModel(runtime, r.bytes, feeds))).toBeLessThan(1e-5);
  });

  it("int8 per-channel: one scale per output column of a MatMul weight, zero point 0, values in [-127, 127]", async () => {
    const f = constantMatMul();
    const r = quantizeModel(f.bytes, { scheme: "int8-per-channel" });
    const g = onnx.ModelProto.decode(r.bytes).graph!;
    const dq = g.node!.find((x) => x.opType === "DequantizeLinear")!;
    expect(dq.domain).toBe("");
    expect(Number(dq.attribute![0]!.i)).toBe(1);
    const q = Int8Array.from(raw(initializer(g, dq.input![0]!)), (v) => (v << 24) >> 24);
    const s = f32(initializer(g, dq.input![1]!));
    expect(s).toHaveLength(64);
    expect([...raw(initializer(g, dq.input![2]!))]).toEqual(new Array(64).fill(0));
    expect(Math.min(...q)).toBeGreaterThanOrEqual(-127);
    // Each column's largest magnitude maps to ±127 (symmetric, full range).
    for (let c = 0; c < 64; c++) expect(Math.max(...Array.from({ length: 64 }, (_, row) => Math.abs(q[row * 64 + c]!)))).toBe(127);
    const deq = Float32Array.from(q, (v, i) => v * s[i % 64]!);
    // The Constant node is gone; y = tanh(x · B) · wdyn with the dequantized B.
    expect(g.node!.some((x) => x.opType === "Constant")).toBe(false);
    const ref = onnx.ModelProto.decode(f.bytes);
    ref.graph!.node!.splice(0, 1);
    ref.graph!.initializer = [onnx.TensorProto.create({ name: "Wc", dims: [64, 64], dataType: 1, floatData: Array.from(deq) })];
    const feeds = f.feeds[0]!;
    const want = await runModel("node", onnx.ModelProto.encode(ref).finish(), feeds);
    expect(relativeError(want, await runModel("wasm", r.bytes, feeds))).toBeLessThan(1e-5);
  });
});

describe("graph placement", () => {
  it("If: the outer weight's DequantizeLinear sits in the outer graph before the If, the branch weights' inside their branch", () => {
    const r = quantizeModel(ifBranches().bytes, { scheme: "int8-per-channel" });
    const g = onnx.ModelProto.decode(r.bytes).graph!;
    const ifIndex = g.node!.findIndex((x) => x.opType === "If");
    const outerDq = g.node!.findIndex((x) => x.opType === "DequantizeLinear");
    expect(outerDq).toBeGreaterThanOrEqual(0);
    expect(outerDq).toBeLessThan(ifIndex);
    const branch = (name: string): Graph => g.node![ifIndex]!.attribute!.find((a) => a.name === name)!.g!;
    const thenMm = branch("then_branch").node!.find((x) => x.name === "then_mm")!;
    expect(thenMm.input![1]).toBe(g.node![outerDq]!.output![0]);
    const elseG = branch("else_branch");
    expect(elseG.node!.filter((x) => x.opType === "DequantizeLinear")).toHaveLength(2);
    expect(elseG.initializer!.map((t) => t.dataType).sort()).toEqual([1, 1, 3, 3, 3, 3]); // 2 scales, 2 int8 weights + 2 zero points
    expect(g.initializer!.find((t) => t.name === "Wouter")).toBeUndefined();
  });

  it("a shared weight is quantized once: one DequantizeLinear, per-tensor when its readers disagree on the channel axis", () => {
    const r = quantizeModel(sharedWeight().bytes, { scheme: "int8-per-channel" });
    const g = onnx.ModelProto.decode(r.bytes).graph!;
    const dqs = g.node!.filter((x) => x.opType === "DequantizeLinear");
    expect(dqs).toHaveLength(1);
    expect(dqs[0]!.attribute ?? []).toEqual([]);
    expect(r.quantized.find((q) => q.node === "mm_a")!.detail).toContain("readers differ on the channel axis");
    expect(g.initializer!.map((t) => t.name)).not.toContain("W");
    for (const name of ["mm_a", "mm_b", "gemm_t", "w_transpose"]) expect(g.node!.find((x) => x.name === name)!.input).toContain(dqs[0]!.output![0]);
  });
});

describe("weights forwarded by Identity (how exporters write tied or shared weights)", () => {
  const r0 = rng(27);
  const graph = onnx.GraphProto.create({
    name: "tied",
    node: [
      { opType: "Identity", name: "tie", input: ["W"], output: ["W_tied"] },
      { opType: "MatMul", name: "mm_direct", input: ["x", "W"], output: ["h"] },
      { opType: "Tanh", name: "tanh", input: ["h"], output: ["ht"] },
      { opType: "MatMul", name: "mm_tied", input: ["ht", "W_tied"], output: ["y"] },
    ],
    initializer: [randomTensor("W", [64, 64], r0, 0.3)],
    input: [valueInfo("x", 1, ["batch", 64])],
    output: [valueInfo("y", 1, ["batch", 64])],
  });
  const bytes = model(graph, 13);
  for (const scheme of ["int8-per-channel", "int8-dynamic", "fp16", "int4"] as const) {
    it(`${scheme}: both readers are quantized, the Identity goes, and the fp32 weight with it`, async () => {
      const r = quantizeModel(bytes, { scheme });
      expect(r.quantized.map((q) => `${q.node}:${q.weight}`)).toEqual(["mm_direct:W", "mm_tied:W"]);
      expect(r.skipped).toEqual([]);
      const g = onnx.ModelProto.decode(r.bytes).graph!;
      expect(g.node!.map((n) => n.opType)).not.toContain("Identity");
      expect(g.initializer!.map((t) => t.name)).not.toContain("W");
      expect(r.weightBytes.after).toBeLessThan(r.weightBytes.before * 0.55);
      const feeds = { x: randomFeed([3, 64], 28) };
      const want = await runModel("node", bytes, feeds);
      for (const runtime of ["node", "wasm"] as const)
        expect(relativeError(want, await runModel(runtime, r.bytes, feeds))).toBeLessThan(scheme === "int4" ? 0.1 : 0.03);
    });
  }
});

describe("opsets and IR versions", () => {
  it("below opset 13, per-channel uses com.microsoft DequantizeLinear and imports that domain; per-tensor at 10+ stays ai.onnx", () => {
    const r9 = quantizeModel(gemmMlp(0, 9).bytes, { scheme: "int8-per-channel" });
    expect(r9.opset).toEqual({ from: 9, to: 9 });
    expect(r9.domains).toEqual(["com.microsoft"]);
    const m9 = onnx.ModelProto.decode(r9.bytes);
    expect(m9.opsetImport!.map((o) => [o.domain, Number(o.version)])).toEqual([
      ["", 9],
      ["com.microsoft", 1],
    ]);
    const r11 = quantizeModel(gemmMlp(0, 11).bytes, { scheme: "int8-per-tensor" });
    expect(r11.domains).toEqual([]);
    expect(onnx.ModelProto.decode(r11.bytes).opsetImport).toHaveLength(1);
  });

  it("int8-dynamic raises opset 9 to 11 when every op means the same there, and refuses when one (Clip) does not", () => {
    const r = quantizeModel(gemmMlp(0, 9).bytes, { scheme: "int8-dynamic" });
    expect(r.opset).toEqual({ from: 9, to: 11 });
    const m = onnx.ModelProto.decode(r.bytes);
    expect(Number(m.opsetImport![0]!.version)).toBe(11);
    expect(Number(m.irVersion)).toBeGreaterThanOrEqual(6);
    expect(m.metadataProps!.find((p) => p.key === "edge-ml.quantize")?.value).toContain("opset 9 → 11 (ops checked unchanged: Gemm, Relu)");
    const err = refusal(() => quantizeModel(clipMlpOpset9().bytes, { scheme: "int8-dynamic" }));
    expect(err.message).toContain("mm (MatMul): DynamicQuantizeLinear needs opset 11, the model has 9, and raising it could change Clip");
    // The weight-only schemes need no raise: the same model quantizes with them.
    expect(quantizeModel(clipMlpOpset9().bytes, { scheme: "int8-per-channel" }).opset).toEqual({ from: 9, to: 9 });
  });

  it("an opset-21 model written with too old an IR version comes out with IR 10", () => {
    const f = gemmMlp(0, 21);
    const m = onnx.ModelProto.decode(f.bytes);
    m.irVersion = 8;
    const r = quantizeModel(onnx.ModelProto.encode(m).finish(), { scheme: "fp16" });
    expect(Number(onnx.ModelProto.decode(r.bytes).irVersion)).toBe(10);
  });
});

describe("options and refusals", () => {
  it("exclude keeps a node (by name or output name) in fp32 and says why", () => {
    const f = gemmMlp(0);
    for (const exclude of [["fc0"], ["h0"]]) {
      const r = quantizeModel(f.bytes, { scheme: "int8-per-channel", exclude });
      expect(r.quantized.map((q) => q.node)).toEqual(["fc1"]);
      expect(r.skipped).toContainEqual({ node: "fc0", op: "Gemm", weight: "W0", reason: "excluded by the exclude option" });
      const g = onnx.ModelProto.decode(r.bytes).graph!;
      expect(g.initializer!.find((t) => t.name === "W0")?.dataType).toBe(1);
    }
  });

  it("exclude also takes a weight name (an initializer, or a Constant node's output)", () => {
    const r = quantizeModel(gemmMlp(0).bytes, { scheme: "fp16", exclude: ["W1"] });
    expect(r.quantized.map((q) => q.weight)).toEqual(["W0"]);
    expect(r.skipped).toContainEqual({ node: "fc1", op: "Gemm", weight: "W1", reason: "excluded by the exclude option" });
    const c = quantizeModel(ifBranches().bytes, { scheme: "int4", exclude: ["Wk"] });
    expect(c.quantized.map((q) => q.weight).sort()).toEqual(["Winner", "Wouter"]);
    expect(c.skipped).toEqual([{ node: "else_mm_const", op: "MatMul", weight: "Wk", reason: "excluded by the exclude option" }]);
  });

  it("the report is in graph order, not in the order weights are stored", () => {
    const m = onnx.ModelProto.decode(gemmMlp(0).bytes);
    m.graph!.initializer!.reverse();
    const r = quantizeModel(onnx.ModelProto.encode(m).finish(), { scheme: "fp16", minElements: 1 });
    expect(r.quantized.map((q) => `${q.node}:${q.weight}`)).toEqual(["fc0:b0", "fc0:W0", "fc1:b1", "fc1:W1", "head:b2", "head:W2"]);
  });

  it("minElements decides what is too small", () => {
    const r = quantizeModel(gemmMlp(0).bytes, { scheme: "int8-per-tensor", minElements: 100 });
    expect(r.quantized.map((q) => q.node)).toEqual(["fc0", "fc1", "head"]);
    expect(r.skipped).toEqual([]);
  });

  it("a file that is not a model is refused as such", () => {
    const err = refusal(() => quantizeModel(new TextEncoder().encode("definitely not protobuf"), { scheme: "fp16" }));
    expect(err.code).toBe("ERR_BAD_MODEL_FILE");
    expect(refusal(() => quantizeModel(new Uint8Array(), { scheme: "fp16" })).code).toBe("ERR_BAD_MODEL_FILE");
  });

  it("nothing to quantize: one error listing every node's reason, with a hint", () => {
    const err = refusal(() => quantizeModel(tinyModel().bytes, { scheme: "fp16" }));
    expect(err.code).toBe("ERR_BAD_INPUT");
    expect(err.message).toBe(
      "nothing in the model could be quantized with fp16:\n" +
        "  • tiny_fc (Gemm, W): too small (8 elements < minElements 256)\n" +
        "  • tiny_fc (Gemm, b): too small (2 elements < minElements 256)",
    );
    expect(err.issues).toHaveLength(2);
    expect(err.hint).toContain("lower minElements");
  });

  it("bad options are usage errors", () => {
    const typo = refusal(() => quantizeModel(gemmMlp(0).bytes, { scheme: "fp16", exclude: ["fc0", "fc9"] }));
    expect(typo.code).toBe("ERR_USAGE");
    expect(typo.message).toBe('exclude names no node, node output or weight of the model: "fc9"');
    expect(refusal(() => quantizeModel(tinyModel().bytes, { scheme: "int4", blockSize: 24 })).code).toBe("ERR_USAGE");
    expect(refusal(() => quantizeModel(tinyModel().bytes, { scheme: "int3" as "int4" })).code).toBe("ERR_USAGE");
  });
});

describe("initializers also listed as graph inputs (older exporters)", () => {
  it("are quantized and dropped from graph.input; the real input stays and the model runs", async () => {
    const f = gemmMlpInitializersAsInputs(9);
    expect(onnx.ModelProto.decode(f.bytes).graph!.input).toHaveLength(7);
    const r = quantizeModel(f.bytes, { scheme: "int8-per-channel" });
    const g = onnx.ModelProto.decode(r.bytes).graph!;
    // W0 and W1 are gone (quantized); the small ones (b0, b1, W2, b2) stay fp32 and stay overridable inputs.
    expect(g.input!.map((v) => v.name)).toEqual(["x", "b0", "b1", "W2", "b2"]);
    expect(r.quantized.map((q) => q.detail).every((d) => d.endsWith("no longer an overridable graph input"))).toBe(true);
    const feeds = f.feeds[0]!;
    const want = await runModel("node", f.bytes, feeds);
    for (const runtime of ["node", "wasm"] as const) expect(relativeError(want, await runModel(runtime, r.bytes, feeds))).toBeLessThan(0.02);
  });
});

describe("int8-dynamic", () => {
  it("a Gemm bias that another node also reads is not reported as a weight kept twice (only quantized weights are)", () => {
    const r0 = rng(21);
    const graph = onnx.GraphProto.create({
      name: "gemm-bias-reader",
      node: [
        { opType: "Gemm", name: "fc", input: ["x", "W", "b"], output: ["y"] },
        { opType: "Identity", name: "bias_out", input: ["b"], output: ["y2"] },
      ],
      initializer: [randomTensor("W", [32, 32], r0, 0.3), randomTensor("b", [32], r0, 0.5)],
      input: [valueInfo("x", 1, ["batch", 32])],
      output: [valueInfo("y", 1, ["batch", 32]), valueInfo("y2", 1, [32])],
    });
    const r = quantizeModel(model(graph, 13), { scheme: "int8-dynamic" });
    expect(r.quantized.map((q) => q.node)).toEqual(["fc"]);
    expect(r.skipped).toEqual([]);
  });

  it("a Conv bias computed at run time is reshaped by a Reshape; one forwarded by an Identity is a constant", async () => {
    const r0 = rng(19);
    const graph = onnx.GraphProto.create({
      name: "conv-identity-bias",
      node: [
        { opType: "Identity", name: "bias_alias", input: ["b"], output: ["b_alias"] },
        { opType: "Conv", name: "conv", input: ["x", "W", "b_alias"], output: ["c"], attribute: [ints("kernel_shape", [3, 3])] },
        { opType: "Mul", name: "bias_scaled", input: ["b", "two"], output: ["b2"] },
        { opType: "Conv", name: "conv2", input: ["c", "W2", "b2"], output: ["y"], attribute: [ints("kernel_shape", [3, 3])] },
      ],
      initializer: [
        randomTensor("W", [16, 8, 3, 3], r0, 0.3),
        randomTensor("b", [16], r0, 0.5),
        randomTensor("W2", [16, 16, 3, 3], r0, 0.2),
        onnx.TensorProto.create({ name: "two", dims: [], dataType: 1, floatData: [2] }),
      ],
      input: [valueInfo("x", 1, ["batch", 8, "h", "w"])],
      output: [onnx.ValueInfoProto.create({ name: "y", type: { tensorType: { elemType: 1 } } })],
    });
    const bytes = model(graph, 13);
    const r = quantizeModel(bytes, { scheme: "int8-dynamic" });
    expect(r.quantized.map((q) => q.node)).toEqual(["conv", "conv2"]);
    const ops = onnx.ModelProto.decode(r.bytes).graph!.node!.map((n) => n.opType);
    expect(ops.filter((op) => op === "Reshape")).toHaveLength(1);
    expect(ops).not.toContain("Identity");
    const feeds = { x: randomFeed([2, 8, 11, 9], 20) };
    const want = await runModel("node", bytes, feeds);
    for (const runtime of ["node", "wasm"] as const) expect(relativeError(want, await runModel(runtime, r.bytes, feeds))).toBeLessThan(0.03);
  });

  it("nodes reading the same activation share one DynamicQuantizeLinear", async () => {
    const r0 = rng(17);
    const graph = onnx.GraphProto.create({
      name: "qkv",
      node: [
        { opType: "MatMul", name: "q", input: ["x", "Wq"], output: ["qo"] },
        { opType: "MatMul", name: "k", input: ["x", "Wk"], output: ["ko"] },
        { opType: "Add", name: "sum", input: ["qo", "ko"], output: ["y"] },
      ],
      initializer: [randomTensor("Wq", [32, 32], r0, 0.3), randomTensor("Wk", [32, 32], r0, 0.3)],
      input: [valueInfo("x", 1, ["batch", 32])],
      output: [valueInfo("y", 1, ["batch", 32])],
    });
    const bytes = model(graph, 13);
    const r = quantizeModel(bytes, { scheme: "int8-dynamic" });
    const g = onnx.ModelProto.decode(r.bytes).graph!;
    expect(g.node!.filter((n) => n.opType === "DynamicQuantizeLinear")).toHaveLength(1);
    expect(g.node!.filter((n) => n.opType === "MatMulInteger")).toHaveLength(2);
    const feeds = { x: randomFeed([4, 32], 18) };
    const want = await runModel("node", bytes, feeds);
    for (const runtime of ["node", "wasm"] as const) expect(relativeError(want, await runModel(runtime, r.bytes, feeds))).toBeLessThan(0.03);
  });
});

describe("more op shapes, in onnxruntime-node and -web (wasm)", () => {
  const untyped = (name: string) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: 1 } } });
  const r0 = rng(23);
  const cases: { name: string; node: onnxProto.onnx.INodeProto; weights: [string, number[]][]; x: number[]; quantized: string[] }[] = [
    {
      name: "depthwise Conv (group 16)",
      node: { opType: "Conv", attribute: [ints("kernel_shape", [3, 3]), int("group", 16)] },
      weights: [["W", [16, 1, 3, 3]]],
      x: [2, 16, 8, 8],
      quantized: ["W"],
    },
    {
      name: "grouped Conv (group 4)",
      node: { opType: "Conv", attribute: [ints("kernel_shape", [3, 3]), int("group", 4)] },
      weights: [["W", [16, 4, 3, 3]]],
      x: [2, 16, 8, 8],
      quantized: ["W"],
    },
    { name: "Conv 1-D", node: { opType: "Conv", attribute: [ints("kernel_shape", [3])] }, weights: [["W", [16, 8, 3]]], x: [2, 8, 20], quantized: ["W"] },
    {
      name: "Conv 3-D",
      node: { opType: "Conv", attribute: [ints("kernel_shape", [3, 3, 3])] },
      weights: [["W", [8, 4, 3, 3, 3]]],
      x: [1, 4, 6, 6, 6],
      quantized: ["W"],
    },
    {
      name: "GRU",
      node: { opType: "GRU", attribute: [int("hidden_size", 24)] },
      weights: [
        ["W", [1, 72, 16]],
        ["R", [1, 72, 24]],
      ],
      x: [5, 2, 16],
      quantized: ["W", "R"],
    },
    {
      name: "RNN",
      node: { opType: "RNN", attribute: [int("hidden_size", 32)] },
      weights: [
        ["W", [1, 32, 16]],
        ["R", [1, 32, 32]],
      ],
      x: [5, 2, 16],
      quantized: ["W", "R"],
    },
  ];
  for (const c of cases) {
    for (const scheme of c.node.opType === "Conv"
      ? (["int8-per-channel", "int8-dynamic", "fp16"] as const)
      : (["int8-per-tensor", "int8-per-channel", "fp16"] as const)) {
      it(`${c.name} / ${scheme}`, async () => {
        const graph = onnx.GraphProto.create({
          name: c.name,
          node: [{ ...c.node, name: "op", input: ["x", ...c.weights.map(([n]) => n)], output: ["y"] }],
          initializer: c.weights.map(([n, dims]) => randomTensor(n, dims, r0, 0.3)),
          input: [valueInfo("x", 1, c.x)],
          output: [untyped("y")],
        });
        const bytes = model(graph, 13);
        const r = quantizeModel(bytes, { scheme, minElements: 100 });
        expect(r.quantized.map((q) => q.weight)).toEqual(c.quantized);
        const feeds = { x: randomFeed(c.x, 24) };
        const want = await runModel("node", bytes, feeds);
        for (const runtime of ["node", "wasm"] as const) {
          const err = relativeError(want, await runModel(runtime, r.bytes, feeds));
          expect(err).toBeLessThan(scheme === "fp16" ? 1e-3 : 0.02);
          expect(err).toBeGreaterThan(0);
        }
      });
    }
  }
});

describe("after onnxruntime's extended graph optimization (what `optimize --level extended` hands over)", () => {
  async function optimized(bytes: Uint8Array): Promise<Uint8Array> {
    const dir = mkdtempSync(join(tmpdir(), "edge-ml-quantize-"));
    try {
      const out = join(dir, "optimized.onnx");
      const session = await ortNode.InferenceSession.create(bytes, { graphOptimizationLevel: "extended", optimizedModelFilePath: out });
      await session.release();
      return new Uint8Array(readFileSync(out));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("int8 and fp16 cover com.microsoft FusedConv / FusedGemm; int8-dynamic and int4 say why they do not", async () => {
    for (const f of [convNet(), gemmMlp(1)]) {
      const bytes = await optimized(f.bytes);
      const ops = onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType);
      expect(ops.some((op) => op === "FusedConv" || op === "FusedGemm")).toBe(true);
      const want = await runModel("node", f.bytes, f.feeds[0]!);
      for (const scheme of ["int8-per-channel", "fp16"] as const) {
        const r = quantizeModel(bytes, { scheme });
        expect(r.quantized.filter((q) => q.op.startsWith("Fused"))).toHaveLength(2);
        for (const runtime of ["node", "wasm"] as const) {
          expect(relativeError(want, await runModel(runtime, r.bytes, f.feeds[0]!))).toBeLessThan(scheme === "fp16" ? 1e-3 : 0.02);
        }
      }
      const err = refusal(() => quantizeModel(bytes, { scheme: "int8-dynamic" }));
      expect(err.message).toContain("a com.microsoft fused op from graph optimization is not rewritten");
    }
  });
});
