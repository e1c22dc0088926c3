/**
 * Weight-only schemes: the weight is stored small and turned back into float32 by one node placed where the weight is
 * defined (so every reader, also inside If/Loop/Scan subgraphs, sees it), and compute stays fp32.
 * - int8 (per tensor or per output channel): int8 initializer + DequantizeLinear, symmetric, zero point 0.
 * - fp16: float16 initializer + Cast(to=float), for every float32 weight above minElements.
 *
 * @example
 * ```ts
 * quantizeWeightsInt8(ctx, true); // per-channel
 * quantizeWeightsFp16(ctx);
 * ```
 */
import type { QuantizeContext } from "./context.ts";
import { type Node, type Use, type Weight, isDefaultDomain } from "./graph-scan.ts";
import { bytesTensor, DT, dimsOf, type Fp16Stats, float16Bits, floatTensor, quantizeInt8, readFloat32 } from "./tensor-data.ts";

type AxisRule = (node: Node, rank: number) => number | string;
const matmulB: AxisRule = (n, rank) => (rank === 2 ? (intAttr(n, "transB") === 1 ? 0 : 1) : "B is not 2-D (batched MatMul weights stay fp32)");

/**
 * `domain:op` → weight inputs int8 weight-only covers, and the output-channel axis of that weight. The com.microsoft
 * fused ops are what onnxruntime's extended graph optimization writes (Conv+Relu → FusedConv ...).
 */
const INT8_SLOTS: Record<string, Record<number, AxisRule>> = {
  ":MatMul": { 1: matmulB },
  ":Gemm": { 1: (n) => (intAttr(n, "transB") === 1 ? 0 : 1) },
  ":Conv": { 1: () => 0 },
  ":ConvTranspose": { 1: () => 1 },
  ":LSTM": { 1: () => 1, 2: () => 1 },
  ":GRU": { 1: () => 1, 2: () => 1 },
  ":RNN": { 1: () => 1, 2: () => 1 },
  "com.microsoft:FusedConv": { 1: () => 0 },
  "com.microsoft:FusedGemm": { 1: (n) => (intAttr(n, "transB") === 1 ? 0 : 1) },
  "com.microsoft:FusedMatMul": { 1: matmulB },
};

const slotsOf = (node: Node) => INT8_SLOTS[`${isDefaultDomain(node) ? "" : node.domain}:${node.opType ?? ""}`];

export function intAttr(node: Node, name: string, fallback = 0): number {
  const a = node.attribute?.find((x) => x.name === name);
  return a?.i === undefined || a.i === null ? fallback : Number(a.i);
}

export function floatAttr(node: Node, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  return a?.f === undefined || a.f === null ? fallback : Number(a.f);
}

const isSlot = (u: Use) => slotsOf(u.node)?.[u.index] !== undefined;

