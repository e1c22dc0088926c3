/**
 * int4: MatMul (and Gemm) with a large constant 2-D weight → com.microsoft MatMulNBits (bits 4, blockwise along K,
 * asymmetric with packed zero points), the layout onnxruntime's `quantize_matmul_4bits` writes. Small matrices and
 * other ops stay fp32 with a reason.
 *
 * @example
 * ```ts
 * quantizeInt4(ctx); // ctx.blockSize 32 by default
 * ```
 */
import type { QuantizeContext } from "./context.ts";
import { isDefaultDomain } from "./graph-scan.ts";
import { matmulForm } from "./matmul-form.ts";
import { bytesTensor, DT, floatTensor, quantizeBlocks4 } from "./tensor-data.ts";

/** Below this K or N a 4-bit layout saves little and costs accuracy: such MatMuls stay fp32. */
const INT4_MIN_DIM = 64;

const UNCOVERED = new Set(["Conv", "ConvTranspose", "LSTM", "GRU", "RNN", "FusedConv", "FusedGemm", "FusedMatMul"]);

export function quantizeInt4(ctx: QuantizeContext): void {
  const bs = ctx.blockSize;
  const cache = new Map<string, { b: string; scales: string; zp: string }>();
  for (const { scope, node } of ctx.nodes()) {
    const op = isDefaultDomain(node) || node.domain === "com.microsoft" ? (node.opType ?? "") : "";
    if (UNCOVERED.has(op)) {
      if (node.input?.some((_, i) => ctx.weightAt(node, i)))
        ctx.skip(node, `int4 covers MatMul and Gemm (MatMulNBits); ${op} stays fp32, int8-per-channel covers it`);
      continue;
    }
    if (!isDefaultDomain(node) || (op !== "MatMul" && op !== "Gemm")) continue;
    if (ctx.isExcluded(node)) {
      ctx.skip(node, "excluded by the exclude option", node.input?.[1]);
      continue;
    }
    const form = matmulForm(ctx, node, (k, n) =>
      k < INT4_MIN_DIM || n < INT4_MIN_DIM ? `too small for 4-bit blocks (K=${k}, N=${n}; both must be ≥ ${INT4_MIN_DIM})` : undefined,
    );
    if (typeof form === "string") {
      ctx.skip(node, form, ctx.weightAt(node, 1)?.name);
      continue;
    }
    const { weight: w, k, n } = form;
    const key = `${w.name}|${form.transposed}|${form.alpha}`;
    let qw = cache.get(key);
    if (!qw) {
      const { packed, scales, zeroPoints, blocks } = quantizeBlocks4(form.b, k, n, bs);
      const f = ctx.scan.freshName;
      qw = { b: f(`${w.name}_Q4`), scales: f(`${w.name}_scales`), zp: f(`${w.name}_zero_points`) };
      ctx.edit.addInitializer(w.scope, bytesTensor(qw.b, [n, blocks, bs / 2], DT.UINT8, packed));
      ctx.edit.addInitializer(
        w.scope,
        floatTensor(
          qw.scales,
          [n * blocks],
          scales.map((s) => s * form.alpha),
        ),
      );
      ctx.edit.addInitializer(w.scope, bytesTensor(qw.zp, [zeroPoints.length], DT.UINT8, zeroPoints));
      cache.set(key, qw);
    }
    const f = ctx.scan.freshName;
    const base = ctx.label(node);
    const out = node.output![0]!;
    const product = form.bias ? f(`${base}_product`) : out;
    const attribute = [
      { name: "K", type: 2, i: k },
      { name: "N", type: 2, i: n },
      { name: "bits", type: 2, i: 4 },
      { name: "block_size", type: 2, i: bs },
    ];
    const nodes = [
      ...form.pre,
      { name: f(`${base}_MatMulNBits`), opType: "MatMulNBits", domain: "com.microsoft", input: [form.a, qw.b, qw.scales, qw.zp], output: [product], attribute },
    ];
    if (form.bias) nodes.push({ name: f(`${base}_AddBias`), opType: "Add", domain: "", input: [product, form.bias], output: [out] });
    ctx.edit.replace(scope, node, nodes);
    ctx.domains.add("com.microsoft");
    const how = [form.transposed ? "B transposed" : "", form.alpha !== 1 ? "alpha folded into the scales" : "", form.bias ? "bias added after" : ""].filter(
      Boolean,
    );
    ctx.record(node, w, [`MatMulNBits 4-bit, block ${bs} along K, asymmetric (K=${k}, N=${n})`, ...how].join("; "));
  }
}