export function quantizeWeightsInt8(ctx: QuantizeContext, perChannel: boolean): void {
  reportUncoveredNodes(ctx);
  for (const w of ctx.scan.weights) {
    const slotUses = w.uses.filter(isSlot);
    const active = ctx.notExcluded(slotUses, w.name);
    if (active.length === 0) continue;
    const problem = ctx.weightProblem(w);
    if (problem) {
      for (const u of active) ctx.skip(u.node, problem, w.name);
      continue;
    }
    const dims = dimsOf(w.tensor);
    const ok: { use: Use; axis: number }[] = [];
    for (const u of active) {
      const axis = slotsOf(u.node)![u.index]!(u.node, dims.length);
      if (typeof axis === "string") ctx.skip(u.node, axis, w.name);
      else ok.push({ use: u, axis });
    }
    if (ok.length === 0) continue;
    const axes = new Set(ok.map((o) => o.axis));
    const axis = perChannel && axes.size === 1 ? ok[0]!.axis : undefined;
    const values = readFloat32(w.tensor)!;
    const { q, scales } = quantizeInt8(values, dims, axis);
    const scaleDims = axis === undefined ? [] : [dims[axis]!];
    const f = ctx.scan.freshName;
    const qName = f(`${w.name}_quantized`);
    const sName = f(`${w.name}_scale`);
    const zName = f(`${w.name}_zero_point`);
    const out = f(`${w.name}_dequantized`);
    ctx.edit.addInitializer(w.scope, bytesTensor(qName, dims, DT.INT8, new Uint8Array(q.buffer)));
    ctx.edit.addInitializer(w.scope, floatTensor(sName, scaleDims, scales));
    ctx.edit.addInitializer(w.scope, bytesTensor(zName, scaleDims, DT.INT8, new Uint8Array(scales.length)));
    // ai.onnx DequantizeLinear: opset 10, `axis` from 13. Older models get the com.microsoft one (same semantics, has
    // axis, runs in onnxruntime-web's WASM build) rather than an opset raise that could change other ops.
    const domain = ctx.opset >= 13 || (ctx.opset >= 10 && axis === undefined) ? "" : "com.microsoft";
    if (domain) ctx.domains.add(domain);
    ctx.edit.prepend(w.scope, {
      name: f(`${w.name}_DequantizeLinear`),
      opType: "DequantizeLinear",
      domain,
      input: [qName, sName, zName],
      output: [out],
      attribute: axis === undefined ? [] : [{ name: "axis", type: 2, i: axis }],
    });
    const how =
      axis === undefined ? (perChannel && axes.size > 1 ? "per-tensor (its readers differ on the channel axis)" : "per-tensor") : `per-channel axis ${axis}`;
    const shared = ok.length > 1 ? `, shared by ${ok.length} nodes through one DequantizeLinear` : "";
    for (const { use } of ok) {
      use.node.input![use.index] = out;
      ctx.record(use.node, w, `int8 ${how}${shared}${domain ? ` (${domain})` : ""}`);
    }
    // Other readers (a Transpose, an Add ...) take any float32 tensor of this shape: they read the dequantized weight
    // too, so the fp32 copy can go. Excluded readers keep the fp32 original.
    for (const use of w.uses) {
      if (isSlot(use) || ctx.isExcluded(use.node) || ctx.scan.aliases.has(use.node)) continue;
      use.node.input![use.index] = out;
      ctx.record(use.node, w, "reads the dequantized weight (an op int8 does not cover)");
    }
  }
}

/** Nodes int8 weight-only covers whose weight input is computed at run time: say so instead of passing over them. */
function reportUncoveredNodes(ctx: QuantizeContext): void {
  for (const { node } of ctx.nodes()) {
    const slots = slotsOf(node);
    if (!slots) continue;
    for (const i of Object.keys(slots).map(Number)) {
      const name = node.input?.[i];
      if (name && !ctx.weightAt(node, i)) ctx.skip(node, `input ${i} ("${name}") is computed at run time, not a constant weight`);
    }
  }
}

export function quantizeWeightsFp16(ctx: QuantizeContext): void {
  for (const w of ctx.scan.weights) {
    // An Identity forwarding the weight is left alone: its readers are uses too, and it goes once they are rewired.
    const readers = w.uses.filter((u) => !ctx.scan.aliases.has(u.node));
    if (readers.length === 0 || (w.tensor.dataType ?? 0) !== DT.FLOAT) continue;
    const first = readers[0]!.node;
    const active = ctx.notExcluded(readers, w.name);
    if (active.length === 0) continue;
    const problem = ctx.weightProblem(w);
    if (problem) {
      ctx.skip(first, problem, w.name);
      continue;
    }
    convertFp16(ctx, w, active);
  }
}

function convertFp16(ctx: QuantizeContext, w: Weight, active: Use[]): void {
  const dims = dimsOf(w.tensor);
  const stats: Fp16Stats = { clamped: 0, underflowed: 0 };
  const half = float16Bits(readFloat32(w.tensor)!, stats);
  const f = ctx.scan.freshName;
  const hName = f(`${w.name}_fp16`);
  const out = f(`${w.name}_fp32`);
  ctx.edit.addInitializer(w.scope, bytesTensor(hName, dims, DT.FLOAT16, half));
  ctx.edit.prepend(w.scope, {
    name: f(`${w.name}_Cast`),
    opType: "Cast",
    domain: "",
    input: [hName],
    output: [out],
    attribute: [{ name: "to", type: 2, i: DT.FLOAT }],
  });
  const notes = [
    stats.clamped > 0 ? `${stats.clamped} value(s) beyond ±65504 clamped` : "",
    stats.underflowed > 0 ? `${stats.underflowed} tiny value(s) flushed toward 0` : "",
    active.length > 1 ? `shared by ${active.length} nodes through one Cast` : "",
  ].filter(Boolean);
  for (const use of active) {
    use.node.input![use.index] = out;
    ctx.record(use.node, w, ["fp16 + Cast(to=float)", ...notes].join("; "));
  }
}
